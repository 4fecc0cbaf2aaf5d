import type { DuckDBConnection } from '@duckdb/node-api';
import { parentMapKey } from '../model/data.ts';
import { levelKey, type CubeModel, type DimensionModel } from '../model/types.ts';
import { readColumns } from './chunkColumns.ts';
import { checkHierarchies } from './checkHierarchies.ts';
import { dimensionRowsSql } from './dimensionRowsSql.ts';
import { expressionReach } from './expressionReach.ts';
import { groupingId, groupingSets } from './groupingSets.ts';
import type { ScanColumns } from './scanColumns.ts';

/**
 * The dimension scan: every dimension's distinct combinations of all its levels (and
 * their sort keys), read from as little of the star join as they need (see
 * dimensionRowsSql). That small table yields every level's dictionary, the
 * functional-dependency check of each hierarchy step, the planner's statistics, and
 * per dimension a code table: the finest level's value → the code of every level.
 * The cuboid scan joins those, so it groups by integers, not by strings.
 */
export interface DimensionScan {
  sourceRows: number;
  /** levelKey → members in code order. */
  dictionaries: Record<string, (string | null)[]>;
  /** levelKey → number of members (codes run 0 … n − 1). */
  cardinality: Record<string, number>;
  /** parentMapKey → parent code of each child code. */
  parentMaps: Record<string, Int32Array>;
  /** dimension → temp table (value of the finest level's expr, then one code column per level, named by ScanColumns.code). */
  codeTables: Map<string, string>;
}

const DIMENSION_ROWS = 'dimension_rows';

export async function scanDimensions(connection: DuckDBConnection, model: CubeModel, columns: ScanColumns): Promise<DimensionScan> {
  const levelColumns = (dimension: DimensionModel) => dimension.levels.map((level) => columns.level.get(levelKey(dimension.name, level.name))!);
  const setOf = (dimension: DimensionModel) => [
    ...levelColumns(dimension),
    ...dimension.levels.map((level) => columns.sort.get(levelKey(dimension.name, level.name))!),
  ];
  const grouping = groupingSets(model.dimensions.map(setOf));
  const gidOf = new Map(model.dimensions.map((dimension) => [dimension.name, groupingId(grouping, setOf(dimension))]));
  await connection.run(dimensionRowsSql(model, columns, grouping, await expressionReach(connection, model), DIMENSION_ROWS));

  const dictionaries: Record<string, (string | null)[]> = {};
  const dictionaryTables = new Map<string, string>();
  for (const dimension of model.dimensions) {
    for (const level of dimension.levels) {
      const key = levelKey(dimension.name, level.name);
      const table = `dict_${dictionaryTables.size}`;
      dictionaryTables.set(key, table);
      await connection.run(dictionarySql(table, columns.level.get(key)!, columns.sort.get(key)!, gidOf.get(dimension.name)!));
      const reader = await connection.runAndReadAll(`SELECT member FROM ${table} ORDER BY code`);
      // No chunks at all when the source is empty.
      dictionaries[key] = (reader.getColumns()[0] ?? []).map((member) => (member === null ? null : String(member)));
    }
  }

  await checkHierarchies(connection, model, columns, DIMENSION_ROWS, gidOf);

  // The checks above make the finest member determine every level's member: one row each.
  const codeTables = new Map<string, string>();
  for (const [index, dimension] of model.dimensions.entries()) {
    const table = `codes_${index}`;
    const finest = columns.level.get(levelKey(dimension.name, dimension.finest))!;
    const joins = dimension.levels.map((level, l) => {
      const key = levelKey(dimension.name, level.name);
      return { alias: `d${l}`, table: dictionaryTables.get(key)!, key: columns.level.get(key)!, code: columns.code.get(key)! };
    });
    await connection.run(`CREATE TEMP TABLE ${table} AS
SELECT r.${finest} AS value${joins.map((join) => `, ${join.alias}.code AS ${join.code}`).join('')}
FROM (SELECT DISTINCT ${[...new Set(levelColumns(dimension))].join(', ')} FROM ${DIMENSION_ROWS} WHERE gid = ${gidOf.get(dimension.name)}) AS r
${joins.map((join) => `JOIN ${join.table} AS ${join.alias} ON r.${join.key} IS NOT DISTINCT FROM ${join.alias}.value`).join('\n')}`);
    codeTables.set(dimension.name, table);
  }

  const parentMaps: Record<string, Int32Array> = {};
  for (const dimension of model.dimensions) {
    for (const [child, parents] of Object.entries(dimension.parents)) {
      for (const parent of parents) {
        const childCode = columns.code.get(levelKey(dimension.name, child))!;
        const parentCode = columns.code.get(levelKey(dimension.name, parent))!;
        const members = dictionaries[levelKey(dimension.name, child)]!.length;
        const { rows, arrays } = await readColumns(
          connection,
          `SELECT DISTINCT ${childCode}, ${parentCode} FROM ${codeTables.get(dimension.name)} ORDER BY ${childCode}`,
          [Int32Array, Int32Array],
        );
        const [children, parentCodes] = arrays;
        // One parent per child (checked), and every member occurs: row i is child code i.
        if (rows !== members || children!.some((code, index) => code !== index)) {
          throw new Error(`parent map ${dimension.name}.${child}>${parent} is not dense`);
        }
        parentMaps[parentMapKey(dimension.name, child, parent)] = parentCodes as Int32Array;
      }
    }
  }

  const firstGid = gidOf.get(model.dimensions[0]!.name)!;
  const total = await connection.runAndReadAll(`SELECT coalesce(sum(source_rows), 0)::DOUBLE FROM ${DIMENSION_ROWS} WHERE gid = ${firstGid}`);
  const cardinality = Object.fromEntries(Object.entries(dictionaries).map(([key, members]) => [key, members.length]));
  return { sourceRows: Number(total.getColumns()[0]![0]), dictionaries, cardinality, parentMaps, codeTables };
}

/** Codes follow the sort key (NULL member last); ties break on the member text so codes are stable. */
function dictionarySql(table: string, key: string, sort: string, gid: string): string {
  return `CREATE TEMP TABLE ${table} AS
SELECT value, CAST(value AS VARCHAR) AS member,
  (row_number() OVER (ORDER BY value IS NULL, sort_key NULLS LAST, CAST(value AS VARCHAR)) - 1)::INTEGER AS code
FROM (SELECT ${key} AS value, min(${sort}) AS sort_key FROM ${DIMENSION_ROWS} WHERE gid = ${gid} GROUP BY ${key})`;
}
