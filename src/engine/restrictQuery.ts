import { checkVisible, restrictionOf, type AccessScope } from '../model/accessScope.ts';
import { isLevelFilter, NAMING_OPS, type CubeQuery, type Filter, type LevelFilter } from '../model/query.ts';
import type { LoadedCube } from './loadedCube.ts';
import { resolveLevel } from './validateFilters.ts';

/**
 * The query a scope may run: refused when it names something hidden from the scope's
 * role, otherwise narrowed by one `in` filter per row rule. Being part of the query,
 * the restriction reaches everything computed from it (rows, totals, shares, topN,
 * pivot, explain, the source SQL as bound parameters) and its cache key, and routing
 * picks only cuboids that hold the restricted levels. A claimed member the version does
 * not know keeps no row rather than failing: credentials may name members a build has
 * not seen yet. So does a member the caller names: an "unknown member" error, with
 * its suggestions of the closest members, would tell a restricted caller which
 * members exist beyond its rows.
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
  return { ...query, filters: [...knownMembersOnly(cube, query.filters), ...rowFilters] };
}

function knownMembersOnly(cube: LoadedCube, filters: readonly Filter[]): Filter[] {
  return filters.map((filter): Filter => {
    if (!isLevelFilter(filter)) return 'and' in filter ? { and: knownMembersOnly(cube, filter.and) } : { or: knownMembersOnly(cube, filter.or) };
    const dimension = cube.dimension(filter.dimension);
    // Unknown dimensions and levels are left for validation to report where they are.
    if (!NAMING_OPS.has(filter.op) || !dimension?.levels.some((level) => level.name === filter.level)) return filter;
    const index = cube.level(dimension, filter.level);
    const values = filter.values.filter((value) => value === null || index.codeOf(value) !== undefined);
    if (values.length === filter.values.length) return filter;
    return { ...filter, op: filter.op === 'eq' || filter.op === 'in' ? 'in' : 'notIn', values };
  });
}
