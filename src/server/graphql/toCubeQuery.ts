import { CubeError } from '../../errors.ts';
import { MEMBER_OPS, type Filter, type Having, type LevelFilter, type MemberOp, type Order, type TopN } from '../../model/query.ts';

/**
 * The typed GraphQL arguments of a cube's entry point → the parts of a CubeQuery.
 * Names arrive already checked by the schema's enums; members are checked by the engine.
 */

export type MemberFilterArg = Partial<Record<MemberOp, string | null | (string | null)[] | null>>;
export interface WhereArg {
  and?: WhereArg[] | null;
  or?: WhereArg[] | null;
  [dimension: string]: Record<string, MemberFilterArg | null> | WhereArg[] | null | undefined;
}

const LIST_OPS = new Set<MemberOp>(['in', 'notIn', 'between']);

/** A where object: every condition in it must hold. */
export function whereToFilters(where: WhereArg | null | undefined, path = 'where'): Filter[] {
  if (where == null) return [];
  const filters: Filter[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value == null) continue;
    if (key === 'and' || key === 'or') {
      const parts = (value as WhereArg[]).map((part, index) => allOf(whereToFilters(part, `${path}.${key}[${index}]`)));
      filters.push(key === 'and' ? { and: parts } : { or: parts });
      continue;
    }
    for (const [level, filter] of Object.entries(value as Record<string, MemberFilterArg | null>)) {
      if (filter == null) continue;
      filters.push(...levelFilters(key, level, filter, `${path}.${key}.${level}`));
    }
  }
  return filters;
}

function allOf(filters: Filter[]): Filter {
  return filters.length === 1 ? filters[0]! : { and: filters };
}

function levelFilters(dimension: string, level: string, filter: MemberFilterArg, path: string): LevelFilter[] {
  const ops = MEMBER_OPS.filter((op) => op in filter);
  if (ops.length === 0) {
    throw new CubeError('FILTER_INVALID', `the filter on ${dimension}.${level} has no condition`, {
      path,
      hint: `use one of ${MEMBER_OPS.join(', ')}`,
    });
  }
  return ops.map((op) => {
    const value = filter[op];
    if (LIST_OPS.has(op)) {
      if (!Array.isArray(value)) {
        throw new CubeError('FILTER_INVALID', `${op} on ${dimension}.${level} takes a list of members`, { path: `${path}.${op}` });
      }
      return { dimension, level, op, values: value };
    }
    return { dimension, level, op, values: [value as string | null] };
  });
}

export interface OrderArg {
  measure?: string | null;
  variant?: string | null;
  dimension?: string | null;
  desc?: boolean | null;
}

export function measureRef(measure: string, variant: string | null | undefined): string {
  return variant == null ? measure : `${measure}:${variant}`;
}

export function orderToCubeOrder(orderBy: OrderArg[] | null | undefined): Order[] {
  return (orderBy ?? []).map((entry, index) => {
    const hasMeasure = entry.measure != null;
    if (hasMeasure === (entry.dimension != null)) {
      throw new CubeError('QUERY_INVALID', 'each orderBy entry names exactly one of measure or dimension', {
        path: `orderBy[${index}]`,
        hint: 'e.g. { measure: profit, desc: true } or { dimension: time }',
      });
    }
    const by = hasMeasure ? measureRef(entry.measure!, entry.variant) : entry.dimension!;
    return { by, desc: entry.desc ?? false };
  });
}

const HAVING_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between'] as const;
export type HavingArg = { measure: string; variant?: string | null } & Partial<Record<(typeof HAVING_OPS)[number], number | number[] | null>>;

export function havingToCubeHaving(having: HavingArg[] | null | undefined): Having[] {
  return (having ?? []).flatMap((entry, index) => {
    const ops = HAVING_OPS.filter((op) => entry[op] != null);
    if (ops.length === 0) {
      throw new CubeError('QUERY_INVALID', `having[${index}] on ${entry.measure} has no condition`, {
        path: `having[${index}]`,
        hint: `use one of ${HAVING_OPS.join(', ')}`,
      });
    }
    const measure = measureRef(entry.measure, entry.variant);
    return ops.map((op): Having => {
      const value = entry[op]!;
      return { measure, op, values: Array.isArray(value) ? value : [value] };
    });
  });
}

export interface TopNArg {
  dimension: string;
  n: number;
  by: string;
  variant?: string | null;
  desc?: boolean | null;
  others?: boolean | null;
}

export function topNToCubeTopN(topN: TopNArg | null | undefined): TopN | undefined {
  if (topN == null) return undefined;
  return {
    dimension: topN.dimension,
    n: topN.n,
    by: measureRef(topN.by, topN.variant),
    desc: topN.desc ?? true,
    others: topN.others ?? true,
  };
}
