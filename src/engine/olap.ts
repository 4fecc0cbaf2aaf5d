import { CubeError } from '../errors.ts';
import { suggestion } from '../model/closest.ts';
import { isLevelFilter, type CubeQuery, type Filter, type LevelFilter } from '../model/query.ts';
import type { CubeModel, DimensionModel, HierarchyModel } from '../model/types.ts';

/**
 * OLAP operations as pure rewrites of a CubeQuery. They check names against the model
 * and keep the query consistent (orders and topN that named a level follow it or go),
 * but not members: the engine validates those when it runs the query.
 */

export interface DrillDownArgs {
  dimension: string;
  /** Drill into this member of the current level (adds an eq filter on it). */
  member?: string | null;
  hierarchy?: string;
}

/** One level finer along a hierarchy; from "all", the hierarchy's top level. */
export function drillDown(query: CubeQuery, model: CubeModel, args: DrillDownArgs): CubeQuery {
  const dimension = findDimension(model, args.dimension);
  const current = query.levels[dimension.name];
  if (current === undefined) {
    if (args.member !== undefined) {
      throw new CubeError('OPERATION_INVALID', `${dimension.name} is not grouped: there is no member to drill into`, {
        path: 'member',
        hint: 'drill down without a member first',
      });
    }
    const hierarchy = args.hierarchy === undefined ? dimension.hierarchies[0]! : findHierarchy(dimension, args.hierarchy);
    return { ...query, levels: { ...query.levels, [dimension.name]: hierarchy.levels[0]! } };
  }
  const hierarchy = hierarchyAt(dimension, current, args.hierarchy, (levels, at) => at < levels.length - 1);
  if (hierarchy === undefined) {
    throw new CubeError('OPERATION_INVALID', `${dimension.name}.${current} is the finest level${args.hierarchy ? ` of ${args.hierarchy}` : ''}`, {
      path: 'dimension',
    });
  }
  const finer = hierarchy.levels[hierarchy.levels.indexOf(current) + 1]!;
  const drilled = renameLevel(query, dimension.name, current, finer);
  if (args.member === undefined) return drilled;
  const filter: LevelFilter = { dimension: dimension.name, level: current, op: 'eq', values: [args.member] };
  return { ...drilled, filters: [...drilled.filters, filter] };
}

export interface RollUpArgs {
  dimension: string;
  hierarchy?: string;
}

/**
 * One level coarser along a hierarchy, or to "all" from its top level. Undoes a drill
 * into a member: an eq filter on the level rolled up to goes.
 */
export function rollUp(query: CubeQuery, model: CubeModel, args: RollUpArgs): CubeQuery {
  const dimension = findDimension(model, args.dimension);
  const current = query.levels[dimension.name];
  if (current === undefined) {
    throw new CubeError('OPERATION_INVALID', `${dimension.name} is already rolled up to all`, { path: 'dimension' });
  }
  const hierarchy = hierarchyAt(dimension, current, args.hierarchy, () => true);
  const at = hierarchy?.levels.indexOf(current) ?? 0;
  if (at === 0) return dropDimension(query, dimension.name);
  const coarser = hierarchy!.levels[at - 1]!;
  const rolled = renameLevel(query, dimension.name, current, coarser);
  return {
    ...rolled,
    filters: rolled.filters.filter(
      (filter) => !(isLevelFilter(filter) && filter.dimension === dimension.name && filter.level === coarser && filter.op === 'eq'),
    ),
  };
}

export interface SliceArgs {
  dimension: string;
  level: string;
  member: string | null;
}

/** Fixes one member (replacing filters on the same level) and removes the dimension from grouping. */
export function slice(query: CubeQuery, model: CubeModel, args: SliceArgs): CubeQuery {
  const dimension = findDimension(model, args.dimension);
  findLevel(dimension, args.level, 'level');
  const filter: LevelFilter = { dimension: dimension.name, level: args.level, op: 'eq', values: [args.member] };
  const sliced = dropDimension(query, dimension.name);
  return { ...sliced, filters: [...withoutLevelFilters(sliced.filters, [filter]), filter] };
}

export interface DiceArgs {
  filters: LevelFilter[];
}

/** Restricts several dimensions at once; a new filter replaces earlier top-level filters on its level. */
export function dice(query: CubeQuery, model: CubeModel, args: DiceArgs): CubeQuery {
  args.filters.forEach((filter, index) => {
    const dimension = findDimension(model, filter.dimension, `filters[${index}].dimension`);
    findLevel(dimension, filter.level, `filters[${index}].level`);
  });
  return { ...query, filters: [...withoutLevelFilters(query.filters, args.filters), ...args.filters] };
}

function withoutLevelFilters(filters: readonly Filter[], replacing: readonly LevelFilter[]): Filter[] {
  return filters.filter(
    (filter) =>
      !isLevelFilter(filter) ||
      !replacing.some((next) => next.dimension === filter.dimension && next.level === filter.level),
  );
}

/** Moves a grouped dimension to another level; orders naming the old level follow it. */
function renameLevel(query: CubeQuery, dimension: string, from: string, to: string): CubeQuery {
  const levels = Object.fromEntries(Object.entries(query.levels).map(([name, level]) => [name, name === dimension ? to : level]));
  const order = query.order.map((entry) => (entry.by === `${dimension}.${from}` ? { ...entry, by: `${dimension}.${to}` } : entry));
  const topN = query.topN?.dimension === `${dimension}.${from}` ? { ...query.topN, dimension } : query.topN;
  return { ...query, levels, order, ...(topN === undefined ? {} : { topN }) };
}

/** Rolls a dimension up to all; orders and a topN on it no longer apply. */
function dropDimension(query: CubeQuery, dimension: string): CubeQuery {
  const grouped = query.levels[dimension];
  const levels = Object.fromEntries(Object.entries(query.levels).filter(([name]) => name !== dimension));
  const names = new Set([dimension, `${dimension}.${grouped}`]);
  const { topN, ...rest } = query;
  return {
    ...rest,
    levels,
    order: query.order.filter((entry) => !names.has(entry.by)),
    ...(topN === undefined || names.has(topN.dimension) ? {} : { topN }),
  };
}

function findDimension(model: CubeModel, name: string, path = 'dimension'): DimensionModel {
  const dimension = model.dimensions.find((candidate) => candidate.name === name);
  if (dimension === undefined) {
    throw new CubeError('DIMENSION_UNKNOWN', `cube ${model.name} has no dimension "${name}"`, {
      path,
      hint: suggestion(name, model.dimensions.map((candidate) => candidate.name)),
    });
  }
  return dimension;
}

function findLevel(dimension: DimensionModel, name: string, path: string): void {
  if (!dimension.levels.some((level) => level.name === name)) {
    throw new CubeError('LEVEL_UNKNOWN', `dimension ${dimension.name} has no level "${name}"`, {
      path,
      hint: suggestion(name, dimension.levels.map((level) => level.name)),
    });
  }
}

function findHierarchy(dimension: DimensionModel, name: string): HierarchyModel {
  const hierarchy = dimension.hierarchies.find((candidate) => candidate.name === name);
  if (hierarchy === undefined) {
    throw new CubeError('OPERATION_INVALID', `dimension ${dimension.name} has no hierarchy "${name}"`, {
      path: 'hierarchy',
      hint: suggestion(name, dimension.hierarchies.map((candidate) => candidate.name)),
    });
  }
  return hierarchy;
}

/** The named hierarchy (which must hold `level`), or the first holding `level` that `accepts` its position. */
function hierarchyAt(
  dimension: DimensionModel,
  level: string,
  name: string | undefined,
  accepts: (levels: string[], at: number) => boolean,
): HierarchyModel | undefined {
  if (name !== undefined) {
    const hierarchy = findHierarchy(dimension, name);
    const at = hierarchy.levels.indexOf(level);
    if (at < 0) {
      throw new CubeError('OPERATION_INVALID', `hierarchy ${name} of ${dimension.name} has no level ${level}`, {
        path: 'hierarchy',
        hint: `levels of ${name}: ${hierarchy.levels.join(', ')}`,
      });
    }
    return accepts(hierarchy.levels, at) ? hierarchy : undefined;
  }
  return dimension.hierarchies.find((hierarchy) => {
    const at = hierarchy.levels.indexOf(level);
    return at >= 0 && accepts(hierarchy.levels, at);
  });
}
