import { fromClause } from '../model/sourceSql.ts';
import { levelKey, type CubeModel } from '../model/types.ts';
import type { PlannedCuboid } from '../plan/types.ts';
import { CUBOID_DISTINCTS, CUBOID_ROWS, cuboidCellsSql, type CuboidSql } from './cuboidCellsSql.ts';
import { groupByClause, groupingIdColumn, type GroupingSets } from './groupingSets.ts';
import { projection, type ScanColumns } from './scanColumns.ts';
import { scanShape, stageAggregate, unique, valueColumn } from './scanShape.ts';
import { wordColumn, wordSql, type SortWord } from './sortWords.ts';

/**
 * The SQL of the cuboid scan, as plain strings: pure, so it can be inspected, and the
 * benchmark times exactly what the build runs. Stage 1 reads the source with
 * GROUPING SETS (see scanShape) into temp tables — once, and once more for exact
 * distinct counts if any cuboid holds them; stage 2 reads each cuboid out of them.
 */
export interface CuboidScanSql {
  /**
   * Stage 1, in order: `create` stores the rows of the GROUPING SETS query `select`
   * keyed by sort words (see scanShape) in a temp table; closing the build's database frees them.
   */
  stages: { create: string; select: string }[];
  cuboids: CuboidSql[];
}

export type { CuboidSql };

/** `codeTables`: dimension → code table made by scanDimensions; `cardinality`: levelKey → members, as planned with. */
export function cuboidScanSql(
  model: CubeModel,
  columns: ScanColumns,
  codeTables: Map<string, string>,
  cuboids: PlannedCuboid[],
  cardinality: Readonly<Record<string, number>>,
): CuboidScanSql {
  const shape = scanShape(model, columns, cuboids, cardinality);
  const values = unique(
    shape.partials.flatMap((partial) => (stageAggregate(shape, partial) !== undefined && columns.value.has(partial.measure) ? [valueColumn(shape, partial)] : [])),
  );
  const aggregates = [...shape.aggregates];
  const stages = [
    stage(CUBOID_ROWS, groupedSelect(model, columns, codeTables, shape.grouping, values, aggregates), shape.setWords, [...shape.carried, ...aggregates.map(([, alias]) => alias)]),
  ];
  if (shape.distinct !== undefined) {
    const { grouping, counts: countColumns, setWords } = shape.distinct;
    const counted = shape.partials.filter((partial) => countColumns.has(partial.column));
    const counts = counted.map((partial): [string, string] => [`count(DISTINCT ${valueColumn(shape, partial)})`, countColumns.get(partial.column)!]);
    const distinctValues = unique(counted.map((partial) => valueColumn(shape, partial)));
    stages.push(stage(CUBOID_DISTINCTS, groupedSelect(model, columns, codeTables, grouping, distinctValues, counts), setWords, counts.map(([, alias]) => alias)));
  }
  return { stages, cuboids: cuboids.map((cuboid) => cuboidCellsSql(shape, cuboid)) };
}

/**
 * The table keeps gid, each row's codes as the words of its set (`CASE gid WHEN … THEN
 * <packed codes> … END` per word), and the `kept` columns of `select` as they are.
 */
function stage(table: string, select: string, setWords: Map<string, SortWord[]>, kept: string[]): CuboidScanSql['stages'][number] {
  const slots = Math.max(0, ...[...setWords.values()].map((words) => words.length));
  const words = Array.from({ length: slots }, (_, index) => {
    const branches = [...setWords].filter(([, set]) => set.length > index).map(([gid, set]) => `WHEN ${gid} THEN ${wordSql(set[index]!, (key) => key.column)}`);
    return `CASE gid ${branches.join(' ')} END AS ${wordColumn(index)}`;
  });
  return { create: `CREATE TEMP TABLE ${table} AS
SELECT ${['gid', ...words, ...kept].join(', ')}
FROM (${select}) AS grouped`, select };
}

/**
 * Each source row gets its members' codes by one join per grouped dimension, on the
 * finest level's expression; coarser levels' codes come with it from the code table.
 * `values`: the source columns the aggregates read besides the grouping keys.
 */
function groupedSelect(
  model: CubeModel,
  columns: ScanColumns,
  codeTables: Map<string, string>,
  grouping: GroupingSets,
  values: string[],
  aggregates: [sql: string, alias: string][],
): string {
  const coded = model.dimensions.flatMap((dimension) => {
    const codes = dimension.levels.map((level) => columns.code.get(levelKey(dimension.name, level.name))!).filter((code) => grouping.keys.includes(code));
    return codes.length === 0 ? [] : [{ table: codeTables.get(dimension.name)!, finest: columns.level.get(levelKey(dimension.name, dimension.finest))!, codes }];
  });
  const codeColumns = new Set(coded.flatMap((dimension) => dimension.codes));
  const expressions = unique([...grouping.keys.filter((key) => !codeColumns.has(key)), ...values]);
  const inputs = [...coded.flatMap((dimension) => dimension.codes.map((code) => `${dimension.table}.${code} AS ${code}`)), projection(columns, expressions)].filter((text) => text !== '');
  const output = [groupingIdColumn(grouping), ...grouping.keys, ...aggregates.map(([sql, alias]) => `${sql} AS ${alias}`)];
  return `SELECT ${output.join(', ')}
FROM (SELECT ${inputs.join(', ') || '1 AS one'}
${fromClause(model)}${coded.map((dimension) => `\nJOIN ${dimension.table} ON (${columns.expr.get(dimension.finest)}) IS NOT DISTINCT FROM ${dimension.table}.value`).join('')}) AS source
${groupByClause(grouping)}`;
}
