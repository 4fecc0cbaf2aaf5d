import { levelKey, type CubeModel, type CuboidLevels } from '../model/types.ts';
import type { PlanStats } from './types.ts';

/**
 * Expected number of cells of a cuboid: N rows thrown into D possible cells
 * (D = product of its levels' member counts) fill D·(1 − (1 − 1/D)^N) of them
 * (Cardenas 1975). Never more than min(N, D); closer to the truth when D ≈ N.
 */
export function estimateRows(model: CubeModel, levels: CuboidLevels, stats: PlanStats): number {
  const rows = stats.sourceRows;
  if (rows <= 0) return 0;
  let cells = 1;
  for (const dimension of model.dimensions) {
    const level = levels[dimension.name];
    if (level !== undefined) cells *= Math.max(1, stats.cardinality[levelKey(dimension.name, level)] ?? rows);
  }
  if (cells <= 1) return 1;
  return Math.max(1, Math.round(-cells * Math.expm1(rows * Math.log1p(-1 / cells))));
}
