import { CubeError } from '../errors.ts';
import type { CubeQuery } from '../model/query.ts';
import type { CubeModel } from '../model/types.ts';
import type { LoadedCube } from './loadedCube.ts';
import { memberCode, resolveLevel } from './validateFilters.ts';

export interface MembersOptions {
  dimension: string;
  level: string;
  /** A member of the level's direct parent (first hierarchy): only its children are listed. */
  parent?: string | null;
  /** Case-insensitive substring of the member text. */
  search?: string;
  limit?: number;
  offset?: number;
}

/**
 * A level's members in natural order (the NULL member last), narrowed by parent and
 * search, and to `visible` when the caller may see only some.
 */
export function listMembers(
  cube: LoadedCube,
  options: MembersOptions,
  visible?: ReadonlySet<string | null>,
): { members: (string | null)[]; total: number } {
  const index = resolveLevel(cube, options.dimension, options.level, 'dimension', 'level');
  let codes = Array.from(index.members.keys()).sort((a, b) => index.rank[a]! - index.rank[b]!);
  if (visible !== undefined) codes = codes.filter((code) => visible.has(index.members[code] ?? null));

  if (options.parent !== undefined) {
    const parentName = index.dimension.parents[index.level.name]?.[0];
    if (parentName === undefined) {
      throw new CubeError('QUERY_INVALID', `${index.key} is a top level: its members have no parent`, { path: 'parent' });
    }
    const parent = cube.level(index.dimension, parentName);
    // Who sees only some members learns nothing from asking for one that does not exist.
    if (visible !== undefined && parent.codeOf(options.parent) === undefined) return { members: [], total: 0 };
    const parentCode = memberCode(parent, options.parent, 'parent');
    const map = cube.rollup(index.dimension, index.level.name, parentName)!;
    codes = codes.filter((code) => map[code] === parentCode);
  }
  if (options.search !== undefined && options.search !== '') {
    const needle = options.search.toLowerCase();
    codes = codes.filter((code) => index.members[code]?.toLowerCase().includes(needle) ?? false);
  }
  const offset = options.offset ?? 0;
  const limit = options.limit ?? 1000;
  return { members: codes.slice(offset, offset + limit).map((code) => index.members[code] ?? null), total: codes.length };
}

/**
 * The query whose groups are the members of a level that occur in some rows: any
 * foldable measure will do, since a group exists exactly where rows do. Built
 * internally, so no page limit applies.
 */
export function membersQuery(model: CubeModel, options: MembersOptions, hidden: ReadonlySet<string>): CubeQuery {
  const measure = model.measures.find(
    (candidate) => !hidden.has(candidate.name) && ['sum', 'count', 'min', 'max'].includes(candidate.agg) && !candidate.semiAdditive,
  );
  if (measure === undefined) {
    throw new CubeError('ACCESS_DENIED', `cube ${model.name} has no measure this role may see, so no member can be listed`, { path: 'cube' });
  }
  return {
    cube: model.name,
    measures: [measure.name],
    levels: { [options.dimension]: options.level },
    filters: [],
    having: [],
    order: [],
    limit: Number.MAX_SAFE_INTEGER,
    offset: 0,
    totals: false,
    route: 'auto',
    explain: false,
  };
}
