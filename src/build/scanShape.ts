import { CubeError } from '../errors.ts';
import { cubePartials, type PartialSpec } from '../model/partials.ts';
import { levelKey, type CubeModel, type DimensionModel } from '../model/types.ts';
import type { PlannedCuboid } from '../plan/types.ts';
import { groupingId, groupingSets, type GroupingSets } from './groupingSets.ts';
import type { ScanColumns } from './scanColumns.ts';
import { sortWords, type SortWord } from './sortWords.ts';

/**
 * What the cuboid scan's first stage produces, and which of its rows each cuboid
 * reads. Levels are grouped by their codes (see scanDimensions). One grouping set per
 * cuboid (its "cells set"), extended by
 * - the semi-additive period (the finest level of its dimension) when the cube has
 *   semi-additive measures, so each cell keeps one value per period for stage 2;
 * - one "value set" (cuboid ∪ {value}) per HLL partial the cuboid holds. Its rows are
 *   the cell's distinct values.
 * Exact distinct counts come from a second GROUPING SETS statement (`distinct`) over
 * only the cuboids that hold them (see heldPartials), as DuckDB's own count(DISTINCT …):
 * in the main scan an aggregate is computed in every grouping set, and value sets
 * would materialise every (cell, value) pair — both grow with the fact table. The
 * second read of the source costs less than either.
 *
 * Stage 1 stores each row's codes packed into its set's sort words (see sortWords),
 * not as one mostly-NULL column per level: on SSB 6 columns instead of 19, written
 * about 0.3 s faster.
 */
export interface ScanShape {
  model: CubeModel;
  columns: ScanColumns;
  partials: PartialSpec[];
  /** Code column of the semi-additive period (the finest level of its dimension), if the cube has one. */
  period: { column: string } | undefined;
  grouping: GroupingSets;
  /** Stage-1 aggregate SQL → its column, shared by partials that aggregate alike. */
  aggregates: Map<string, string>;
  /** Absent when no cuboid holds an exact distinct count. */
  distinct: DistinctScan | undefined;
  /** Cuboid name → its sort keys packed into words. */
  words: Map<string, SortWord[]>;
  /** The words the stage-1 rows of each grouping set (by gid) are stored under. */
  setWords: Map<string, SortWord[]>;
  /** Grouping keys stage 1 stores as they are beside the words: the period, and the values of HLL sets. */
  carried: string[];
}

/** The exact distinct counts' statement: one grouping set per cuboid holding any, one count per distinct partial. */
export interface DistinctScan {
  grouping: GroupingSets;
  /** Partial column → its count column. */
  counts: Map<string, string>;
  /** The words the rows of each of its grouping sets (by gid) are stored under: the cuboid's own. */
  setWords: Map<string, SortWord[]>;
}

/** What the row-set helpers below need: the shape before its grouping is known. */
type ShapeBase = Pick<ScanShape, 'model' | 'columns' | 'period'>;

/** `cardinality`: levelKey → members, as planned with. */
export function scanShape(model: CubeModel, columns: ScanColumns, cuboids: readonly PlannedCuboid[], cardinality: Readonly<Record<string, number>>): ScanShape {
  const base: ShapeBase = { model, columns, period: periodOf(model, columns) };
  const partials = cubePartials(model.measures);
  const words = new Map(cuboids.map((cuboid) => [cuboid.name, wordsOf(base, cuboid, cardinality)]));
  const readers = cuboids.flatMap((cuboid) =>
    [cellsSet(base, cuboid), ...heldBy(partials, cuboid, 'hll').map((partial) => valueSet(base, cuboid, partial))].map((set) => ({ set, cuboid })),
  );
  const grouping = groupingSets(readers.map(({ set }) => set));
  // The set a cuboid folds over the period is also the set of a cuboid grouping by the
  // period, if there is one: stored under that one's words, which hold every code of the set.
  const setWords = new Map<string, SortWord[]>();
  for (const { set, cuboid } of [...readers].sort((a, b) => keysOf(base, b.cuboid).length - keysOf(base, a.cuboid).length)) {
    const gid = groupingId(grouping, set);
    if (!setWords.has(gid)) setWords.set(gid, words.get(cuboid.name)!);
  }
  const codes = new Set(columns.code.values());
  const carried = unique([...(base.period ? [base.period.column] : []), ...grouping.keys.filter((key) => !codes.has(key))]);
  const aggregates = new Map<string, string>();
  for (const partial of partials) {
    const sql = stageAggregate(base, partial);
    if (sql !== undefined && !aggregates.has(sql)) aggregates.set(sql, `a${aggregates.size}`);
  }
  return { ...base, partials, grouping, aggregates, distinct: distinctScan(base, partials, cuboids, words), words, setWords, carried };
}

function distinctScan(base: ShapeBase, partials: PartialSpec[], cuboids: readonly PlannedCuboid[], words: Map<string, SortWord[]>): DistinctScan | undefined {
  const holding = cuboids.filter((cuboid) => heldBy(partials, cuboid, 'distinct').length > 0);
  if (holding.length === 0) return undefined;
  const distinct = partials.filter((partial) => partial.role === 'distinct');
  const grouping = groupingSets(holding.map((cuboid) => keysOf(base, cuboid)));
  return {
    grouping,
    counts: new Map(distinct.map((partial, index) => [partial.column, `d${index}`])),
    setWords: new Map(holding.map((cuboid) => [groupingId(grouping, keysOf(base, cuboid)), words.get(cuboid.name)!])),
  };
}

function wordsOf(base: ShapeBase, cuboid: PlannedCuboid, cardinality: Readonly<Record<string, number>>): SortWord[] {
  return sortWords(
    cuboid.sortedBy.map((dimension) => {
      const key = levelKey(dimension, cuboid.levels[dimension]!);
      return { dimension, column: base.columns.code.get(key)!, members: cardinality[key]! };
    }),
  );
}

/** The partials of `role` a cuboid stores. */
export function heldBy(partials: readonly PartialSpec[], cuboid: PlannedCuboid, role: PartialSpec['role']): PartialSpec[] {
  return partials.filter((partial) => partial.role === role && cuboid.partials.includes(partial.column));
}

function groupedDimensions(model: CubeModel, cuboid: PlannedCuboid): DimensionModel[] {
  return model.dimensions.filter((dimension) => cuboid.levels[dimension.name] !== undefined);
}

/** The cuboid's own grouping keys: the code column of each grouped level, in model dimension order. */
export function keysOf(shape: ShapeBase, cuboid: PlannedCuboid): string[] {
  return groupedDimensions(shape.model, cuboid).map((dimension) => shape.columns.code.get(levelKey(dimension.name, cuboid.levels[dimension.name]!))!);
}

export function cellsSet(shape: ShapeBase, cuboid: PlannedCuboid): string[] {
  return unique([...keysOf(shape, cuboid), ...(shape.period ? [shape.period.column] : [])]);
}

export function valueSet(shape: ShapeBase, cuboid: PlannedCuboid, partial: PartialSpec): string[] {
  return unique([...keysOf(shape, cuboid), valueColumn(shape, partial)]);
}

export function valueColumn(shape: ShapeBase, partial: PartialSpec): string {
  return shape.columns.value.get(partial.measure)!;
}

/** The stage-1 aggregate a partial is folded from in stage 2; undefined when it comes from a value set or the distinct scan. */
export function stageAggregate(shape: ShapeBase, partial: PartialSpec): string | undefined {
  const value = () => valueColumn(shape, partial);
  switch (partial.role) {
    case 'sum':
    case 'last':
      return `sum(${value()})`;
    case 'count':
      return shape.columns.value.has(partial.measure) ? `count(${value()})` : 'count(*)';
    case 'min':
      return `min(${value()})`;
    case 'max':
      return `max(${value()})`;
    case 'distinct':
    case 'period':
    case 'hll':
      return undefined;
  }
}

function periodOf(model: CubeModel, columns: ScanColumns): ScanShape['period'] {
  const dimensions = unique(model.measures.flatMap((measure) => (measure.semiAdditive ? [measure.semiAdditive.dimension] : [])));
  if (dimensions.length === 0) return undefined;
  if (dimensions.length > 1) {
    throw new CubeError(
      'DEFINITION_INVALID',
      `${model.file}: cubes.${model.name}.measures: semi-additive measures over different dimensions (${dimensions.join(', ')}) are not supported`,
      { path: `cubes.${model.name}.measures`, hint: 'make every semiAdditive measure of a cube use the same dimension' },
    );
  }
  const dimension = model.dimensions.find((candidate) => candidate.name === dimensions[0])!;
  return { column: columns.code.get(levelKey(dimension.name, dimension.finest))! };
}

export function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
