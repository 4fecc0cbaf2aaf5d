import type { LevelIndex } from './levelIndex.ts';
import type { ResolvedOrder } from './resolveQuery.ts';
import { OTHERS_CODE, type RowTable } from './rowTable.ts';
import { scratchFloat64, scratchInt32 } from './scratch.ts';

/**
 * Row order: the query's order entries, then every grouped level in its natural order
 * (codes) as the tie-break. The NULL member, the "Others" row and null measures come
 * last whichever the direction, as in SQL's default NULLS LAST.
 *
 * Each entry becomes a column of ascending sort keys first, so comparing two rows reads
 * numbers instead of looking up ranks and directions; runs of level keys are packed
 * into one integer, and when the whole order is one integer the rows are sorted by the
 * built-in numeric sort with no comparison callback at all.
 */
export function orderRows(
  order: readonly ResolvedOrder[],
  levels: readonly LevelIndex[],
  table: RowTable,
  wanted: number = table.size,
): Int32Array {
  const { size } = table;
  const keys = sortKeys(order, levels, table);
  // A page from the top (top 20 of a thousand managers) needs only its first rows in order.
  if (wanted * 8 < size) return firstInOrder(size, wanted, packed(keys, size));
  // Sorting everything anyway, measures are worth replacing by their ranks: then keys pack.
  const ranked = packed(keys.map((key) => (key.radix === undefined ? rankKey(key.values, size) : key)), size);
  const all = scratchInt32(size);
  if (ranked.length === 1 && ranked[0]!.radix! * size < EXACT) return sortPacked(ranked[0]!.values, all);
  for (let row = 0; row < size; row++) all[row] = row;
  const columns = ranked.map((key) => key.values);
  return all.sort((a, b) => compareRows(columns, a, b));
}

/** Sort keys of one or more order entries: ascending, NaN last; `radix` bounds integer keys (absent for measures). */
interface SortKey {
  values: Float64Array;
  radix?: number;
}

/** Largest integer a double holds exactly, plus one. */
const EXACT = 2 ** 53;

/** One key per order entry, then per grouped level the order does not name (a level the order names cannot break its own ties). */
function sortKeys(order: readonly ResolvedOrder[], levels: readonly LevelIndex[], table: RowTable): SortKey[] {
  const ordered = new Set(order.flatMap((entry) => (entry.kind === 'level' ? [entry.group] : [])));
  const entries: ResolvedOrder[] = [
    ...order,
    ...levels.flatMap((_, group): ResolvedOrder[] => (ordered.has(group) ? [] : [{ kind: 'level', group, desc: false }])),
  ];
  return entries.map((entry): SortKey => {
    if (entry.kind === 'measure') return { values: measureKeys(table.columns[entry.column]!, entry.desc, table.size) };
    const index = levels[entry.group]!;
    return { values: levelKeys(index, table.codes[entry.group]!, entry.desc, table.size), radix: index.size + 2 };
  });
}

/** Runs of integer keys merged into one (mixed radix) while the row number still fits below them. */
function packed(keys: readonly SortKey[], size: number): SortKey[] {
  const out: SortKey[] = [];
  for (const key of keys) {
    const previous = out.at(-1);
    if (previous?.radix === undefined || key.radix === undefined || previous.radix * key.radix * size >= EXACT) {
      out.push(key.radix === undefined ? key : { values: key.values, radix: key.radix });
      continue;
    }
    const { values } = previous;
    for (let row = 0; row < size; row++) values[row] = values[row]! * key.radix + key.values[row]!;
    previous.radix *= key.radix;
  }
  return out;
}

/** A measure key as the rank of its value among the rows' values (NaN after every number). */
function rankKey(values: Float64Array, size: number): SortKey {
  const sorted = scratchFloat64(size);
  sorted.set(values.subarray(0, size));
  sorted.sort();
  const ranks = scratchFloat64(size);
  for (let row = 0; row < size; row++) {
    const value = values[row]!;
    let low = 0;
    let high = size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! < value) low = middle + 1;
      else high = middle;
    }
    // A number ranks by how many numbers are smaller; NaN, after every number.
    ranks[row] = value === value ? low : size;
  }
  return { values: ranks, radix: size + 1 };
}

function measureKeys(column: Float64Array, desc: boolean, size: number): Float64Array {
  const values = scratchFloat64(size);
  for (let row = 0; row < size; row++) values[row] = desc ? -column[row]! : column[row]!;
  return values;
}

/** Members rank 0…k-1 in natural order (reversed when descending), then NULL (k), then Others (k+1). */
function levelKeys(index: LevelIndex, codes: Int32Array, desc: boolean, size: number): Float64Array {
  const values = scratchFloat64(size);
  const { rank } = index;
  const real = index.codeOf(null) === undefined ? index.size : index.size - 1;
  for (let row = 0; row < size; row++) {
    const code = codes[row]!;
    const key = code === OTHERS_CODE ? index.size + 1 : rank[code]!;
    values[row] = desc && key < real ? real - 1 - key : key;
  }
  return values;
}

/** Rows in the order of one integer key, ties by row: key·size + row sorts as a plain number. */
function sortPacked(keys: Float64Array, out: Int32Array): Int32Array {
  const size = out.length;
  const packed = scratchFloat64(size);
  for (let row = 0; row < size; row++) packed[row] = keys[row]! * size + row;
  packed.sort();
  for (let position = 0; position < size; position++) out[position] = packed[position]! % size;
  return out;
}

function compareRows(columns: readonly Float64Array[], a: number, b: number): number {
  for (let k = 0; k < columns.length; k++) {
    const x = columns[k]![a]!;
    const y = columns[k]![b]!;
    if (x < y) return -1;
    if (x > y) return 1;
    // Neither is smaller: equal, or NaN on one side (last) or both (equal).
    if (x !== y && (x === x) !== (y === y)) return x === x ? -1 : 1;
  }
  return a - b;
}

/** The `wanted` first rows in order, by insertion into a sorted prefix: O(rows · log wanted) comparisons. */
function firstInOrder(size: number, wanted: number, keys: readonly SortKey[]): Int32Array {
  const columns = keys.map((key) => key.values);
  const best = scratchInt32(wanted);
  if (wanted === 0) return best;
  let kept = 0;
  for (let row = 0; row < size; row++) {
    if (kept === wanted && compareRows(columns, row, best[kept - 1]!) >= 0) continue;
    let low = 0;
    let high = kept;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareRows(columns, row, best[middle]!) < 0) high = middle;
      else low = middle + 1;
    }
    if (kept < wanted) kept++;
    // A plain loop: copyWithin's call costs more than moving a page's few entries.
    for (let position = kept - 1; position > low; position--) best[position] = best[position - 1]!;
    best[low] = row;
  }
  return best.subarray(0, kept);
}
