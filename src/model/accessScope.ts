import { CubeError } from '../errors.ts';
import { isLevelFilter, parseMeasureRef, type CubeQuery, type Filter } from './query.ts';
import type { CubeModel, RoleModel } from './types.ts';

/** A verified caller: who it is, its role, and the claims its credential carries. */
export interface AccessScope {
  principal: string;
  role: string;
  claims: Readonly<Record<string, unknown>>;
}

/** What a scope may see of one cube. */
export interface Restriction {
  role: string;
  /** Rows are limited to these members of these levels (all rules at once). */
  rows: Array<{ dimension: string; level: string; members: string[] }>;
  hiddenMeasures: ReadonlySet<string>;
  hiddenDimensions: ReadonlySet<string>;
}

/**
 * The restriction a scope puts on a cube; null when it sees everything (no scope: an
 * open server, or a cube without security). A role the cube does not list, or a
 * credential missing a claim a rule needs, may not query the cube at all: a missing
 * claim must never widen what a role sees.
 */
export function restrictionOf(model: CubeModel, scope: AccessScope | null): Restriction | null {
  if (scope === null) return null;
  const role = roleOf(model, scope);
  if (role === null) return null;
  return {
    role: role.name,
    rows: role.rows.map((rule) => ({ dimension: rule.dimension, level: rule.level, members: claimMembers(scope, role, rule.claim) })),
    hiddenMeasures: new Set(role.hiddenMeasures),
    hiddenDimensions: new Set(role.hiddenDimensions),
  };
}

/**
 * The role a scope has on a cube; null when it sees everything (no scope, or a cube
 * without security). ACCESS_DENIED when the cube does not list the role. Unlike
 * restrictionOf it reads no claim: what a role may see of a cube's description does not
 * depend on its rows.
 */
export function roleOf(model: CubeModel, scope: AccessScope | null): RoleModel | null {
  if (scope === null || model.security === undefined) return null;
  const role = model.security.roles.find((candidate) => candidate.name === scope.role);
  if (role === undefined) throw denied(`role "${scope.role}" has no access to cube ${model.name}`, 'cube');
  return role;
}

/** Whether a cube may be listed to a scope at all. */
export function canSee(model: CubeModel, scope: AccessScope | null): boolean {
  return scope === null || model.security === undefined || model.security.roles.some((role) => role.name === scope.role);
}

function claimMembers(scope: AccessScope, role: RoleModel, claim: string): string[] {
  const value = scope.claims[claim];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((member) => typeof member === 'string')) return value;
  throw denied(`role "${role.name}" needs the claim "${claim}" (a member or a list of members) in the credential`, 'cube');
}

/** Refuses a query that names a hidden measure or dimension anywhere, with where it did. */
export function checkVisible(query: CubeQuery, restriction: Restriction): void {
  const measure = (ref: string, path: string) => {
    const { name } = parseMeasureRef(ref);
    if (restriction.hiddenMeasures.has(name)) throw denied(`measure "${name}" is hidden from role "${restriction.role}"`, path);
  };
  const dimension = (name: string, path: string) => checkDimensionVisible(name, restriction, path);
  query.measures.forEach((name, index) => measure(name, `measures[${index}]`));
  for (const name of Object.keys(query.levels)) dimension(name, `levels.${name}`);
  visitFilters(query.filters, 'filters', (name, path) => dimension(name, path));
  query.having.forEach((having, index) => measure(having.measure, `having[${index}].measure`));
  query.order.forEach((order, index) => {
    // An order names a measure or a grouped "dimension.level"; both kinds are checked.
    measure(order.by, `order[${index}].by`);
    dimension(order.by.split('.')[0]!, `order[${index}].by`);
  });
  if (query.topN !== undefined) {
    dimension(query.topN.dimension, 'topN.dimension');
    measure(query.topN.by, 'topN.by');
  }
}

/** Refuses a hidden dimension (a members listing's, or one a query names at `path`). */
export function checkDimensionVisible(dimension: string, restriction: Restriction, path = 'dimension'): void {
  if (restriction.hiddenDimensions.has(dimension)) {
    throw denied(`dimension "${dimension}" is hidden from role "${restriction.role}"`, path);
  }
}

function visitFilters(filters: readonly Filter[], path: string, visit: (dimension: string, path: string) => void): void {
  filters.forEach((filter, index) => {
    const at = `${path}[${index}]`;
    if (isLevelFilter(filter)) visit(filter.dimension, `${at}.dimension`);
    else if ('and' in filter) visitFilters(filter.and, `${at}.and`, visit);
    else visitFilters(filter.or, `${at}.or`, visit);
  });
}

function denied(message: string, path: string): CubeError {
  return new CubeError('ACCESS_DENIED', message, { path });
}
