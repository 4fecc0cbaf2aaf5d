import { fromClause, joinClause, quoteIdentifier } from '../model/sourceSql.ts';
import type { CubeModel } from '../model/types.ts';
import type { Reach, ReachOf } from './expressionReach.ts';
import { groupByClause, groupingId, groupingSets, type GroupingSets } from './groupingSets.ts';
import { projection, type ScanColumns } from './scanColumns.ts';

/**
 * The statement that fills `table` with every grouping set's distinct value
 * combinations: columns gid (= groupingId(grouping, set)), the set's key columns
 * (NULL elsewhere) and source_rows. A set whose reach is known is read from the
 * source's distinct values of the columns it reaches (a GROUP BY of the source table
 * alone, per reach) joined to just the joins it needs; the rest from the whole star
 * join in one GROUPING SETS pass. source_rows counts star-join rows either way, except
 * that joins a set does not reach are not there to repeat a row.
 */
const KEY_ROWS = quoteIdentifier('arrowcube rows');

export function dimensionRowsSql(model: CubeModel, columns: ScanColumns, grouping: GroupingSets, reachOf: ReachOf, table: string): string {
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

  const source = fromClause({ ...model, joins: [] });
  const keys = [...reached.values()].map(({ reach }, index) => {
    const sourceColumns = reach.sourceColumns.map(quoteIdentifier).join(', ');
    return `keys_${index} AS MATERIALIZED (SELECT ${sourceColumns}, count(*) AS ${KEY_ROWS} ${source} GROUP BY ALL)`;
  });
  const selects = [...reached.values()].flatMap(({ reach, sets }, index) => {
    const from = [`FROM keys_${index} AS ${quoteIdentifier(model.source.alias)}`, ...model.joins.filter((join) => reach.joins.includes(join.alias)).map(joinClause)];
    return sets.map((set) => `SELECT ${groupingId(grouping, set)} AS gid, ${projection(columns, set)}, sum(${KEY_ROWS}) AS source_rows\n${from.join('\n')}\nGROUP BY ALL`);
  });
  if (wide.length > 0) selects.push(wideSelect(model, columns, grouping, groupingSets(wide)));
  return `CREATE TEMP TABLE ${table} AS\n${keys.length > 0 ? `WITH ${keys.join(',\n')}\n` : ''}${selects.join('\nUNION ALL BY NAME\n')}`;
}

/** The sets whose reach is unknown, over the whole star join; their ids renumbered to the whole grouping's. */
function wideSelect(model: CubeModel, columns: ScanColumns, grouping: GroupingSets, wide: GroupingSets): string {
  const gid = `CASE GROUPING(${wide.keys.join(', ')}) ${wide.sets.map((set) => `WHEN ${groupingId(wide, set)} THEN ${groupingId(grouping, set)}`).join(' ')} END`;
  return `SELECT ${gid} AS gid, ${wide.keys.join(', ')}, count(*) AS source_rows
FROM (SELECT ${projection(columns, wide.keys)}
${fromClause(model)}) AS source
${groupByClause(wide)}`;
}
