import { CubeError } from '../errors.ts';
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

/** A level's members in natural order (the NULL member last), narrowed by parent and search. */
export function listMembers(cube: LoadedCube, options: MembersOptions): { members: (string | null)[]; total: number } {
  const index = resolveLevel(cube, options.dimension, options.level, 'dimension', 'level');
  let codes = Array.from(index.members.keys()).sort((a, b) => index.rank[a]! - index.rank[b]!);

  if (options.parent !== undefined) {
    const parentName = index.dimension.parents[index.level.name]?.[0];
    if (parentName === undefined) {
      throw new CubeError('QUERY_INVALID', `${index.key} is a top level: its members have no parent`, { path: 'parent' });
    }
    const parent = cube.level(index.dimension, parentName);
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
