import type { LevelIndex } from './levelIndex.ts';
import type { ResolvedOrder } from './resolveQuery.ts';
import { OTHERS_CODE, type RowTable } from './rowTable.ts';

/**
 * Row order: the query's order entries, then every grouped level in its natural order
 * (codes) as the tie-break. The NULL member, the "Others" row and null measures come
 * last whichever the direction, as in SQL's default NULLS LAST.
 */
export function orderRows(
  order: readonly ResolvedOrder[],
  levels: readonly LevelIndex[],
  table: RowTable,
  wanted: number = table.size,
): Int32Array {
  // Per grouped level: members rank 0…k-1 in natural order, then NULL (k), then Others (k+1).
  // Plain loops: TypedArray.from with a map function takes V8's slow generic path, and
  // this runs for every row of every uncached query.
  const ranks = levels.map((index, group) => {
    const codes = table.codes[group]!;
    const rank = new Int32Array(codes.length);
    for (let row = 0; row < codes.length; row++) {
      const code = codes[row]!;
      rank[row] = code === OTHERS_CODE ? index.size + 1 : index.rank[code]!;
    }
    return rank;
  });
  // The NULL member ranks after every real member, so they number size − 1 with it.
  const realMembers = levels.map((index) => (index.codeOf(null) === undefined ? index.size : index.size - 1));

  const compareLevel = (group: number, desc: boolean, a: number, b: number): number => {
    const rank = ranks[group]!;
    const x = rank[a]!;
    const y = rank[b]!;
    const real = realMembers[group]!;
    return desc && x < real && y < real ? y - x : x - y;
  };
  const compareMeasure = (column: number, desc: boolean, a: number, b: number): number => {
    const values = table.columns[column]!;
    const x = values[a]!;
    const y = values[b]!;
    if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
    const difference = x < y ? -1 : x > y ? 1 : 0;
    return desc ? -difference : difference;
  };

  const compare = (a: number, b: number): number => {
    for (const entry of order) {
      const difference =
        entry.kind === 'measure'
          ? compareMeasure(entry.column, entry.desc, a, b)
          : compareLevel(entry.group, entry.desc, a, b);
      if (difference !== 0) return difference;
    }
    for (let group = 0; group < levels.length; group++) {
      const difference = compareLevel(group, false, a, b);
      if (difference !== 0) return difference;
    }
    return a - b;
  };
  // A page from the top (top 20 of a thousand managers) needs only its first rows in order.
  if (wanted * 8 < table.size) return firstInOrder(table.size, wanted, compare);
  const rows = new Int32Array(table.size);
  for (let row = 0; row < rows.length; row++) rows[row] = row;
  return rows.sort(compare);
}

/** The `wanted` first rows under `compare`, by insertion into a sorted prefix: O(rows · log wanted) comparisons. */
function firstInOrder(size: number, wanted: number, compare: (a: number, b: number) => number): Int32Array {
  const best = new Int32Array(wanted);
  let kept = 0;
  for (let row = 0; row < size; row++) {
    if (kept === wanted && compare(row, best[kept - 1]!) >= 0) continue;
    let low = 0;
    let high = kept;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(row, best[middle]!) < 0) high = middle;
      else low = middle + 1;
    }
    best.copyWithin(low + 1, low, kept === wanted ? kept - 1 : kept);
    best[low] = row;
    if (kept < wanted) kept++;
  }
  return best.subarray(0, kept);
}
