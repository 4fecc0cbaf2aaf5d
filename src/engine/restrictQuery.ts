import { checkVisible, restrictionOf, type AccessScope } from '../model/accessScope.ts';
import type { CubeQuery, LevelFilter } from '../model/query.ts';
import type { LoadedCube } from './loadedCube.ts';
import { resolveLevel } from './validateFilters.ts';

/**
 * The query a scope may run: refused when it names something hidden from the scope's
 * role, otherwise narrowed by one `in` filter per row rule. Being part of the query,
 * the restriction reaches everything computed from it (rows, totals, shares, topN,
 * pivot, explain, the source SQL as bound parameters) and its cache key, and routing
 * picks only cuboids that hold the restricted levels. A claimed member the version does
 * not know keeps no row rather than failing: credentials may name members a build has
 * not seen yet.
 */
export function restrictQuery(cube: LoadedCube, query: CubeQuery, scope: AccessScope | null): CubeQuery {
  const restriction = restrictionOf(cube.data.model, scope);
  if (restriction === null) return query;
  checkVisible(query, restriction);
  if (restriction.rows.length === 0) return query;
  const rowFilters = restriction.rows.map(({ dimension, level, members }): LevelFilter => {
    const index = resolveLevel(cube, dimension, level, 'dimension', 'level');
    return { dimension, level, op: 'in', values: members.filter((member) => index.codeOf(member) !== undefined) };
  });
  return { ...query, filters: [...query.filters, ...rowFilters] };
}
