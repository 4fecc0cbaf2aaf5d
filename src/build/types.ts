import type { CuboidLevels } from '../model/types.ts';
import type { CuboidPlan } from '../plan/types.ts';

export interface BuildOptions {
  /** Folder holding cubes/<cube>/<version>/. */
  cubesDir: string;
  onProgress?: (event: BuildProgress) => void;
  /** How often a source scan reports the rows read so far (default PROGRESS_INTERVAL_MS). */
  progressIntervalMs?: number;
}

/**
 * Build progress, in order: validate, dictionaries, plan, scan, scanned × n, cuboid × n,
 * write, done. `scanned` counts the source rows each pass over the source has read
 * (the second pass only when listed cuboids hold exact distinct counts): 0 when the
 * pass starts, then as DuckDB reports (never above sourceRows), then sourceRows when
 * it ends. Grouping goes on after the last row is read, so a pass may report all its
 * rows read for a while before it ends.
 */
export type BuildProgress =
  | { cube: string; phase: 'validate' | 'dictionaries' | 'scan' | 'write' }
  | { cube: string; phase: 'scanned'; pass: number; passes: number; rowsRead: number; sourceRows: number }
  | { cube: string; phase: 'plan'; plan: CuboidPlan; sourceRows: number }
  | { cube: string; phase: 'cuboid'; name: string; index: number; total: number; rows: number }
  | { cube: string; phase: 'done'; summary: BuildSummary };

export interface CuboidSummary {
  name: string;
  levels: CuboidLevels;
  estimatedRows: number;
  rows: number;
  bytes: number;
  reason: string;
  /** Partial columns the cuboid stores. */
  partials: string[];
  /** Grouped dimensions its rows are sorted by, major first. */
  sortedBy: string[];
}

export interface BuildSummary {
  cube: string;
  version: string;
  sourceRows: number;
  cuboids: CuboidSummary[];
  /** Rows and bytes of all cuboids. */
  rows: number;
  bytes: number;
  seconds: number;
}
