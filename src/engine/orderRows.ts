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
  const ranks = levels.map((index, group) => {
    const codes = table.codes[group]!;
    return Int32Array.from(codes, (code) => (code === OTHERS_CODE ? index.size + 1 : index.rank[code]!));
  });
  const realMembers = levels.map((index) => index.members.filter((member) => member !== null).length);

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
  return wanted * 8 < table.size ? firstInOrder(table.size, wanted, compare) : Int32Array.from({ length: table.size }, (_, row) => row).sort(compare);
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
