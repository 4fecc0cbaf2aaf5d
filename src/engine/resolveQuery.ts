import { suggestion } from '../model/closest.ts';
import { baseMeasures, formulaMeasures } from '../model/formula.ts';
import { MEASURE_VARIANTS, parseMeasureRef, type CubeQuery, type Having, type MeasureVariant } from '../model/query.ts';
import type { DimensionModel, MeasureModel } from '../model/types.ts';
import { CubeError } from '../errors.ts';
import type { LevelIndex } from './levelIndex.ts';
import type { LoadedCube } from './loadedCube.ts';
import { resolveLevel, validateFilters } from './validateFilters.ts';

/**
 * A CubeQuery checked against its cube and resolved to indexes: the form both
 * answering paths consume. Every name the user wrote is checked here, once, with a
 * path and a did-you-mean hint; later stages trust it.
 */
export interface GroupedLevel {
  dimension: DimensionModel;
  index: LevelIndex;
}

export interface RequestedMeasure {
  /** As requested: "profit" or "profit:pctOfTotal". */
  ref: string;
  measure: MeasureModel;
  variant: MeasureVariant | undefined;
}

export type ResolvedOrder =
  | { kind: 'measure'; column: number; desc: boolean }
  | { kind: 'level'; group: number; desc: boolean };

export interface ResolvedHaving {
  column: number;
  op: Having['op'];
  values: number[];
}

export interface ResolvedTopN {
  group: number;
  n: number;
  column: number;
  desc: boolean;
  others: boolean;
}

export interface ResolvedQuery {
  query: CubeQuery;
  /** Grouped levels in query order. */
  groups: GroupedLevel[];
  /** Requested measures, one result column each. */
  measures: RequestedMeasure[];
  /** Non-calculated measures the answer needs (calculated measures' operands included), model order. */
  base: MeasureModel[];
  order: ResolvedOrder[];
  having: ResolvedHaving[];
  topN: ResolvedTopN | undefined;
  /** The grand total is needed (totals row or a pctOfTotal measure). */
  needsTotal: boolean;
  /**
   * A pctOfParent measure is needed: the last group's parent level (first hierarchy),
   * or null when it is at its top level and its parent is "all".
   */
  parentLevel: LevelIndex | null | undefined;
  /** Base measures needed above the query's grain (for totals or shares). */
  recombined: Set<string>;
}

export function resolveQuery(cube: LoadedCube, query: CubeQuery): ResolvedQuery {
  const groups = Object.entries(query.levels).map(([dimension, level]): GroupedLevel => {
    const index = resolveLevel(cube, dimension, level, `levels.${dimension}`, `levels.${dimension}`);
    return { dimension: index.dimension, index };
  });
  const measures = resolveMeasures(cube, query.measures);
  validateFilters(cube, query.filters, 'filters');

  const base = new Set<string>();
  const recombined = new Set<string>();
  for (const { measure, variant } of measures) {
    const needed = baseMeasuresOf(cube, measure);
    needed.forEach((name) => base.add(name));
    if (variant !== undefined || query.totals) needed.forEach((name) => recombined.add(name));
  }

  const last = groups.at(-1);
  const parentName = last === undefined ? undefined : last.dimension.parents[last.index.level.name]?.[0];
  const wantsParent = measures.some((measure) => measure.variant === 'pctOfParent');
  return {
    query,
    groups,
    measures,
    base: cube.data.model.measures.filter((measure) => base.has(measure.name)),
    order: query.order.map((order, index) => resolveOrder(groups, measures, order.by, order.desc, `order[${index}].by`)),
    having: query.having.map((having, index) => ({
      column: measureColumn(measures, having.measure, `having[${index}].measure`),
      op: having.op,
      values: checkedHavingValues(having, `having[${index}].values`),
    })),
    topN: query.topN === undefined ? undefined : resolveTopN(groups, measures, query.topN),
    needsTotal: query.totals || measures.some((measure) => measure.variant === 'pctOfTotal'),
    parentLevel: !wantsParent ? undefined : parentName === undefined ? null : cube.level(last!.dimension, parentName),
    recombined,
  };
}

function resolveMeasures(cube: LoadedCube, refs: readonly string[]): RequestedMeasure[] {
  const seen = new Set<string>();
  return refs.map((ref, index) => {
    const path = `measures[${index}]`;
    if (seen.has(ref)) throw new CubeError('QUERY_INVALID', `measure "${ref}" is requested twice`, { path });
    seen.add(ref);
    const { name, variant } = parseMeasureRef(ref);
    const measure = cube.measure(name);
    if (measure === undefined) {
      throw new CubeError('MEASURE_UNKNOWN', `cube ${cube.name} has no measure "${name}"`, {
        path,
        hint: suggestion(name, cube.data.model.measures.map((candidate) => candidate.name)),
      });
    }
    if (variant !== undefined && !MEASURE_VARIANTS.includes(variant)) {
      throw new CubeError('QUERY_INVALID', `"${variant}" is not a measure variant`, {
        path,
        hint: `write ${MEASURE_VARIANTS.map((known) => `${name}:${known}`).join(' or ')}`,
      });
    }
    return { ref, measure, variant };
  });
}

/** Names of the non-calculated measures a measure is computed from (itself when it is one). */
function baseMeasuresOf(cube: LoadedCube, measure: MeasureModel): Set<string> {
  const measureNamed = (name: string) => {
    const operand = cube.measure(name);
    if (operand === undefined) throw new Error(`a formula of ${measure.name} names unknown measure ${name}`);
    return operand;
  };
  return baseMeasures(measure, measureNamed, (calculated) => formulaMeasures(cube.formula(calculated)));
}

function measureColumn(measures: readonly RequestedMeasure[], ref: string, path: string): number {
  const column = measures.findIndex((measure) => measure.ref === ref);
  if (column < 0) {
    throw new CubeError('QUERY_INVALID', `"${ref}" is not one of the requested measures`, {
      path,
      hint: suggestion(ref, measures.map((measure) => measure.ref)),
    });
  }
  return column;
}

function groupOf(groups: readonly GroupedLevel[], name: string): number {
  return groups.findIndex((group) => group.dimension.name === name || group.index.key === name);
}

function resolveOrder(
  groups: readonly GroupedLevel[],
  measures: readonly RequestedMeasure[],
  by: string,
  desc: boolean,
  path: string,
): ResolvedOrder {
  const group = groupOf(groups, by);
  if (group >= 0) return { kind: 'level', group, desc };
  if (measures.some((measure) => measure.ref === by)) return { kind: 'measure', column: measureColumn(measures, by, path), desc };
  throw new CubeError('QUERY_INVALID', `cannot order by "${by}": it is neither a requested measure nor a grouped level`, {
    path,
    hint: suggestion(by, [...measures.map((measure) => measure.ref), ...groups.map((group) => group.index.key)]),
  });
}

function checkedHavingValues(having: Having, path: string): number[] {
  const arity = having.op === 'between' ? 2 : 1;
  if (having.values.length !== arity) {
    throw new CubeError('QUERY_INVALID', `having ${having.op} takes ${arity} value${arity === 1 ? '' : 's'}`, { path });
  }
  return having.values;
}

function resolveTopN(
  groups: readonly GroupedLevel[],
  measures: readonly RequestedMeasure[],
  topN: NonNullable<CubeQuery['topN']>,
): ResolvedTopN {
  const group = groupOf(groups, topN.dimension);
  if (group < 0) {
    throw new CubeError('QUERY_INVALID', `topN ranks members of a grouped dimension; "${topN.dimension}" is not grouped`, {
      path: 'topN.dimension',
      hint: suggestion(topN.dimension, groups.map((candidate) => candidate.dimension.name)),
    });
  }
  return {
    group,
    n: topN.n,
    column: measureColumn(measures, topN.by, 'topN.by'),
    desc: topN.desc,
    others: topN.others,
  };
}
