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
  explain: ExplainEntry[];
}

export function routeQuery(model: CubeModel, request: RouteRequest, cuboids: readonly RouteCuboid[]): Route {
  const rejections = cuboids.map((cuboid) => rejection(model, request, cuboid));
  let best: RouteCuboid | undefined;
  if (!request.forceSource) {
    cuboids.forEach((cuboid, index) => {
      if (rejections[index] === undefined && (best === undefined || cuboid.rows < best.rows)) best = cuboid;
    });
  }
  const explain = cuboids.map((cuboid, index): ExplainEntry => {
    const reason = rejections[index];
    const covers = reason === undefined;
    const chosen = cuboid === best;
    return {
      cuboid: cuboid.name,
      rows: cuboid.rows,
      covers,
      chosen,
      reason: reason ?? coverReason(cuboid, best, request.forceSource),
    };
  });
  const approximate = request.partials.some((partial) => partial.role === 'hll');
  return { cuboid: best?.name ?? null, exact: best === undefined || !approximate, explain };
}

function coverReason(cuboid: RouteCuboid, best: RouteCuboid | undefined, forceSource: boolean): string {
  if (forceSource) return 'covers, but the query asked for route "source"';
  if (cuboid === best) return 'covers with the fewest rows';
  return `covers, but has more rows than ${best!.name} (${best!.rows})`;
}

/** Why a cuboid cannot answer the request exactly (or approximately, for HLL partials); undefined when it can. */
function rejection(model: CubeModel, request: RouteRequest, cuboid: RouteCuboid): string | undefined {
  for (const dimension of model.dimensions) {
    const held = cuboid.levels[dimension.name];
    const grouped = request.levels[dimension.name];
    const problem =
      (grouped === undefined ? undefined : levelProblem(dimension, held, grouped, 'the group level')) ??
      firstDefined(request.filterLevels[dimension.name] ?? [], (level) =>
        levelProblem(dimension, held, level, 'the filter on'),
      );
    if (problem !== undefined) return problem;
  }
  for (const partial of request.partials) {
    if (partial.fold === 'none') {
      const problem = exactDistinctProblem(model, request, cuboid, partial);
      if (problem !== undefined) return problem;
    } else if (!cuboid.columns.has(partial.column)) {
      return `lacks the partial ${partial.column} of ${partial.measure}`;
    }
  }
  return undefined;
}

/** An exact distinct count cannot be folded: only a cuboid whose cells are the query's cells, and that stores the count, answers it. */
function exactDistinctProblem(model: CubeModel, request: RouteRequest, cuboid: RouteCuboid, partial: PartialSpec): string | undefined {
  const differing = model.dimensions.find((dimension) => cuboid.levels[dimension.name] !== request.levels[dimension.name]);
  if (differing !== undefined) {
    const held = cuboid.levels[differing.name] ?? 'all';
    const grouped = request.levels[differing.name] ?? 'all';
    return `${partial.measure} is an exact distinct count: needs the query's grain, but ${differing.name} is at ${held}, not ${grouped}`;
  }
  if (request.recombined.has(partial.measure)) {
    return `${partial.measure} is an exact distinct count: cannot be recombined for totals or shares`;
  }
  if (!cuboid.columns.has(partial.column)) {
    return `${partial.measure} is an exact distinct count, which only the cuboids listed in the definition store; this one does not`;
  }
  return undefined;
}

function levelProblem(
  dimension: DimensionModel,
  held: string | undefined,
  wanted: string,
  what: 'the group level' | 'the filter on',
): string | undefined {
  const key = `${dimension.name}.${wanted}`;
  if (held === undefined) return `${dimension.name} at all cannot answer ${what} ${key}`;
  if (rollsUpTo(dimension, held, wanted)) return undefined;
  const relation = rollsUpTo(dimension, wanted, held) ? 'is coarser than' : 'does not roll up to';
  return `${dimension.name} at ${held} ${relation} ${what} ${key}`;
}

function firstDefined<T>(items: readonly T[], map: (item: T) => string | undefined): string | undefined {
  for (const item of items) {
    const value = map(item);
    if (value !== undefined) return value;
  }
  return undefined;
}
