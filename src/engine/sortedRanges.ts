import type { CuboidData } from '../model/data.ts';
import type { CubeModel } from '../model/types.ts';
import type { RowRanges } from './rowRanges.ts';
import { scratchInt32 } from './scratch.ts';

/**
 * Narrowing by sort order: cuboid rows are stored sorted by their codes, grouped
 * dimensions in model order, so the rows whose leading codes pass the filter's masks
 * are runs that binary search finds exactly, where zone maps can only skip whole
 * blocks. A year × brand × region query keeping one category and one region reads its
 * few hundred rows instead of the blocks they lie in.
 */
export interface Narrowing {
  ranges: RowRanges;
  /** Dimensions whose masks every row of `ranges` passes: scanning need not test them again. */
  settled: ReadonlySet<string>;
}

const NOTHING_SETTLED: ReadonlySet<string> = new Set();

// Keyed by the cuboid itself: checked once on first use, dropped with the cuboid.
const sortOrders = new WeakMap<CuboidData, readonly string[]>();

/**
 * The dimensions the cuboid's rows are sorted by, major first: its grouped dimensions in
 * model order, as far as the rows bear that out (checked once, so a file written in
 * another order is read correctly, only without narrowing).
 */
export function sortOrder(model: CubeModel, cuboid: CuboidData): readonly string[] {
  let order = sortOrders.get(cuboid);
  if (order === undefined) {
    const grouped = model.dimensions.flatMap((dimension) => (cuboid.levels[dimension.name] === undefined ? [] : [dimension.name]));
    order = grouped.slice(0, sortedPrefix(grouped.map((name) => cuboid.codes[name]!), cuboid.rows));
    sortOrders.set(cuboid, order);
  }
  return order;
}

/** How many leading columns the rows are sorted by, lexicographically. */
function sortedPrefix(columns: readonly Int32Array[], rows: number): number {
  let prefix = columns.length;
  for (let row = 1; row < rows && prefix > 0; row++) {
    for (let k = 0; k < prefix; k++) {
      const before = columns[k]![row - 1]!;
      const code = columns[k]![row]!;
      if (before < code) break;
      if (before > code) prefix = k;
    }
  }
  return prefix;
}

/**
 * The rows of a cuboid sorted by `order` whose codes pass `masks` (dimension → one byte
 * per code), or undefined when no mask is on a sort key. Each run costs a binary search,
 * within a budget proportional to the rows; past it the remaining runs are kept whole
 * (a superset: the masks are then tested row by row and nothing is settled).
 */
export function narrowBySort(
  order: readonly string[],
  columns: (dimension: string) => Int32Array,
  masks: ReadonlyMap<string, Uint8Array>,
  rows: number,
): Narrowing | undefined {
  let depth = order.length;
  while (depth > 0 && !masks.has(order[depth - 1]!)) depth--;
  if (depth === 0) return undefined;
  const keys = order.slice(0, depth).map((dimension) => {
    const mask = masks.get(dimension);
    return { codes: columns(dimension), mask, runs: mask === undefined ? undefined : keptRuns(mask) };
  });

  let budget = 64 + (rows >> 4);
  let truncated = false;
  const out: number[] = [];
  const keep = (start: number, end: number) => {
    if (out.length > 0 && out[out.length - 1] === start) out[out.length - 1] = end;
    else out.push(start, end);
  };
  const visit = (level: number, low: number, high: number): void => {
    const { codes, mask, runs } = keys[level]!;
    const leaf = level === depth - 1;
    let start = low;
    while (start < high) {
      if (budget <= 0) {
        truncated = true;
        keep(start, high);
        return;
      }
      const code = codes[start]!;
      budget--;
      if (runs !== undefined && mask![code] === 0) {
        const kept = runs.nextKept[code]!;
        if (kept === mask!.length) return;
        start = lowerBound(codes, start, high, kept);
        continue;
      }
      // Below the deepest mask one run may span consecutive kept codes; above it each code is its own run, sorted by the next key.
      const end = lowerBound(codes, start, high, leaf ? runs!.nextDropped[code]! : code + 1);
      if (leaf) keep(start, end);
      else visit(level + 1, start, end);
      start = end;
    }
  };
  visit(0, 0, rows);
  const settled = truncated ? NOTHING_SETTLED : new Set(keys.flatMap((key, level) => (key.mask === undefined ? [] : [order[level]!])));
  return { ranges: Int32Array.from(out), settled };
}

/** Per code, the first code at or after it that the mask keeps, and the first it drops (the mask's length for none). */
function keptRuns(mask: Uint8Array): { nextKept: Int32Array; nextDropped: Int32Array } {
  const nextKept = scratchInt32(mask.length + 1);
  const nextDropped = scratchInt32(mask.length + 1);
  nextKept[mask.length] = mask.length;
  nextDropped[mask.length] = mask.length;
  for (let code = mask.length - 1; code >= 0; code--) {
    const kept = mask[code] !== 0;
    nextKept[code] = kept ? code : nextKept[code + 1]!;
    nextDropped[code] = kept ? nextDropped[code + 1]! : code;
  }
  return { nextKept, nextDropped };
}

/**
 * The first row in [low, high) whose code is at least `code`, galloping from `low`
 * first: most runs are short, and a search over the whole range would not know it.
 */
function lowerBound(codes: Int32Array, low: number, high: number, code: number): number {
  let bound = low;
  let step = 1;
  while (bound < high && codes[bound]! < code) {
    low = bound + 1;
    bound = low + step;
    step <<= 1;
  }
  high = Math.min(bound, high);
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (codes[middle]! < code) low = middle + 1;
    else high = middle;
  }
  return low;
}
