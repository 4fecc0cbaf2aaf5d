import type { MeasureModel } from './types.ts';

/**
 * How each aggregate splits into stored partials and recombines. A cuboid never
 * stores a finished average or ratio: only partials that fold exactly (or, for
 * HLL registers, approximately) when cells are merged.
 *
 * - sum, count, min, max fold as themselves;
 * - avg stores sum and count;
 * - a semi-additive measure stores the value summed over its cell's last period
 *   (`last`) with that period's code (`period`): folding keeps the latest period and
 *   sums the values that share it, so any roll-up stays exact;
 * - approximate distinct stores mergeable HLL registers;
 * - exact distinct cannot fold: a cuboid answers it only at exactly the query's grain.
 */
export type PartialRole = 'sum' | 'count' | 'min' | 'max' | 'last' | 'period' | 'hll' | 'distinct';

export type Fold = 'sum' | 'min' | 'max' | 'last' | 'hll' | 'none';

export interface PartialSpec {
  measure: string;
  role: PartialRole;
  /** Column name in a cuboid's Arrow table. */
  column: string;
  fold: Fold;
}

const FOLD_OF_ROLE: Record<PartialRole, Fold> = {
  sum: 'sum',
  count: 'sum',
  min: 'min',
  max: 'max',
  last: 'last',
  period: 'last',
  hll: 'hll',
  distinct: 'none',
};

/** HLL precision: 2^10 registers, standard error 1.04/sqrt(1024) ≈ 3.25%. */
export const HLL_PRECISION = 10;
export const HLL_REGISTERS = 1 << HLL_PRECISION;
export const HLL_RELATIVE_ERROR = 1.04 / Math.sqrt(HLL_REGISTERS);

function partialRoles(measure: MeasureModel): PartialRole[] {
  switch (measure.agg) {
    case 'sum':
      return measure.semiAdditive ? ['last', 'period'] : ['sum'];
    case 'count':
      return ['count'];
    case 'min':
      return ['min'];
    case 'max':
      return ['max'];
    case 'avg':
      return ['sum', 'count'];
    case 'count_distinct':
      return ['distinct'];
    case 'count_distinct_approx':
      return ['hll'];
    case 'calculated':
      return [];
  }
}

export function partialColumn(measure: string, role: PartialRole): string {
  return `${measure}__${role}`;
}

export function partialsOf(measure: MeasureModel): PartialSpec[] {
  return partialRoles(measure).map((role) => ({
    measure: measure.name,
    role,
    column: partialColumn(measure.name, role),
    fold: FOLD_OF_ROLE[role],
  }));
}

/** Every partial a cube's cuboids store, in a stable order. */
export function cubePartials(measures: readonly MeasureModel[]): PartialSpec[] {
  return measures.flatMap(partialsOf);
}
