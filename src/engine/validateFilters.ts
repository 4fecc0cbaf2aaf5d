import { closestNames, suggestion } from '../model/closest.ts';
import { CubeError } from '../errors.ts';
import { isLevelFilter, NAMING_OPS, type Filter, type LevelFilter, type MemberOp } from '../model/query.ts';
import type { DimensionModel } from '../model/types.ts';
import type { LevelIndex } from './levelIndex.ts';
import type { LoadedCube } from './loadedCube.ts';

/**
 * Filters checked against the cube: known dimensions and levels, the right number of
 * values per op, members that exist for the member ops (eq, ne, in, notIn), numbers for
 * range ops on numeric levels. Range and text ops need no member: they compare values.
 */
const ARITY: Record<MemberOp, number | undefined> = {
  eq: 1,
  ne: 1,
  in: undefined,
  notIn: undefined,
  between: 2,
  gt: 1,
  gte: 1,
  lt: 1,
  lte: 1,
  contains: 1,
  startsWith: 1,
};

export function validateFilters(cube: LoadedCube, filters: readonly Filter[], path: string): void {
  filters.forEach((filter, index) => validateFilter(cube, filter, `${path}[${index}]`));
}

function validateFilter(cube: LoadedCube, filter: Filter, path: string): void {
  if (!isLevelFilter(filter)) {
    if ('and' in filter) validateFilters(cube, filter.and, `${path}.and`);
    else validateFilters(cube, filter.or, `${path}.or`);
    return;
  }
  const index = resolveLevel(cube, filter.dimension, filter.level, `${path}.dimension`, `${path}.level`);
  const arity = ARITY[filter.op];
  if (arity !== undefined && filter.values.length !== arity) {
    throw new CubeError('FILTER_INVALID', `${filter.op} takes ${arity} value${arity === 1 ? '' : 's'}, got ${filter.values.length}`, {
      path: `${path}.values`,
    });
  }
  filter.values.forEach((value, position) => validateValue(index, filter, value, `${path}.values[${position}]`));
}

function validateValue(index: LevelIndex, filter: LevelFilter, value: string | null, path: string): void {
  if (NAMING_OPS.has(filter.op)) {
    // The NULL member may be asked for whether or not the level has one.
    if (value !== null) memberCode(index, value, path);
    return;
  }
  if (value === null) {
    throw new CubeError('FILTER_INVALID', `${filter.op} compares values: null is not one`, { path });
  }
  if (filter.op !== 'contains' && filter.op !== 'startsWith' && index.level.order === 'numeric') {
    if (value.trim() === '' || !Number.isFinite(Number(value))) {
      throw new CubeError('FILTER_INVALID', `${index.key} is numeric: "${value}" is not a number`, { path });
    }
  }
}

/** The code of a member, or MEMBER_UNKNOWN with the closest members. */
export function memberCode(index: LevelIndex, member: string | null, path: string): number {
  const code = index.codeOf(member);
  if (code !== undefined) return code;
  const names = closestNames(member ?? '', index.members.filter((candidate): candidate is string => candidate !== null));
  throw new CubeError('MEMBER_UNKNOWN', `${member === null ? 'the NULL member' : `"${member}"`} is not a member of ${index.key}`, {
    path,
    hint: names.length === 0 ? `${index.key} has no members` : `did you mean ${names.join(', ')}?`,
  });
}

export function resolveDimension(cube: LoadedCube, name: string, path: string): DimensionModel {
  const dimension = cube.dimension(name);
  if (dimension === undefined) {
    throw new CubeError('DIMENSION_UNKNOWN', `cube ${cube.name} has no dimension "${name}"`, {
      path,
      hint: suggestion(name, cube.data.model.dimensions.map((candidate) => candidate.name)),
    });
  }
  return dimension;
}

export function resolveLevel(
  cube: LoadedCube,
  dimensionName: string,
  level: string,
  dimensionPath: string,
  levelPath: string,
): LevelIndex {
  const dimension = resolveDimension(cube, dimensionName, dimensionPath);
  if (!dimension.levels.some((candidate) => candidate.name === level)) {
    throw new CubeError('LEVEL_UNKNOWN', `dimension ${dimension.name} has no level "${level}"`, {
      path: levelPath,
      hint: suggestion(level, dimension.levels.map((candidate) => candidate.name)),
    });
  }
  return cube.level(dimension, level);
}

/** dimension → every level the filters read, for routing. */
export function filterLevels(filters: readonly Filter[], into: Record<string, string[]> = {}): Record<string, string[]> {
  for (const filter of filters) {
    if (isLevelFilter(filter)) {
      const levels = (into[filter.dimension] ??= []);
      if (!levels.includes(filter.level)) levels.push(filter.level);
    } else {
      filterLevels('and' in filter ? filter.and : filter.or, into);
    }
  }
  return into;
}
