import { createHash } from 'node:crypto';
import { suggestion } from './closest.ts';
import { substituteEnv } from './substituteEnv.ts';
import type { CubeDefinition, DimensionDefinition } from './definitionSchema.ts';
import type { DefinitionIssue } from './definitionErrors.ts';
import { baseMeasures, FormulaSyntaxError, formulaMeasures, parseFormula } from './formula.ts';
import { timeHierarchies, timeLevel } from './timeLevels.ts';
import type {
  AggregationPolicy,
  CubeModel,
  CuboidLevels,
  DimensionModel,
  ExplicitCuboid,
  HierarchyModel,
  JoinModel,
  LevelModel,
  MeasureModel,
  RoleModel,
  RowRule,
  SecurityModel,
  SourceModel,
  TimeGrain,
} from './types.ts';

type Path = (string | number)[];

/**
 * A validated definition → CubeModel, checking what a schema cannot: names that
 * refer to each other, hierarchies, formulas. Problems are collected with their
 * paths rather than thrown one at a time, so a user fixes a file in one pass.
 */
export function normaliseCube(
  name: string,
  definition: CubeDefinition,
  file: string,
  env: NodeJS.ProcessEnv,
  issues: DefinitionIssue[],
): CubeModel {
  const at: Path = ['cubes', name];
  const report = (path: Path, message: string) => issues.push({ path: [...at, ...path], message });
  const substitute = (text: string, path: Path) => substituteEnv(text, env, (message) => report(path, message));

  const source = normaliseSource(definition.source, substitute, report);
  const joins = definition.joins.map((join, index) => normaliseJoin(join, index, source, substitute, report));
  checkAliases(source, joins, report);

  const dimensions = Object.entries(definition.dimensions).map(([dimension, body]) =>
    normaliseDimension(dimension, body, (path, message) => report(['dimensions', dimension, ...path], message)),
  );
  if (dimensions.length === 0) report(['dimensions'], 'a cube needs at least one dimension');

  const measures = normaliseMeasures(definition, dimensions, report);
  const aggregation = normaliseAggregation(definition, dimensions, measures, report);
  const security = definition.security && normaliseSecurity(definition.security, dimensions, measures, report);

  const body = {
    name,
    ...(definition.title === undefined ? {} : { title: definition.title }),
    ...(definition.description === undefined ? {} : { description: definition.description }),
    source,
    joins,
    dimensions,
    measures,
    aggregation,
    ...(security === undefined ? {} : { security }),
  };
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  return { ...body, file, hash };
}

type Report = (path: Path, message: string) => void;
type Substitute = (text: string, path: Path) => string;

function exactlyOne(record: object, keys: readonly string[]): string[] {
  return keys.filter((key) => (record as Record<string, unknown>)[key] !== undefined);
}

function normaliseSource(source: CubeDefinition['source'], substitute: Substitute, report: Report): SourceModel {
  const kinds = exactlyOne(source, ['table', 'sql', 'parquet', 'csv']);
  const alias = source.alias;
  if (kinds.length !== 1) {
    report(['source'], `expected exactly one of table, sql, parquet, csv (found ${kinds.length === 0 ? 'none' : kinds.join(', ')})`);
    return { kind: 'table', database: '', table: '', alias };
  }
  const kind = kinds[0] as 'table' | 'sql' | 'parquet' | 'csv';
  if (kind === 'table' || kind === 'sql') {
    if (source.database === undefined) {
      report(['source', 'database'], `required: a ${kind} source reads from a DuckDB database file`);
      return { kind: 'table', database: '', table: '', alias };
    }
    const database = substitute(source.database, ['source', 'database']);
    return kind === 'table'
      ? { kind, database, table: source.table!, alias }
      : { kind, database, sql: source.sql!, alias };
  }
  if (source.database !== undefined) report(['source', 'database'], `a ${kind} source reads files, not a database`);
  return { kind, path: substitute(source[kind]!, ['source', kind]), alias };
}

function normaliseJoin(
  join: CubeDefinition['joins'][number],
  index: number,
  source: SourceModel,
  substitute: Substitute,
  report: Report,
): JoinModel {
  const kinds = exactlyOne(join, ['table', 'parquet', 'csv']);
  const at: Path = ['joins', index];
  if (kinds.length !== 1) {
    report(at, `expected exactly one of table, parquet, csv (found ${kinds.length === 0 ? 'none' : kinds.join(', ')})`);
    return { kind: 'table', table: '', alias: join.alias, on: join.on };
  }
  const kind = kinds[0] as 'table' | 'parquet' | 'csv';
  if (kind === 'table') {
    if (source.kind !== 'table' && source.kind !== 'sql') {
      report([...at, 'table'], 'a table join needs the source to name a database; use parquet or csv here');
    }
    return { kind, table: join.table!, alias: join.alias, on: join.on };
  }
  return { kind, path: substitute(join[kind]!, [...at, kind]), alias: join.alias, on: join.on };
}

function checkAliases(source: SourceModel, joins: JoinModel[], report: Report): void {
  const seen = new Set([source.alias]);
  joins.forEach((join, index) => {
    if (seen.has(join.alias)) report(['joins', index, 'alias'], `alias "${join.alias}" is already used`);
    seen.add(join.alias);
  });
}

function normaliseDimension(name: string, body: DimensionDefinition, report: Report): DimensionModel {
  const levels = dimensionLevels(body, report);
  const levelNames = levels.map((level) => level.name);
  const hierarchies: HierarchyModel[] = body.hierarchies
    ? Object.entries(body.hierarchies).map(([hierarchy, names]) => ({ name: hierarchy, levels: names }))
    : body.date !== undefined
      ? timeHierarchies(levelNames as TimeGrain[])
      : [{ name, levels: levelNames }];

  const parents: Record<string, string[]> = Object.fromEntries(levelNames.map((level) => [level, []]));
  for (const hierarchy of hierarchies) {
    hierarchy.levels.forEach((level, index) => {
      const path: Path = ['hierarchies', hierarchy.name, index];
      if (!levelNames.includes(level)) return report(path, `unknown level "${level}"; ${suggestion(level, levelNames)}`);
      if (hierarchy.levels.indexOf(level) !== index) return report(path, `level "${level}" appears twice in hierarchy ${hierarchy.name}`);
      const parent = hierarchy.levels[index - 1];
      if (parent !== undefined && !parents[level]!.includes(parent)) parents[level]!.push(parent);
    });
  }
  const inHierarchy = new Set(hierarchies.flatMap((hierarchy) => hierarchy.levels));
  for (const level of levelNames) {
    if (!inHierarchy.has(level)) report(['levels', level], `level "${level}" is in no hierarchy`);
  }
  const finest = [...new Set(hierarchies.map((hierarchy) => hierarchy.levels[hierarchy.levels.length - 1]!))];
  if (finest.length > 1) {
    report(['hierarchies'], `every hierarchy must end at the same finest level (found ${finest.join(', ')})`);
  }
  if (hasCycle(parents)) report(['hierarchies'], 'hierarchies order levels in contradicting ways (a level is its own ancestor)');
  return { name, levels, hierarchies, finest: finest[0] ?? levelNames[0] ?? '', parents, isTime: body.date !== undefined };
}

function dimensionLevels(body: DimensionDefinition, report: Report): LevelModel[] {
  if (body.date !== undefined) {
    if (!Array.isArray(body.levels)) {
      report(['levels'], 'with `date`, levels is a list of time grains: year, quarter, month, week, day');
      return [];
    }
    const grains = [...new Set(body.levels)];
    if (grains.length === 0) report(['levels'], 'expected at least one time grain');
    return grains.map((grain) => timeLevel(grain, body.date!));
  }
  if (Array.isArray(body.levels)) {
    report(['levels'], 'time grains need `date:` (the date column they derive from); otherwise map level names to SQL');
    return [];
  }
  const entries = Object.entries(body.levels);
  if (entries.length === 0) report(['levels'], 'expected at least one level');
  return entries.map(([name, level]) =>
    typeof level === 'string'
      ? { name, expr: level, sortExpr: level, order: 'text' }
      : { name, expr: level.expr, sortExpr: level.sort ?? level.expr, order: level.order ?? 'text' },
  );
}

function hasCycle(parents: Record<string, string[]>): boolean {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (level: string): boolean => {
    if (state.get(level) === 'done') return false;
    if (state.get(level) === 'visiting') return true;
    state.set(level, 'visiting');
    const cyclic = (parents[level] ?? []).some(visit);
    state.set(level, 'done');
    return cyclic;
  };
  return Object.keys(parents).some(visit);
}

const NEEDS_EXPR = new Set(['sum', 'min', 'max', 'avg', 'count_distinct', 'count_distinct_approx']);

function normaliseMeasures(definition: CubeDefinition, dimensions: DimensionModel[], report: Report): MeasureModel[] {
  const names = Object.keys(definition.measures);
  if (names.length === 0) report(['measures'], 'a cube needs at least one measure');
  const measures = Object.entries(definition.measures).map(([name, body]): MeasureModel => {
    const at: Path = ['measures', name];
    const measure: MeasureModel = { name, agg: body.agg };
    for (const key of ['format', 'description'] as const) if (body[key] !== undefined) measure[key] = body[key];
    if (body.agg === 'calculated') {
      if (body.expr !== undefined) report([...at, 'expr'], 'a calculated measure has a formula, not an expr');
      if (body.formula === undefined) {
        report([...at, 'formula'], 'required: a calculated measure needs a formula over other measures, e.g. profit / amount');
        return measure;
      }
      measure.formula = body.formula;
      try {
        const referenced = [...formulaMeasures(parseFormula(body.formula))];
        for (const ref of referenced) {
          if (!names.includes(ref)) report([...at, 'formula'], `unknown measure "${ref}"; ${suggestion(ref, names)}`);
        }
        measure.dependsOn = referenced;
      } catch (error) {
        if (!(error instanceof FormulaSyntaxError)) throw error;
        report([...at, 'formula'], error.message);
      }
      return measure;
    }
    if (body.formula !== undefined) report([...at, 'formula'], `a formula needs agg: calculated (agg is ${body.agg})`);
    if (body.expr !== undefined) measure.expr = body.expr;
    else if (NEEDS_EXPR.has(body.agg)) report([...at, 'expr'], `required: agg ${body.agg} aggregates an SQL expression`);
    if (body.semiAdditive) {
      const dimension = body.semiAdditive.dimension;
      if (body.agg !== 'sum') report([...at, 'semiAdditive'], `semi-additive measures are sums over the other dimensions (agg is ${body.agg})`);
      if (!dimensions.some((candidate) => candidate.name === dimension)) {
        report([...at, 'semiAdditive', 'dimension'], `unknown dimension "${dimension}"; ${suggestion(dimension, dimensions.map((d) => d.name))}`);
      }
      measure.semiAdditive = { dimension, use: body.semiAdditive.use };
    }
    return measure;
  });
  checkFormulaCycles(measures, report);
  return measures;
}

function checkFormulaCycles(measures: MeasureModel[], report: Report): void {
  const byName = new Map(measures.map((measure) => [measure.name, measure]));
  const parents: Record<string, string[]> = Object.fromEntries(measures.map((m) => [m.name, (m.dependsOn ?? []).filter((d) => byName.has(d))]));
  for (const measure of measures) {
    if (measure.dependsOn && hasCycle(subgraph(parents, measure.name))) {
      report(['measures', measure.name, 'formula'], `formula of "${measure.name}" refers to itself through other measures`);
    }
  }
}

function subgraph(parents: Record<string, string[]>, root: string): Record<string, string[]> {
  const reachable: Record<string, string[]> = {};
  const stack = [root];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (name in reachable) continue;
    reachable[name] = parents[name] ?? [];
    stack.push(...reachable[name]!);
  }
  return reachable;
}

function normaliseAggregation(definition: CubeDefinition, dimensions: DimensionModel[], measures: MeasureModel[], report: Report): AggregationPolicy {
  const policy = definition.aggregation;
  const dimensionNames = dimensions.map((dimension) => dimension.name);
  const checkDimension = (dimension: string, path: Path) => {
    const known = dimensionNames.includes(dimension);
    if (!known) report(['aggregation', ...path], `unknown dimension "${dimension}"; ${suggestion(dimension, dimensionNames)}`);
    return known;
  };
  const cuboids = policy.cuboids.map((cuboid, index): ExplicitCuboid => {
    const levels: CuboidLevels = {};
    let held: string[] | undefined;
    for (const [dimension, level] of Object.entries(cuboid)) {
      const at: Path = ['aggregation', 'cuboids', index, dimension];
      // `measures: revenue` reads as a list of one, unless a dimension is called measures.
      const measureList = dimension === 'measures' && !dimensionNames.includes(dimension);
      if (typeof level === 'string' && !measureList) {
        if (!checkDimension(dimension, ['cuboids', index, dimension])) continue;
        const names = dimensions.find((candidate) => candidate.name === dimension)!.levels.map((l) => l.name);
        if (names.includes(level)) levels[dimension] = level;
        else report(at, `unknown level "${level}" of ${dimension}; ${suggestion(level, names)}`);
      } else if (measureList) {
        const list = typeof level === 'string' ? [level] : level;
        held = baseMeasuresOf(list, measures, (position, message) => report(typeof level === 'string' ? at : [...at, position], message));
      } else report(at, 'a list is only allowed for measures; a dimension names one level');
    }
    return held === undefined ? { levels } : { levels, measures: held };
  });
  policy.mandatory.forEach((dimension, index) => checkDimension(dimension, ['mandatory', index]));
  policy.hierarchy.forEach((dimension, index) => checkDimension(dimension, ['hierarchy', index]));
  policy.joint.forEach((group, index) => group.forEach((dimension, position) => checkDimension(dimension, ['joint', index, position])));
  return {
    cuboids,
    auto: policy.auto,
    rowBudget: policy.rowBudget,
    maxCuboids: policy.maxCuboids,
    mandatory: policy.mandatory,
    joint: policy.joint,
    hierarchy: policy.hierarchy,
  };
}

/** The base measures that `names` are or are calculated from, in cube order (unknown names reported by position). */
function baseMeasuresOf(names: readonly string[], measures: readonly MeasureModel[], report: (position: number, message: string) => void): string[] {
  const byName = new Map(measures.map((measure) => [measure.name, measure]));
  const base = new Set<string>();
  names.forEach((name, position) => {
    const measure = byName.get(name);
    // Operands come from dependsOn: a formula that does not parse was reported already.
    if (measure !== undefined) baseMeasures(measure, (operand) => byName.get(operand), (calculated) => calculated.dependsOn ?? [], base);
    else report(position, `unknown measure "${name}"; ${suggestion(name, [...byName.keys()])}`);
  });
  return measures.filter((measure) => base.has(measure.name)).map((measure) => measure.name);
}

function normaliseSecurity(
  security: NonNullable<CubeDefinition['security']>,
  dimensions: DimensionModel[],
  measures: MeasureModel[],
  report: Report,
): SecurityModel {
  const dimensionNames = dimensions.map((dimension) => dimension.name);
  const measureNames = measures.map((measure) => measure.name);
  const roles = Object.entries(security.roles).map(([name, role]): RoleModel => {
    const at: Path = ['security', 'roles', name];
    const rows = Object.entries(role.rows).flatMap(([key, claim]): RowRule[] => {
      const [dimension, level] = key.split('.') as [string, string];
      const model = dimensions.find((candidate) => candidate.name === dimension);
      if (model === undefined) {
        report([...at, 'rows', key], `unknown dimension "${dimension}"; ${suggestion(dimension, dimensionNames)}`);
        return [];
      }
      const levels = model.levels.map((candidate) => candidate.name);
      if (!levels.includes(level)) {
        report([...at, 'rows', key], `unknown level "${level}" of ${dimension}; ${suggestion(level, levels)}`);
        return [];
      }
      return [{ dimension, level, claim }];
    });
    role.hide.dimensions.forEach((dimension, index) => {
      if (!dimensionNames.includes(dimension)) {
        report([...at, 'hide', 'dimensions', index], `unknown dimension "${dimension}"; ${suggestion(dimension, dimensionNames)}`);
      }
    });
    role.hide.measures.forEach((measure, index) => {
      if (!measureNames.includes(measure)) {
        report([...at, 'hide', 'measures', index], `unknown measure "${measure}"; ${suggestion(measure, measureNames)}`);
      }
    });
    return { name, rows, hiddenMeasures: withDependents(role.hide.measures, measures), hiddenDimensions: role.hide.dimensions };
  });
  return { roles };
}

/** Hiding a measure hides every calculated measure whose formula needs it, directly or not. */
function withDependents(hidden: readonly string[], measures: MeasureModel[]): string[] {
  const result = new Set(hidden);
  let grew = true;
  while (grew) {
    grew = false;
    for (const measure of measures) {
      if (!result.has(measure.name) && measure.dependsOn?.some((name) => result.has(name))) {
        result.add(measure.name);
        grew = true;
      }
    }
  }
  return [...result];
}
