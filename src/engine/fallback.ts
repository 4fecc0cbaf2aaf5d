import type { DuckDBResultReader } from '@duckdb/node-api';
import { CubeError } from '../errors.ts';
import type { CuboidData } from '../model/data.ts';
import { partialColumn, partialsOf, type PartialSpec } from '../model/partials.ts';
import type { MeasureModel } from '../model/types.ts';
import { aggregateCuboid } from './aggregateCuboid.ts';
import type { CellSet } from './cells.ts';
import { cellsStatement, distinctStatement, grainId } from './fallbackSql.ts';
import type { LevelIndex } from './levelIndex.ts';
import type { LoadedCube } from './loadedCube.ts';
import { recombine } from './recombine.ts';
import type { ResolvedQuery } from './resolveQuery.ts';
import type { Answer } from './shapeResult.ts';
import type { SourceDatabase } from './sourceDatabase.ts';

/**
 * The fallback: answers a query no cuboid covers from the raw source in DuckDB. The
 * source computes a "virtual cuboid" (foldable partials at the query's levels, plus the
 * finest level of each semi-additive measure's dimension so "latest period" folds as
 * in a cuboid) and the shared aggregation core finishes the job; exact distinct counts,
 * which cannot fold, come from one GROUPING SETS statement at every grain the answer
 * needs (the query's, the grand total's, the parents'). Approximate distinct counts are
 * answered exactly here.
 *
 * Two steps: `readSource` awaits DuckDB, then `answerFromSource` folds what it read. The
 * engine shapes the answer in the same synchronous run as the second, as the cells live
 * in scratch memory (scratch.ts).
 */
export interface SourceRead {
  specs: PartialSpec[];
  foldable: PartialSpec[];
  distinct: MeasureModel[];
  cuboidLevels: Map<string, LevelIndex>;
  distinctKeys: LevelIndex[];
  grains: DistinctGrain[];
  cellRows: DuckDBResultReader;
  distinctRows: DuckDBResultReader | undefined;
  rowsScanned: number;
}

export async function readSource(cube: LoadedCube, resolved: ResolvedQuery, database: SourceDatabase): Promise<SourceRead> {
  const specs = sourcePartials(resolved.base);
  const foldable = specs.filter((spec) => spec.fold !== 'none');
  const distinct = resolved.base.filter(
    (measure) => measure.agg === 'count_distinct' || measure.agg === 'count_distinct_approx',
  );
  const filters = resolved.query.filters;

  const cuboidLevels = virtualLevels(cube, resolved);
  const cellKeys = [...cuboidLevels.values()];
  const statements = [cellsStatement(cube, cellKeys, foldable.filter((spec) => spec.role !== 'period'), filters)];
  const distinctKeys = resolved.groups.map((group) => group.index);
  if (resolved.parentLevel) distinctKeys.push(resolved.parentLevel);
  const grains = distinctGrains(resolved);
  if (distinct.length > 0) statements.push(distinctStatement(cube, distinctKeys, grains.map((grain) => grain.positions), distinct, filters));

  // Both join the database's queue now, before a version swap could queue its close.
  const [[cellRows, distinctRows], rowsScanned] = await Promise.all([database.run(statements), database.rowCount()]);
  return { specs, foldable, distinct, cuboidLevels, distinctKeys, grains, cellRows: cellRows!, distinctRows, rowsScanned };
}

export function answerFromSource(cube: LoadedCube, resolved: ResolvedQuery, read: SourceRead): { answer: Answer; rowsScanned: number } {
  const { specs, foldable, distinct, cuboidLevels, distinctKeys, grains, cellRows, distinctRows, rowsScanned } = read;
  const periodDimension = (measure: string) => cube.measure(measure)!.semiAdditive!.dimension;
  const cuboid = virtualCuboid(cellRows, cuboidLevels, foldable, periodDimension);
  const { cells } = aggregateCuboid(cube, resolved, cuboid, foldable, []);
  const context = recombine(cube, resolved, foldable, cells);
  if (distinctRows !== undefined) {
    const targets = grains.map(({ positions, of }) => ({ positions, cells: of(cells, context) }));
    overlayDistinct(distinctRows, distinctKeys, targets, distinct);
  }
  return { answer: { cells, specs, ...context }, rowsScanned };
}

/** The cube's partials, except that approximate distinct counts become exact ones. */
function sourcePartials(measures: readonly MeasureModel[]): PartialSpec[] {
  return measures.flatMap((measure) =>
    partialsOf(measure).map((spec) =>
      spec.role === 'hll' ? { ...spec, role: 'distinct' as const, column: partialColumn(measure.name, 'distinct'), fold: 'none' as const } : spec,
    ),
  );
}

/** dimension → level of the virtual cuboid: the grouped levels, semi-additive dimensions at their finest. */
function virtualLevels(cube: LoadedCube, resolved: ResolvedQuery): Map<string, LevelIndex> {
  const levels = new Map(resolved.groups.map((group) => [group.dimension.name, group.index]));
  for (const measure of resolved.base) {
    if (measure.semiAdditive === undefined) continue;
    const dimension = cube.dimension(measure.semiAdditive.dimension)!;
    levels.set(dimension.name, cube.level(dimension, dimension.finest));
  }
  return levels;
}

function virtualCuboid(
  reader: DuckDBResultReader,
  levels: Map<string, LevelIndex>,
  specs: readonly PartialSpec[],
  periodDimension: (measure: string) => string,
): CuboidData {
  const columns = columnsOf(reader);
  const rows = reader.currentRowCount;
  const codes: Record<string, Int32Array> = {};
  [...levels].forEach(([dimension, index], position) => {
    codes[dimension] = Int32Array.from(columns[position]!, (member) => codeOf(index, member as string | null));
  });
  const partials: Record<string, Float64Array> = {};
  let position = levels.size;
  for (const spec of specs) {
    if (spec.role === 'period') continue;
    partials[spec.column] = Float64Array.from(columns[position++]!, (value) => (value === null ? NaN : Number(value)));
  }
  for (const spec of specs) {
    // A row of the virtual cuboid holds one member of the finest level: that is its period.
    if (spec.role === 'period') partials[spec.column] = Float64Array.from(codes[periodDimension(spec.measure)]!);
  }
  return {
    name: 'source',
    levels: Object.fromEntries([...levels].map(([dimension, index]) => [dimension, index.level.name])),
    rows,
    codes,
    partials,
    registers: {},
    // Rows come as DuckDB groups them: no order to narrow by.
    sortedBy: [],
  };
}

/** Result columns as JS values; a result of no rows has an empty array per column. */
function columnsOf(reader: DuckDBResultReader): unknown[][] {
  const columns = reader.getColumnsJS();
  return Array.from({ length: reader.columnCount }, (_, index) => columns[index] ?? []);
}

function codeOf(index: LevelIndex, member: string | null): number {
  const code = index.codeOf(member);
  if (code === undefined) {
    throw new CubeError('CUBE_CORRUPT', `the source has member "${member}" of ${index.key}, which this cube version does not know`, {
      hint: 'the source changed since the cube was built: rebuild it',
    });
  }
  return code;
}

interface DistinctGrain {
  /** Positions in the distinct statement's keys. */
  positions: number[];
  /** The cell set this grain's counts belong to. */
  of: (cells: CellSet, context: Pick<Answer, 'total' | 'parent'>) => CellSet;
}

function distinctGrains(resolved: ResolvedQuery): DistinctGrain[] {
  const groupPositions = resolved.groups.map((_, position) => position);
  const grains: DistinctGrain[] = [{ positions: groupPositions, of: (cells) => cells }];
  if (resolved.needsTotal) grains.push({ positions: [], of: (_, context) => context.total! });
  if (resolved.parentLevel !== undefined) {
    const positions = groupPositions.slice(0, -1);
    if (resolved.parentLevel !== null) positions.push(groupPositions.length);
    grains.push({ positions, of: (_, context) => context.parent!.cells });
  }
  return grains;
}

/** Writes each distinct count into the `distinct` partial of the cell it belongs to. */
function overlayDistinct(
  reader: DuckDBResultReader,
  keys: readonly LevelIndex[],
  targets: ReadonlyArray<{ positions: number[]; cells: CellSet }>,
  measures: readonly MeasureModel[],
): void {
  const columns = columnsOf(reader);
  const grainColumn = columns[keys.length]!;
  const byGrain = new Map<number, Array<{ positions: number[]; cells: CellSet; cellOf: Map<string, number> }>>();
  for (const target of targets) {
    const id = grainId(keys.length, target.positions);
    const cellOf = new Map<string, number>();
    for (let cell = 0; cell < target.cells.size; cell++) cellOf.set(target.cells.codes.map((codes) => codes[cell]).join(','), cell);
    for (const measure of measures) target.cells.values[partialColumn(measure.name, 'distinct')] = new Float64Array(target.cells.size);
    byGrain.set(id, [...(byGrain.get(id) ?? []), { ...target, cellOf }]);
  }
  for (let row = 0; row < reader.currentRowCount; row++) {
    for (const target of byGrain.get(Number(grainColumn[row])) ?? []) {
      const key = target.positions.map((position) => codeOf(keys[position]!, columns[position]![row] as string | null)).join(',');
      const cell = target.cellOf.get(key);
      if (cell === undefined) continue;
      measures.forEach((measure, index) => {
        target.cells.values[partialColumn(measure.name, 'distinct')]![cell] = Number(columns[keys.length + 1 + index]![row]);
      });
    }
  }
}
