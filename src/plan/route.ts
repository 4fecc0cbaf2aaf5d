import type { PartialSpec } from '../model/partials.ts';
import type { CubeModel, CuboidLevels, DimensionModel } from '../model/types.ts';
import { rollsUpTo } from './levels.ts';

/**
 * Routing: which cuboid answers a query. Pure: the engine describes the query's needs
 * and the cuboids it holds; this decides coverage, exactness and the smallest cover,
 * and says for every cuboid why it was or was not taken (the `explain` output).
 */

export interface RouteCuboid {
  name: string;
  /** dimension → level; absent dimensions are "all". */
  levels: CuboidLevels;
  rows: number;
  /** Partial columns the cuboid stores (value columns and HLL register columns). */
  columns: ReadonlySet<string>;
}

export interface RouteRequest {
  /** Grouped levels: dimension → level. */
  levels: CuboidLevels;
  /** dimension → every level a filter reads (at any depth of and/or groups). */
  filterLevels: Record<string, string[]>;
  /** Partials of every base measure the query needs, in their cuboid form. */
  partials: PartialSpec[];
  /**
   * Measures that must also be recombined above the query's grain (for totals, shares
   * of the total or of the parent). An exact distinct count cannot be, so a query needing
   * that goes to the source.
   */
  recombined: ReadonlySet<string>;
  /** The query asked for route "source". */
  forceSource: boolean;
}

export interface ExplainEntry {
  cuboid: string;
  rows: number;
  covers: boolean;
  chosen: boolean;
  reason: string;
}

export interface Route {
  /** The chosen cuboid, or null: answer from the source. */
  cuboid: string | null;
  /** False when an approximate partial (HLL) answers a distinct count. */
  exact: boolean;
  /** Built when first read: most queries never ask why, and the reasons are text for every cuboid. */
  readonly explain: ExplainEntry[];
}

/**
 * Why a cuboid cannot answer, put into words only when an explanation is read. Most
 * cuboids of most queries miss a level, so that case is plain data; the rarer ones
 * carry their words as a function.
 */
type Rejection = LevelRejection | (() => string);

interface LevelRejection {
  need: LevelNeed;
  held: string | undefined;
}

/** A level the request groups or filters by: a cuboid must hold one of the levels that roll up to it. */
interface LevelNeed {
  dimension: DimensionModel;
  level: string;
  what: 'the group level' | 'the filter on';
  coveredBy: ReadonlySet<string>;
}

export function routeQuery(model: CubeModel, request: RouteRequest, cuboids: readonly RouteCuboid[]): Route {
  // In model order, group level first, so a cuboid is rejected for its first problem in that order.
  const needs: LevelNeed[] = [];
  for (const dimension of model.dimensions) {
    const grouped = request.levels[dimension.name];
    if (grouped !== undefined) needs.push(levelNeed(dimension, grouped, 'the group level'));
    for (const level of request.filterLevels[dimension.name] ?? []) needs.push(levelNeed(dimension, level, 'the filter on'));
  }
  const rejections = cuboids.map((cuboid) => rejection(model, needs, request, cuboid));
  let best: RouteCuboid | undefined;
  if (!request.forceSource) {
    cuboids.forEach((cuboid, index) => {
      if (rejections[index] === undefined && (best === undefined || cuboid.rows < best.rows)) best = cuboid;
    });
  }
  const approximate = request.partials.some((partial) => partial.role === 'hll');
  let explain: ExplainEntry[] | undefined;
  return {
    cuboid: best?.name ?? null,
    exact: best === undefined || !approximate,
    get explain() {
      explain ??= cuboids.map((cuboid, index): ExplainEntry => {
        const reason = rejections[index];
        return {
          cuboid: cuboid.name,
          rows: cuboid.rows,
          covers: reason === undefined,
          chosen: cuboid === best,
          reason: reason === undefined ? coverReason(cuboid, best, request.forceSource) : reasonOf(reason),
        };
      });
      return explain;
    },
  };
}

function coverReason(cuboid: RouteCuboid, best: RouteCuboid | undefined, forceSource: boolean): string {
  if (forceSource) return 'covers, but the query asked for route "source"';
  if (cuboid === best) return 'covers with the fewest rows';
  return `covers, but has more rows than ${best!.name} (${best!.rows})`;
}

/** Why a cuboid cannot answer the request exactly (or approximately, for HLL partials); undefined when it can. */
function rejection(model: CubeModel, needs: readonly LevelNeed[], request: RouteRequest, cuboid: RouteCuboid): Rejection | undefined {
  for (const need of needs) {
    const held = cuboid.levels[need.dimension.name];
    if (held === undefined || !need.coveredBy.has(held)) return { need, held };
  }
  for (const partial of request.partials) {
    if (partial.fold === 'none') {
      const problem = exactDistinctProblem(model, request, cuboid, partial);
      if (problem !== undefined) return problem;
    } else if (!cuboid.columns.has(partial.column)) {
      return () => `lacks the partial ${partial.column} of ${partial.measure}`;
    }
  }
  return undefined;
}

/** An exact distinct count cannot be folded: only a cuboid whose cells are the query's cells, and that stores the count, answers it. */
function exactDistinctProblem(model: CubeModel, request: RouteRequest, cuboid: RouteCuboid, partial: PartialSpec): Rejection | undefined {
  const differing = model.dimensions.find((dimension) => cuboid.levels[dimension.name] !== request.levels[dimension.name]);
  if (differing !== undefined) {
    const held = cuboid.levels[differing.name] ?? 'all';
    const grouped = request.levels[differing.name] ?? 'all';
    return () => `${partial.measure} is an exact distinct count: needs the query's grain, but ${differing.name} is at ${held}, not ${grouped}`;
  }
  if (request.recombined.has(partial.measure)) {
    return () => `${partial.measure} is an exact distinct count: cannot be recombined for totals or shares`;
  }
  if (!cuboid.columns.has(partial.column)) {
    return () => `${partial.measure} is an exact distinct count, which only the cuboids listed in the definition store; this one does not`;
  }
  return undefined;
}

function reasonOf(rejection: Rejection): string {
  if (typeof rejection === 'function') return rejection();
  const { need: { dimension, level, what }, held } = rejection;
  const key = `${dimension.name}.${level}`;
  if (held === undefined) return `${dimension.name} at all cannot answer ${what} ${key}`;
  const relation = rollsUpTo(dimension, level, held) ? 'is coarser than' : 'does not roll up to';
  return `${dimension.name} at ${held} ${relation} ${what} ${key}`;
}

function levelNeed(dimension: DimensionModel, level: string, what: LevelNeed['what']): LevelNeed {
  return { dimension, level, what, coveredBy: levelsRollingUpTo(dimension, level) };
}

// Per dimension model, built once: routing asks this for every cuboid of every query.
const rollingUpTo = new WeakMap<DimensionModel, Map<string, ReadonlySet<string>>>();

/** The levels of a dimension that roll up to `level` (itself included). */
function levelsRollingUpTo(dimension: DimensionModel, level: string): ReadonlySet<string> {
  let byLevel = rollingUpTo.get(dimension);
  if (byLevel === undefined) {
    byLevel = new Map();
    rollingUpTo.set(dimension, byLevel);
  }
  let levels = byLevel.get(level);
  if (levels === undefined) {
    levels = new Set([level, ...dimension.levels.map((candidate) => candidate.name).filter((name) => rollsUpTo(dimension, name, level))]);
    byLevel.set(level, levels);
  }
  return levels;
}
