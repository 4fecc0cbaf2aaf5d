import type { CuboidData } from '../model/data.ts';
import type { PartialSpec } from '../model/partials.ts';
import type { Filter } from '../model/query.ts';
import { foldCells, type CellSet } from './cells.ts';
import { compileFilters, rowFilter } from './filterProgram.ts';
import { groupRows } from './groupRows.ts';
import type { LoadedCube } from './loadedCube.ts';
import type { ResolvedQuery } from './resolveQuery.ts';
import { rowsIn } from './rowRanges.ts';
import { rowScratch } from './scratch.ts';
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
  const ranges = keptRanges(program, columns, cuboid.rows);
  const partials = { values: cuboid.partials, registers: cuboid.registers };
  // The row groups live only until folded, so they go in the shared scratch buffer.
  const grouping = groupRows(keys, cuboid.rows, rowFilter(program, columns), rowScratch(cuboid.rows), ranges);
  return { cells: foldCells(specs, partials, grouping), rowsScanned: rowsIn(ranges) };
}
