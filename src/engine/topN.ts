import type { PartialSpec } from '../model/partials.ts';
import { foldCells, type CellSet } from './cells.ts';
import { groupRows } from './groupRows.ts';
import type { GroupedLevel, ResolvedTopN } from './resolveQuery.ts';
import { OTHERS_CODE } from './rowTable.ts';

export interface TopNSplit {
  /** Cells among the top n of their group, in no particular order. */
  top: Int32Array;
  /** One cell per group that has more than n members: the rest, folded from partials. */
  others: CellSet | undefined;
}

/**
 * Top n members of the ranked dimension within each combination of the other grouped
 * levels, by a finished measure (nulls rank last; ties go to the member first in natural
 * order). The rest of each combination folds into one "Others" cell from the cells'
 * partials, so its measures are exact (except exact distinct counts, which cannot fold).
 */
export function splitTopN(
  topN: ResolvedTopN,
  groups: readonly GroupedLevel[],
  specs: readonly PartialSpec[],
  cells: CellSet,
  kept: Int32Array,
  columns: readonly Float64Array[],
): TopNSplit {
  const isKept = new Uint8Array(cells.size);
  kept.forEach((cell) => (isKept[cell] = 1));
  const otherPositions = groups.map((_, position) => position).filter((position) => position !== topN.group);
  const combination = groupRows(
    otherPositions.map((position) => ({ codes: cells.codes[position]!, map: null, cardinality: groups[position]!.index.size })),
    cells.size,
    { masks: [{ codes: identity(cells.size), mask: isKept }] },
  );
  const { groupOf } = combination;
  const values = columns[topN.column]!;
  const members = cells.codes[topN.group]!;
  const rank = groups[topN.group]!.index.rank;
  const ranked = Int32Array.from(kept).sort((a, b) => {
    if (groupOf[a] !== groupOf[b]) return groupOf[a]! - groupOf[b]!;
    const x = values[a]!;
    const y = values[b]!;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
    if (x !== y && !Number.isNaN(x)) return (x < y ? -1 : 1) * (topN.desc ? -1 : 1);
    return rank[members[a]!]! - rank[members[b]!]!;
  });

  const taken = new Int32Array(combination.size);
  const top: number[] = [];
  const rest = new Int32Array(cells.size).fill(-1);
  let hasRest = false;
  for (const cell of ranked) {
    const group = groupOf[cell]!;
    if (taken[group]! < topN.n) {
      taken[group]!++;
      top.push(cell);
    } else {
      rest[cell] = group;
      hasRest = true;
    }
  }
  if (!topN.others || !hasRest) return { top: Int32Array.from(top), others: undefined };
  return { top: Int32Array.from(top), others: foldRest(topN, groups.length, otherPositions, specs, cells, rest, combination.codes) };
}

/** Folds the cells marked with their combination in `rest` into one cell per combination that has any. */
function foldRest(
  topN: ResolvedTopN,
  width: number,
  otherPositions: readonly number[],
  specs: readonly PartialSpec[],
  cells: CellSet,
  rest: Int32Array,
  combinationCodes: readonly Int32Array[],
): CellSet {
  const cellOfCombination = new Map<number, number>();
  const groupOf = rest.map((combination) => {
    if (combination < 0) return -1;
    let cell = cellOfCombination.get(combination);
    if (cell === undefined) {
      cell = cellOfCombination.size;
      cellOfCombination.set(combination, cell);
    }
    return cell;
  });
  const size = cellOfCombination.size;
  const combinations = [...cellOfCombination.keys()];
  const codes = Array.from({ length: width }, (_, position) => {
    if (position === topN.group) return new Int32Array(size).fill(OTHERS_CODE);
    const source = combinationCodes[otherPositions.indexOf(position)]!;
    return Int32Array.from(combinations, (combination) => source[combination]!);
  });
  return foldCells(specs, cells, { groupOf, size, codes });
}

function identity(size: number): Int32Array {
  return Int32Array.from({ length: size }, (_, index) => index);
}
