import type { LevelIndex } from './levelIndex.ts';
import type { ResolvedOrder } from './resolveQuery.ts';
import { OTHERS_CODE, type RowTable } from './rowTable.ts';

/**
 * Row order: the query's order entries, then every grouped level in its natural order
 * (codes) as the tie-break. The NULL member, the "Others" row and null measures come
 * last whichever the direction, as in SQL's default NULLS LAST.
 */
export function orderRows(order: readonly ResolvedOrder[], levels: readonly LevelIndex[], table: RowTable): Int32Array {
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

  const permutation = Int32Array.from({ length: table.size }, (_, row) => row);
  return permutation.sort((a, b) => {
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
  });
}
