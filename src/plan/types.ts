import type { CuboidLevels } from '../model/types.ts';

/**
 * CuboidPlan: which level-combinations a build materialises, and why. Plain data
 * between the planner and the build (which copies it into the manifest).
 */

/** What the planner knows about the data: row count and members per level. */
export interface PlanStats {
  sourceRows: number;
  /** levelKey ("dimension.level") → number of members (the NULL member included). */
  cardinality: Record<string, number>;
}

export interface PlannedCuboid {
  /** Stable readable name: "region.province+time.month" in model dimension order, "apex" for all. */
  name: string;
  /** dimension → level; absent dimensions are rolled up to "all". */
  levels: CuboidLevels;
  estimatedRows: number;
  /** "explicit", "security: role …", or "auto: benefit … rows / … rows". */
  reason: string;
  /** Partial columns it stores, in cube order (see heldPartials: not every cuboid stores exact distinct counts). */
  partials: string[];
  /** Grouped dimensions its rows are sorted by, major first (see sortKeys). */
  sortedBy: string[];
}

export interface CuboidPlan {
  cuboids: PlannedCuboid[];
}
