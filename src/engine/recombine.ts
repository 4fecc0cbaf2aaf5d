import type { PartialSpec } from '../model/partials.ts';
import { foldCells, type CellSet } from './cells.ts';
import type { ShareContext } from './finishMeasures.ts';
import { groupRows, type GroupKey } from './groupRows.ts';
import type { LoadedCube } from './loadedCube.ts';
import type { ResolvedQuery } from './resolveQuery.ts';

/**
 * Cells above the query's grain, folded from the query's cells (never from finished
 * values): the grand total, and each cell's parent (the last grouped dimension rolled
 * up one level, or to all from its top level).
 */
export function recombine(
  cube: LoadedCube,
  resolved: ResolvedQuery,
  specs: readonly PartialSpec[],
  cells: CellSet,
): ShareContext {
  const total = resolved.needsTotal ? foldCells(specs, cells, groupRows([], cells.size)) : undefined;
  if (resolved.parentLevel === undefined) return { total, parent: undefined };

  const keys: GroupKey[] = resolved.groups.map((group, position) => ({
    codes: cells.codes[position]!,
    map: null,
    cardinality: group.index.size,
  }));
  const last = resolved.groups.at(-1);
  if (last !== undefined) {
    const parentLevel = resolved.parentLevel;
    keys.pop();
    if (parentLevel !== null) {
      keys.push({
        codes: cells.codes[resolved.groups.length - 1]!,
        map: cube.rollup(last.dimension, last.index.level.name, parentLevel.level.name),
        cardinality: parentLevel.size,
      });
    }
  }
  const grouping = groupRows(keys, cells.size);
  return { total, parent: { cells: foldCells(specs, cells, grouping), index: grouping.groupOf } };
}
