import { CubeError } from '../../errors.ts';
import type { CubeData } from '../../model/data.ts';
import { MEMBER_OPS, NAMING_OPS, type Filter, type Having, type LevelFilter, type MemberOp, type Order, type TopN } from '../../model/query.ts';
import { levelKey } from '../../model/types.ts';

/**
 * The typed GraphQL arguments of a cube's entry point → the parts of a CubeQuery.
 * Names arrive already checked by the schema's enums; members are checked by the engine.
 */

/** A member as the typed inputs give it: text (text and time levels), a number (numeric levels) or null (the NULL member). */
export type MemberArg = string | number | null;
export type MemberFilterArg = Partial<Record<MemberOp, MemberArg | MemberArg[] | null>>;
export interface WhereArg {
  and?: WhereArg[] | null;
  or?: WhereArg[] | null;
  [dimension: string]: Record<string, MemberFilterArg | null> | WhereArg[] | null | undefined;
}

/** A typed member → the member text a CubeQuery carries, for an op on dimension.level. */
export type MemberText = (dimension: string, level: string, op: MemberOp, member: MemberArg) => string | null;

const LIST_OPS = new Set<MemberOp>(['in', 'notIn', 'between']);

/** A where object: every condition in it must hold. */
export function whereToFilters(where: WhereArg | null | undefined, memberText: MemberText, path = 'where'): Filter[] {
  if (where == null) return [];
  const filters: Filter[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value == null) continue;
    if (key === 'and' || key === 'or') {
      const parts = (value as WhereArg[]).map((part, index) => allOf(whereToFilters(part, memberText, `${path}.${key}[${index}]`)));
      filters.push(key === 'and' ? { and: parts } : { or: parts });
      continue;
    }
    for (const [level, filter] of Object.entries(value as Record<string, MemberFilterArg | null>)) {
      if (filter == null) continue;
      filters.push(...levelFilters(key, level, filter, memberText, `${path}.${key}.${level}`));
    }
  }
  return filters;
}

function allOf(filters: Filter[]): Filter {
  return filters.length === 1 ? filters[0]! : { and: filters };
}

function levelFilters(dimension: string, level: string, filter: MemberFilterArg, memberText: MemberText, path: string): LevelFilter[] {
  const ops = MEMBER_OPS.filter((op) => op in filter);
  if (ops.length === 0) {
    throw new CubeError('FILTER_INVALID', `the filter on ${dimension}.${level} has no condition`, {
      path,
      hint: 'give at least one condition, e.g. eq or in',
    });
  }
  return ops.map((op) => {
    const value = filter[op];
    if (LIST_OPS.has(op)) {
      if (!Array.isArray(value)) {
        throw new CubeError('FILTER_INVALID', `${op} on ${dimension}.${level} takes a list of members`, { path: `${path}.${op}` });
      }
      return { dimension, level, op, values: value.map((member) => memberText(dimension, level, op, member)) };
    }
    return { dimension, level, op, values: [memberText(dimension, level, op, value as MemberArg)] };
  });
}

/** A numeric level's members by value, built once per dictionary. */
const membersByValue = new WeakMap<readonly (string | null)[], Map<number, string>>();

/**
 * Member texts for the typed members of a cube (its current version): a number naming
 * a member becomes that member's text (3 → "3.00"), one that names none its own text,
 * so the engine reports it as unknown with the closest members; a number compared in
 * a range keeps its own text. Strings and null are member texts already.
 */
export function cubeMemberText(cube: () => CubeData): MemberText {
  return (dimension, level, op, member) => {
    if (typeof member !== 'number') return member;
    const dictionary = NAMING_OPS.has(op) ? cube().dictionaries[levelKey(dimension, level)] : undefined;
    if (dictionary === undefined) return String(member);
    let byValue = membersByValue.get(dictionary);
    if (byValue === undefined) {
      byValue = new Map();
      for (const text of dictionary) {
        const value = text === null || text.trim() === '' ? NaN : Number(text);
        if (!Number.isNaN(value) && !byValue.has(value)) byValue.set(value, text!);
      }
      membersByValue.set(dictionary, byValue);
    }
    return byValue.get(member) ?? String(member);
  };
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
