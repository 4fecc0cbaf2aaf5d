import type { CuboidData } from '../model/data.ts';
import type { RowRanges } from './rowRanges.ts';
import { scratchInt32 } from './scratch.ts';

/**
 * Narrowing by sort order: cuboid rows are stored sorted by the codes of their sort
 * keys (CuboidData.sortedBy, chosen by the planner), so the rows whose leading codes
 * pass the filter's masks are runs that binary search finds exactly, where zone maps
 * can only skip whole blocks. A year × brand × region query keeping one category and
 * one region reads its few hundred rows instead of the blocks they lie in.
 */
export interface Narrowing {
  ranges: RowRanges;
  /** Dimensions whose masks every row of `ranges` passes: scanning need not test them again. */
  settled: ReadonlySet<string>;
}

const NOTHING_SETTLED: ReadonlySet<string> = new Set();

/** The dimensions a cuboid's rows are sorted by, major first, and how many runs each prefix of them has. */
export interface SortOrder {
  dimensions: readonly string[];
  /** runs[k]: distinct codes of the first k + 1 dimensions, i.e. the runs a search at depth k may visit. */
  runs: readonly number[];
}

// Keyed by the cuboid itself: checked once on first use, dropped with the cuboid.
const sortOrders = new WeakMap<CuboidData, SortOrder>();

/**
 * How the cuboid's rows are sorted: by its sort keys, as far as the rows bear that out
 * (checked once, so a file written in another order is read correctly, only without
 * narrowing).
 */
export function sortOrder(cuboid: CuboidData): SortOrder {
  let order = sortOrders.get(cuboid);
  if (order === undefined) {
    const { sortedBy } = cuboid;
    order = sortedPrefix(sortedBy, sortedBy.map((name) => cuboid.codes[name]!), cuboid.rows);
    sortOrders.set(cuboid, order);
  }
  return order;
}

/** The leading columns the rows are sorted by, lexicographically, with the runs of each prefix. */
function sortedPrefix(dimensions: readonly string[], columns: readonly Int32Array[], rows: number): SortOrder {
  let prefix = columns.length;
  // changes[k]: rows whose first code differing from the row before is in column k.
  const changes = new Array<number>(columns.length + 1).fill(0);
  for (let row = 1; row < rows && prefix > 0; row++) {
    let k = 0;
    for (; k < prefix; k++) {
      const before = columns[k]![row - 1]!;
      const code = columns[k]![row]!;
      if (before < code) break;
      if (before > code) prefix = k;
    }
    changes[k]!++;
  }
  const runs: number[] = [];
  for (let k = 0, total = Math.min(rows, 1); k < prefix; k++) runs.push((total += changes[k]!));
  return { dimensions: dimensions.slice(0, prefix), runs };
}

/**
 * The rows of a cuboid sorted by `order` whose codes pass `masks` (dimension → one byte
 * per code), or undefined when no mask is on a sort key or the searches would cost more
 * than the rows they spare (judged from the runs of each level and how much of it the
 * masks keep). Searches stop at a budget all the same; past it the remaining runs are
 * kept whole (a superset: the masks are then tested row by row and nothing is settled).
 */
export function narrowBySort(
  order: SortOrder,
  columns: (dimension: string) => Int32Array,
  masks: ReadonlyMap<string, Uint8Array>,
  rows: number,
): Narrowing | undefined {
  const { dimensions } = order;
  let depth = dimensions.length;
  while (depth > 0 && !masks.has(dimensions[depth - 1]!)) depth--;
  if (depth === 0) return undefined;
  const { searches, kept } = searchEstimate(order, masks, depth);
  let budget = 64 + ((rows * (1 - kept)) >> 3);
  if (searches > budget) return undefined;
  budget *= 2;
  const keys = dimensions.slice(0, depth).map((dimension) => {
    const mask = masks.get(dimension);
    return { codes: columns(dimension), mask, runs: mask === undefined ? undefined : keptRuns(mask) };
  });

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
        const next = runs.nextKept[code]!;
        if (next === mask!.length) return;
        start = lowerBound(codes, start, high, next);
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
  const settled = truncated ? NOTHING_SETTLED : new Set(keys.flatMap((key, level) => (key.mask === undefined ? [] : [dimensions[level]!])));
  return { ranges: Int32Array.from(out), settled };
}

/**
 * Searches narrowing down to `depth` would take, if members were spread evenly: each run
 * reached at a level visits its children, or at a masked level about two per block of
 * consecutive kept codes (one to skip the gap, one for the block). `kept`: the share of
 * rows the masks keep.
 */
function searchEstimate(order: SortOrder, masks: ReadonlyMap<string, Uint8Array>, depth: number): { searches: number; kept: number } {
  let searches = 0;
  let reached = 1;
  let kept = 1;
  for (let level = 0; level < depth; level++) {
    const children = order.runs[level]! / (level === 0 ? 1 : order.runs[level - 1]!);
    const mask = masks.get(order.dimensions[level]!);
    if (mask === undefined) {
      searches += reached * children;
      reached *= children;
      continue;
    }
    let members = 0;
    let blocks = 0;
    for (let code = 0; code < mask.length; code++) {
      members += mask[code]!;
      if (mask[code] !== 0 && (code === 0 || mask[code - 1] === 0)) blocks++;
    }
    const share = mask.length === 0 ? 0 : members / mask.length;
    searches += reached * Math.min(children, 2 * blocks);
    reached *= children * share;
    kept *= share;
  }
  return { searches, kept };
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
