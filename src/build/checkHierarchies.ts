import type { DuckDBConnection } from '@duckdb/node-api';
import { CubeError } from '../errors.ts';
import { levelKey, type CubeModel, type DimensionModel } from '../model/types.ts';
import type { ScanColumns } from './scanColumns.ts';

/**
 * Each hierarchy step is a functional dependency: a child member has one parent
 * member (NULL counts as a member). A violation would make roll-ups through the
 * child→parent map silently wrong, so the build stops and names an example.
 */
export async function checkHierarchies(
  connection: DuckDBConnection,
  model: CubeModel,
  columns: ScanColumns,
  table: string,
  gidOf: Map<string, string>,
): Promise<void> {
  for (const dimension of model.dimensions) {
    for (const [child, parents] of Object.entries(dimension.parents)) {
      for (const parent of parents) {
        const childColumn = columns.level.get(levelKey(dimension.name, child))!;
        const parentColumn = columns.level.get(levelKey(dimension.name, parent))!;
        // Only the first violation's parents are listed: an ordered list per child would sort every child's.
        const reader = await connection.runAndReadAll(
          `WITH pairs AS (SELECT DISTINCT ${childColumn} AS child, ${parentColumn} AS parent FROM ${table} WHERE gid = ${gidOf.get(dimension.name)}),
           violations AS (SELECT child FROM pairs GROUP BY child HAVING count(*) > 1),
           first AS (SELECT child FROM violations ORDER BY child NULLS LAST LIMIT 1)
           SELECT CAST(pairs.child AS VARCHAR), list(CAST(pairs.parent AS VARCHAR) ORDER BY pairs.parent NULLS LAST)[1:3], (SELECT count(*) FROM violations)
           FROM pairs JOIN first ON pairs.child IS NOT DISTINCT FROM first.child
           GROUP BY pairs.child`,
        );
        const row = reader.getRows()[0];
        if (row === undefined) continue;
        const member = row[0] === null ? null : String(row[0]);
        const examples = (row[1] as { items: unknown[] }).items.map((value) => (value === null ? null : String(value)));
        throw violation(model, dimension, child, parent, member, examples, Number(row[2]));
      }
    }
  }
}

function violation(
  model: CubeModel,
  dimension: DimensionModel,
  child: string,
  parent: string,
  member: string | null,
  parents: (string | null)[],
  violations: number,
): CubeError {
  const hierarchy = dimension.hierarchies.find((candidate) => {
    const index = candidate.levels.indexOf(child);
    return index > 0 && candidate.levels[index - 1] === parent;
  });
  const path = `cubes.${model.name}.dimensions.${dimension.name}.hierarchies${hierarchy ? `.${hierarchy.name}` : ''}`;
  const quoted = parents.map(show);
  const under = quoted.length > 2 ? `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}` : quoted.join(' and ');
  const more = violations > 1 ? ` (${violations} ${child} members have several ${parent} members)` : '';
  return new CubeError(
    'HIERARCHY_VIOLATED',
    `${model.file}: ${path}: hierarchy violated in dimension ${dimension.name}: ${child} ${show(member)} is under ${parent} ${under}${more}`,
    { path, hint: `each ${child} must belong to exactly one ${parent}; make the ${child} expression unique (e.g. include its ${parent})` },
  );
}

function show(member: string | null): string {
  return member === null ? 'NULL' : `'${member}'`;
}
