import type { ExplainEntry } from '../plan/route.ts';

export type { ExplainEntry } from '../plan/route.ts';

/**
 * The answer to a CubeQuery, the same shape whichever path (cuboid or source) computed it.
 *
 * Semantics worth knowing:
 * - `pctOfTotal` = value / the same measure over every row the filters keep (having,
 *   topN and limit do not change the denominator); `pctOfParent` = value / the value of
 *   the same row with the LAST grouped dimension (last key of `query.levels`) rolled up
 *   one level along its first hierarchy, or to all from its top level. Null when the
 *   denominator is 0 or null; the "Others" row of a topN has no parent (null).
 * - `totals` is the grand total over every row the filters keep, like the pctOfTotal
 *   denominator; pct variants of the totals row are 1 (the total is its own parent).
 * - A query grouping nothing answers exactly one row, even when no row matches.
 * - An exact distinct count cannot be recombined from cells, so the "Others" row of a
 *   topN holds null for it.
 */
export interface ResultColumn {
  name: string;
  kind: 'level' | 'measure';
  type: 'string' | 'number';
  dimension?: string;
  level?: string;
  measure?: string;
  /**
   * How finished values of this measure column combine across rows into an exact
   * subtotal (sums add up, minima take the min, maxima the max); absent when they do not
   * (averages, distinct counts, formulas, shares, semi-additive balances). Used by `pivot`.
   */
  combine?: 'sum' | 'min' | 'max';
}

export interface QueryMeta {
  source: 'cuboid' | 'source';
  cuboid: string | null;
  cubeVersion: string;
  exact: boolean;
  elapsedMs: number;
  rowsScanned: number;
  cached: boolean;
}

export type ResultValue = string | number | null;

export interface QueryResult {
  /** Grouped levels ("dimension.level") in query order, then measures as requested ("profit:pctOfTotal"). */
  columns: ResultColumn[];
  /** Members as strings (null = the NULL member; "Others" for a topN's folded rest); measures as numbers or null. */
  rows: Array<Record<string, ResultValue>>;
  /** Grand total over every row the filters keep (when `query.totals`). */
  totals?: Record<string, number | null>;
  /** Row count before offset/limit (after having and topN). */
  total: number;
  meta: QueryMeta;
  explain?: ExplainEntry[];
}

/** The member name of a topN's folded rest. */
export const OTHERS_MEMBER = 'Others';
