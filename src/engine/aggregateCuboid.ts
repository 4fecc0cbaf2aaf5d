import type { CuboidData } from '../model/data.ts';
import type { PartialSpec } from '../model/partials.ts';
import type { Filter } from '../model/query.ts';
import { foldCells, type CellSet } from './cells.ts';
import { compileFilters, conjuncts, rowFilter, type Conjunction, type FilterNode } from './filterProgram.ts';
import { groupRows } from './groupRows.ts';
import type { LoadedCube } from './loadedCube.ts';
import type { ResolvedQuery } from './resolveQuery.ts';
import { intersectRanges, rowsIn } from './rowRanges.ts';
import { rowScratch } from './scratch.ts';
import { narrowBySort, sortOrder, type Narrowing, type SortOrder } from './sortedRanges.ts';
import { keptRanges } from './zoneMaps.ts';

/**
 * The aggregation core: a covering cuboid → the query's cells, and how many of its rows
 * were scanned. Zone maps skip blocks of rows no filter can keep, filter masks reject
 * rows, codes roll up through the composed child→parent maps into group keys, and the
 * fold kernels merge each row's partials into its cell.
 */
export function aggregateCuboid(
  cube: LoadedCube,
  resolved: ResolvedQuery,
  cuboid: CuboidData,
  specs: readonly PartialSpec[],
  filters: readonly Filter[] = resolved.query.filters,
): { cells: CellSet; rowsScanned: number } {
  const levelOf = (dimension: { name: string }) => {
    const level = cuboid.levels[dimension.name];
    if (level === undefined) throw new Error(`cuboid ${cuboid.name} does not group ${dimension.name}`);
    return level;
  };
  const keys = resolved.groups.map(({ dimension, index }) => ({
    codes: cuboid.codes[dimension.name]!,
    map: cube.rollup(dimension, levelOf(dimension), index.level.name),
    cardinality: index.size,
  }));
  const columns = (name: string) => cuboid.codes[name]!;
  const program = compileFilters(cube, filters, levelOf);
  const conjunction = conjuncts(program);
  const { ranges, settled } = rowsToScan(program, conjunction, columns, cuboid, sortOrder(cuboid));
  const partials = { values: cuboid.partials, registers: cuboid.registers };
  // The row groups live only until folded, so they go in the shared scratch buffer.
  const grouping = groupRows(keys, cuboid.rows, rowFilter(conjunction, columns, settled), rowScratch(cuboid.rows), ranges);
  return { cells: foldCells(specs, partials, grouping), rowsScanned: rowsIn(ranges) };
}

/**
 * Narrowing by sort order finds the rows the leading keys' masks keep; zone maps prune
 * by what is left (masks on later keys, filters spanning dimensions) unless nothing is.
 */
function rowsToScan(
  program: FilterNode,
  { masks, spanning }: Conjunction,
  columns: (dimension: string) => Int32Array,
  cuboid: CuboidData,
  order: SortOrder,
): Narrowing {
  const narrowed = narrowBySort(order, columns, masks, cuboid.rows);
  if (narrowed === undefined) return { ranges: keptRanges(program, columns, cuboid.rows), settled: new Set() };
  if (narrowed.settled.size === masks.size && spanning.length === 0) return narrowed;
  return { ranges: intersectRanges(narrowed.ranges, keptRanges(program, columns, cuboid.rows)), settled: narrowed.settled };
}
