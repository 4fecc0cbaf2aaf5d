import type { CubeModel, CuboidLevels } from './types.ts';

/**
 * A built cube as the store writes it and the engine reads it. The manifest is the
 * on-disk contract (documented in the README); CubeData is the same cube in memory.
 */

export const MANIFEST_FORMAT = 1;

export interface ManifestLevel {
  dimension: string;
  level: string;
  /** Number of members (codes 0 … members-1, in the level's natural order). */
  members: number;
  /** Arrow IPC file with one nullable Utf8 column `member`, row i = code i. */
  file: string;
}

export interface ManifestParentMap {
  dimension: string;
  child: string;
  parent: string;
  /** Arrow IPC file with one Int32 column `parent`, row i = parent code of child code i. */
  file: string;
}

export interface ManifestCuboid {
  name: string;
  /** dimension → level; absent dimensions are rolled up to "all". */
  levels: CuboidLevels;
  rows: number;
  estimatedRows: number;
  /** Why the planner chose it ("explicit", "security: role …", "auto: benefit …"). */
  reason: string;
  /**
   * Partial columns the file holds. Exact distinct counts are kept only in some cuboids
   * (see src/plan/heldPartials.ts); manifests written before this field hold every partial.
   */
  partials: string[];
  /** Arrow IPC file: one Int32 code column per grouped dimension (named after it), then partials. */
  file: string;
  bytes: number;
  /**
   * Grouped dimensions the rows are sorted by (by their codes), major first. Manifests
   * written before this field are sorted by the grouped dimensions in model order.
   */
  sortedBy: string[];
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  cube: string;
  version: string;
  /** CubeModel.hash of the definition this version was built from. */
  definitionHash: string;
  builtAt: string;
  buildSeconds: number;
  sourceRows: number;
  /** The normalised model, so a version can be served even if its definition changed since. */
  model: CubeModel;
  levels: ManifestLevel[];
  parentMaps: ManifestParentMap[];
  cuboids: ManifestCuboid[];
  /** sha256 (hex) of every file of the version, by path relative to the version folder. */
  checksums: Record<string, string>;
}

export interface CuboidData {
  name: string;
  levels: CuboidLevels;
  rows: number;
  /** dimension → member codes of the cuboid's level, one per row. */
  codes: Record<string, Int32Array>;
  /** partial column → values, one per row (`period` partials hold codes of the finest time level). */
  partials: Record<string, Float64Array>;
  /** HLL partial column → registers, rows × HLL_REGISTERS bytes, row-major. */
  registers: Record<string, Uint8Array>;
  /** Grouped dimensions the rows are sorted by, major first (a claim: the engine checks it once before relying on it). */
  sortedBy: string[];
}

export interface CubeData {
  model: CubeModel;
  version: string;
  builtAt: string;
  /** levelKey ("dimension.level") → members in code order. */
  dictionaries: Record<string, (string | null)[]>;
  /** "dimension.child>parent" → parent code of each child code. */
  parentMaps: Record<string, Int32Array>;
  cuboids: CuboidData[];
}

export function parentMapKey(dimension: string, child: string, parent: string): string {
  return `${dimension}.${child}>${parent}`;
}
