/**
 * CubeModel: what a cube is, after its definition has been parsed, validated and
 * normalised. Plain serialisable data; every later stage (plan, build, store, engine,
 * server) reads this and nothing else of the definition file.
 */

/** How members of a level compare: drives dictionary order, so code order = natural order. */
export type LevelOrder = 'text' | 'numeric' | 'time';

export const TIME_GRAINS = ['year', 'quarter', 'month', 'week', 'day'] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];

export interface LevelModel {
  name: string;
  /** SQL expression over the joined source (aliases from the source and its joins). */
  expr: string;
  /** SQL expression whose order is the level's natural order (the raw column for numbers). */
  sortExpr: string;
  order: LevelOrder;
  /** Set for levels derived from a date column. */
  grain?: TimeGrain;
}

export interface HierarchyModel {
  name: string;
  /** Level names, coarse to fine. */
  levels: string[];
}

export interface DimensionModel {
  name: string;
  levels: LevelModel[];
  hierarchies: HierarchyModel[];
  /** The finest level: its member determines every other level's member of this dimension. */
  finest: string;
  /**
   * For each level, its direct parents (one per hierarchy it is not the top of).
   * A level "rolls up to" every level reachable through this relation.
   */
  parents: Record<string, string[]>;
  isTime: boolean;
}

export const AGGREGATES = [
  'sum',
  'count',
  'min',
  'max',
  'avg',
  'count_distinct',
  'count_distinct_approx',
  'calculated',
] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export interface SemiAdditive {
  /** The dimension over which the measure is not summed (normally time). */
  dimension: string;
  /** Which period's value stands for a cell: the last one present in the cell. */
  use: 'last';
}

export interface MeasureModel {
  name: string;
  agg: Aggregate;
  /** SQL expression over the joined source; absent for count(*) and calculated measures. */
  expr?: string;
  /** Calculated measures: an arithmetic formula over other measures' names. */
  formula?: string;
  /** Measures referenced by the formula (calculated only). */
  dependsOn?: string[];
  semiAdditive?: SemiAdditive;
  /** Display format hint for front ends (e.g. "0.00", "percent"). */
  format?: string;
  description?: string;
}

export type SourceModel =
  | { kind: 'table'; database: string; table: string; alias: string }
  | { kind: 'sql'; database: string; sql: string; alias: string }
  | { kind: 'parquet' | 'csv'; path: string; alias: string };

export type JoinModel =
  | { kind: 'table'; table: string; alias: string; on: string }
  | { kind: 'parquet' | 'csv'; path: string; alias: string; on: string };

/** A cuboid chosen by the definition: a level per dimension; absent dimensions are "all". */
export type CuboidLevels = Record<string, string>;

/** A cuboid the definition lists: its levels, and the base measures it holds when not all. */
export interface ExplicitCuboid {
  levels: CuboidLevels;
  /** Base (non-calculated) measures whose partials it stores; absent: every measure. */
  measures?: string[];
}

export interface AggregationPolicy {
  /** Cuboids listed explicitly in the definition (always built). */
  cuboids: ExplicitCuboid[];
  /** Whether to add cuboids chosen automatically under `rowBudget`. */
  auto: boolean;
  /** Total rows the automatically chosen cuboids may hold. */
  rowBudget: number;
  /** Dimensions every automatically chosen cuboid groups by (Kylin "mandatory"). */
  mandatory: string[];
  /** Groups of dimensions that are grouped together or not at all (Kylin "joint"). */
  joint: string[][];
  /**
   * Dimensions whose levels are only materialised along their first hierarchy
   * (Kylin "hierarchy"): other hierarchies' levels are answered by roll-up or fallback.
   */
  hierarchy: string[];
  /** Upper bound on how many cuboids automatic selection may choose. */
  maxCuboids: number;
}

export interface CubeModel {
  name: string;
  title?: string;
  description?: string;
  /** Definition file the cube came from (for error messages). */
  file: string;
  /** sha256 of the cube's normalised model: content-addresses what is built from it. */
  hash: string;
  source: SourceModel;
  joins: JoinModel[];
  dimensions: DimensionModel[];
  measures: MeasureModel[];
  aggregation: AggregationPolicy;
  /** Who may see what; absent: every caller sees the whole cube. */
  security?: SecurityModel;
}

/** A level whose members a role sees only as far as a credential's claim lists them. */
export interface RowRule {
  dimension: string;
  level: string;
  /** Claim holding the member (a string) or members (an array of strings). */
  claim: string;
}

export interface RoleModel {
  name: string;
  /** Every rule applies (their intersection); none: the role sees every row. */
  rows: RowRule[];
  /** Includes the calculated measures whose formula needs a hidden one. */
  hiddenMeasures: string[];
  hiddenDimensions: string[];
}

export interface SecurityModel {
  /** Only these roles may query the cube. */
  roles: RoleModel[];
}

/** Key of a level across a cube: "dimension.level". */
export function levelKey(dimension: string, level: string): string {
  return `${dimension}.${level}`;
}
