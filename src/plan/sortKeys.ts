import { levelKey, type CubeModel, type CuboidLevels } from '../model/types.ts';
import type { PlanStats } from './types.ts';

/**
 * The order a cuboid's rows are stored in: its grouped dimensions by ascending members
 * of their level (ties in model order). The engine narrows a scan to the runs of rows
 * whose leading codes pass the filters (src/engine/sortedRanges.ts); with the smallest
 * levels leading, a filter on a tier or a region keeps a few long runs, and a filter
 * further down has the fewest runs above it to search through.
 */
export function sortKeys(model: CubeModel, levels: CuboidLevels, stats: PlanStats): string[] {
  const members = (dimension: string) => stats.cardinality[levelKey(dimension, levels[dimension]!)] ?? Infinity;
  return model.dimensions
    .filter((dimension) => levels[dimension.name] !== undefined)
    .map((dimension) => dimension.name)
    .sort((a, b) => members(a) - members(b));
}
