import { fromClause } from '../model/sourceSql.ts';
import { levelKey, type CubeModel } from '../model/types.ts';
import type { PlannedCuboid } from '../plan/types.ts';
import { CUBOID_ROWS, cuboidCellsSql, type CuboidSql } from './cuboidCellsSql.ts';
import { groupByClause, groupingIdColumn } from './groupingSets.ts';
import { projection, type ScanColumns } from './scanColumns.ts';
import { scanShape, stageAggregate, unique, valueColumn, type ScanShape } from './scanShape.ts';

/**
 * The SQL of the cuboid scan, as plain strings: pure, so it can be inspected, and the
 * benchmark times exactly what the build runs. Stage 1 reads the source once with
 * GROUPING SETS (see scanShape) into a temp table; stage 2 reads each cuboid out of it.
 */
export interface CuboidScanSql {
  /** CREATE TEMP TABLE cuboid_rows AS <select>. */
  stage: string;
  select: string;
  cuboids: CuboidSql[];
}

export { CUBOID_ROWS, type CuboidSql };

/** `codeTables`: dimension → code table made by scanDimensions. */
export function cuboidScanSql(model: CubeModel, columns: ScanColumns, codeTables: Map<string, string>, cuboids: PlannedCuboid[]): CuboidScanSql {
  const shape = scanShape(model, columns, cuboids);
  const select = stageSelect(shape, codeTables);
  return {
    stage: `CREATE TEMP TABLE ${CUBOID_ROWS} AS\n${select}`,
    select,
    cuboids: cuboids.map((cuboid, index) => cuboidCellsSql(shape, cuboid, index)),
  };
}

/**
 * Each source row gets its members' codes by one join per grouped dimension, on the
 * finest level's expression; coarser levels' codes come with it from the code table.
 */
function stageSelect(shape: ScanShape, codeTables: Map<string, string>): string {
  const { model, columns, grouping, aggregates } = shape;
  const coded = model.dimensions.flatMap((dimension) => {
    const codes = dimension.levels.map((level) => columns.code.get(levelKey(dimension.name, level.name))!).filter((code) => grouping.keys.includes(code));
    return codes.length === 0 ? [] : [{ table: codeTables.get(dimension.name)!, finest: columns.level.get(levelKey(dimension.name, dimension.finest))!, codes }];
  });
  const codeColumns = new Set(coded.flatMap((dimension) => dimension.codes));
  const expressions = unique([
    ...grouping.keys.filter((key) => !codeColumns.has(key)),
    ...shape.partials.flatMap((partial) => (stageAggregate(shape, partial) !== undefined && columns.value.has(partial.measure) ? [valueColumn(shape, partial)] : [])),
  ]);
  const inputs = [...coded.flatMap((dimension) => dimension.codes.map((code) => `${dimension.table}.${code} AS ${code}`)), projection(columns, expressions)].filter((text) => text !== '');
  const output = [groupingIdColumn(grouping), ...grouping.keys, ...[...aggregates].map(([sql, alias]) => `${sql} AS ${alias}`)];
  return `SELECT ${output.join(', ')}
FROM (SELECT ${inputs.join(', ') || '1 AS one'}
${fromClause(model)}${coded.map((dimension) => `\nJOIN ${dimension.table} ON (${columns.expr.get(dimension.finest)}) IS NOT DISTINCT FROM ${dimension.table}.value`).join('')}) AS source
${groupByClause(grouping)}`;
}
