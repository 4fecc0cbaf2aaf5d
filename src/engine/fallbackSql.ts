import { LIST, VARCHAR, listValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { PartialSpec } from '../model/partials.ts';
import { isLevelFilter, type Filter } from '../model/query.ts';
import { fromClause } from '../model/sourceSql.ts';
import type { CubeModel, LevelModel, MeasureModel } from '../model/types.ts';
import { filterMask } from './filterMask.ts';
import type { LevelIndex } from './levelIndex.ts';
import type { LoadedCube } from './loadedCube.ts';
import type { BoundSql } from './sourceDatabase.ts';

/**
 * SQL for the fallback, generated from the validated query: identifiers and
 * expressions come only from the model; member values travel as bound parameters.
 * Filters are the same member masks the cuboid path uses, sent as member lists.
 */

/** A level's member text, as the build writes dictionaries. */
export function memberText(level: LevelModel): string {
  return `CAST((${level.expr}) AS VARCHAR)`;
}

class Parameters {
  readonly values: DuckDBValue[] = [];
  readonly types: DuckDBType[] = [];

  memberList(members: string[]): string {
    this.values.push(listValue(members));
    this.types.push(LIST(VARCHAR));
    return '?';
  }
}

function filterSql(cube: LoadedCube, filters: readonly Filter[], params: Parameters): string {
  const clause = (filter: Filter): string => {
    if (isLevelFilter(filter)) {
      const index = cube.level(cube.dimension(filter.dimension)!, filter.level);
      return maskSql(index, filterMask(index, filter), params);
    }
    const [parts, joiner, empty] = 'and' in filter ? [filter.and, ' AND ', 'TRUE'] : [filter.or, ' OR ', 'FALSE'];
    return parts.length === 0 ? empty : `(${parts.map(clause).join(joiner)})`;
  };
  return filters.length === 0 ? 'TRUE' : filters.map(clause).join(' AND ');
}

/** Rows whose member the mask keeps; lists whichever side of the mask is shorter. */
function maskSql(index: LevelIndex, mask: Uint8Array, params: Parameters): string {
  const kept = mask.reduce((count, bit) => count + bit, 0);
  if (kept === 0) return 'FALSE';
  if (kept === mask.length) return 'TRUE';
  const text = memberText(index.level);
  const nullCode = index.codeOf(null);
  const keepsNull = nullCode !== undefined && mask[nullCode] === 1;
  const inverse = kept > mask.length / 2;
  const listed = index.members.filter((member, code): member is string => member !== null && mask[code] === (inverse ? 0 : 1));
  const listedSql = `coalesce(${text} IN (SELECT unnest(${params.memberList(listed)})), false)`;
  if (!inverse) return keepsNull ? `(${listedSql} OR ${text} IS NULL)` : listedSql;
  return keepsNull ? `(NOT ${listedSql})` : `(NOT ${listedSql} AND ${text} IS NOT NULL)`;
}

function partialSql(measure: MeasureModel, spec: PartialSpec): string {
  const expr = `(${measure.expr})`;
  switch (spec.role) {
    case 'sum':
    case 'last':
      // A cuboid stores 0 for the sum of no values, so the source must too.
      return `CAST(coalesce(sum(${expr}), 0) AS DOUBLE)`;
    case 'count':
      return `CAST(count(${measure.expr === undefined ? '*' : expr}) AS DOUBLE)`;
    case 'min':
      return `CAST(min(${expr}) AS DOUBLE)`;
    case 'max':
      return `CAST(max(${expr}) AS DOUBLE)`;
    default:
      throw new Error(`partial ${spec.column} is not computed by the cells statement`);
  }
}

/**
 * Rows of a "virtual cuboid" at `keys` (one member text per key, then one column per
 * partial): the fallback's cells before the shared aggregation core folds them.
 */
export function cellsStatement(
  cube: LoadedCube,
  keys: readonly LevelIndex[],
  specs: readonly PartialSpec[],
  filters: readonly Filter[],
): BoundSql {
  const model = cube.data.model;
  const params = new Parameters();
  const where = filterSql(cube, filters, params);
  const columns = [
    ...keys.map((key, position) => `${memberText(key.level)} AS k${position}`),
    ...specs.map((spec, position) => `${partialSql(cube.measure(spec.measure)!, spec)} AS p${position}`),
  ];
  const groupBy = keys.length === 0 ? '' : `\nGROUP BY ${keys.map((_, position) => `k${position}`).join(', ')}`;
  return {
    sql: `SELECT ${columns.length === 0 ? 'count(*) AS n' : columns.join(', ')}\n${fromClause(model)}\nWHERE ${where}${groupBy}`,
    params: params.values,
    types: params.types,
  };
}

/**
 * Exact distinct counts at several grains in one scan (GROUPING SETS). Each grain is a
 * list of positions in `keys`; the `grain` column is DuckDB's GROUPING() bitmask.
 */
export function distinctStatement(
  cube: LoadedCube,
  keys: readonly LevelIndex[],
  grains: readonly number[][],
  measures: readonly MeasureModel[],
  filters: readonly Filter[],
): BoundSql {
  const model: CubeModel = cube.data.model;
  const params = new Parameters();
  const where = filterSql(cube, filters, params);
  const names = keys.map((_, position) => `k${position}`);
  const columns = [
    ...keys.map((key, position) => `${memberText(key.level)} AS k${position}`),
    keys.length === 0 ? '0 AS grain' : `GROUPING(${names.join(', ')}) AS grain`,
    ...measures.map((measure, position) => `CAST(count(DISTINCT (${measure.expr})) AS DOUBLE) AS d${position}`),
  ];
  const sets = grains.map((grain) => `(${grain.map((position) => names[position]).join(', ')})`);
  const groupBy = keys.length === 0 ? '' : `\nGROUP BY GROUPING SETS (${sets.join(', ')})`;
  return {
    sql: `SELECT ${columns.join(', ')}\n${fromClause(model)}\nWHERE ${where}${groupBy}`,
    params: params.values,
    types: params.types,
  };
}

/** The GROUPING() bitmask DuckDB reports for a grain: bit set = key not grouped, first key most significant. */
export function grainId(keyCount: number, grain: readonly number[]): number {
  let id = 0;
  for (let position = 0; position < keyCount; position++) {
    id = id * 2 + (grain.includes(position) ? 0 : 1);
  }
  return id;
}
