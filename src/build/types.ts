import type { CuboidLevels } from '../model/types.ts';
import type { CuboidPlan } from '../plan/types.ts';

export interface BuildOptions {
  /** Folder holding cubes/<cube>/<version>/. */
  cubesDir: string;
  onProgress?: (event: BuildProgress) => void;
}

/** Build progress, in order: validate, dictionaries, plan, scan, cuboid × n, write, done. */
export type BuildProgress =
  | { cube: string; phase: 'validate' | 'dictionaries' | 'scan' | 'write' }
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
