import { fromClause, joinClause, quoteIdentifier } from '../model/sourceSql.ts';
import type { CubeModel } from '../model/types.ts';
import type { Reach, ReachOf } from './expressionReach.ts';
import { groupByClause, groupingId, groupingSets, type GroupingSets } from './groupingSets.ts';
import { projection, type ScanColumns } from './scanColumns.ts';

/**
 * The statements that fill `table` with every grouping set's distinct value
 * combinations: columns gid (= groupingId(grouping, set)), the set's key columns
 * (NULL elsewhere) and source_rows. A set whose reach is known is read from the
 * source's distinct values of the columns it reaches (one GROUPING SETS pass over
 * the source table alone, into DIMENSION_KEYS) joined to just the joins it needs;
 * the rest from the whole star join in one GROUPING SETS pass, as before. source_rows
 * counts star-join rows either way, except that joins a set does not reach are not
 * there to repeat a row.
 */
const DIMENSION_KEYS = 'dimension_keys';
const KEYS_GID = quoteIdentifier('arrowcube gid');
const KEYS_ROWS = quoteIdentifier('arrowcube rows');

export function dimensionRowsSql(model: CubeModel, columns: ScanColumns, grouping: GroupingSets, reachOf: ReachOf, table: string): string[] {
  const reached = new Map<string, { reach: Reach; sets: string[][] }>();
  const wide: string[][] = [];
  for (const set of grouping.sets) {
    const reach = reachOf(set.map((key) => columns.expr.get(key)!));
    if (reach === undefined) {
      wide.push(set);
      continue;
    }
    const id = JSON.stringify(reach);
    if (!reached.has(id)) reached.set(id, { reach, sets: [] });
    reached.get(id)!.sets.push(set);
  }

  const keys = groupingSets([...reached.values()].map(({ reach }) => reach.sourceColumns.map(quoteIdentifier)));
  const selects = [...reached.values()].flatMap(({ reach, sets }) => {
    const sourceColumns = reach.sourceColumns.map(quoteIdentifier);
    const distinct = `SELECT ${[...sourceColumns, KEYS_ROWS].join(', ')} FROM ${DIMENSION_KEYS} WHERE ${KEYS_GID} = ${groupingId(keys, sourceColumns)}`;
    const from = [`FROM (${distinct}) AS ${quoteIdentifier(model.source.alias)}`, ...model.joins.filter((join) => reach.joins.includes(join.alias)).map(joinClause)];
    return sets.map((set) => `SELECT ${groupingId(grouping, set)} AS gid, ${projection(columns, set)}, sum(${KEYS_ROWS}) AS source_rows\n${from.join('\n')}\nGROUP BY ALL`);
  });
  if (wide.length > 0) selects.push(wideSelect(model, columns, grouping, groupingSets(wide)));

  const statements = [`CREATE TEMP TABLE ${table} AS\n${selects.join('\nUNION ALL BY NAME\n')}`];
  if (reached.size > 0) {
    statements.unshift(`CREATE TEMP TABLE ${DIMENSION_KEYS} AS
SELECT GROUPING(${keys.keys.join(', ')}) AS ${KEYS_GID}, ${keys.keys.join(', ')}, count(*) AS ${KEYS_ROWS}
FROM (SELECT ${keys.keys.join(', ')} ${fromClause({ ...model, joins: [] })}) AS source
${groupByClause(keys)}`);
  }
  return statements;
}

/** The sets whose reach is unknown, over the whole star join; their ids renumbered to the whole grouping's. */
function wideSelect(model: CubeModel, columns: ScanColumns, grouping: GroupingSets, wide: GroupingSets): string {
  const gid = `CASE GROUPING(${wide.keys.join(', ')}) ${wide.sets.map((set) => `WHEN ${groupingId(wide, set)} THEN ${groupingId(grouping, set)}`).join(' ')} END`;
  return `SELECT ${gid} AS gid, ${wide.keys.join(', ')}, count(*) AS source_rows
FROM (SELECT ${projection(columns, wide.keys)}
${fromClause(model)}) AS source
${groupByClause(wide)}`;
}
