import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLFloat,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLObjectType,
  GraphQLString,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
} from 'graphql/index.js';
import { CubeError } from '../../errors.ts';
import { dice, drillDown, pivot, rollUp, slice, type CubeEngine } from '../../engine/index.ts';
import { isLevelFilter, MEASURE_VARIANTS, type CubeQuery } from '../../model/query.ts';
import type { CubeModel } from '../../model/types.ts';
import { enumValueName, pascal, variantFieldName } from './names.ts';
import { run, scopeOf, withSelection, type ResultSource } from './runCubeQuery.ts';
import type { SelectionInfo } from './selection.ts';
import { filterInputOf } from './filterInputs.ts';
import { resultShape, shapedRows, shapedTotals } from './resultShape.ts';
import { ExplainEntryType, JSONScalar, list, MeasureVariantEnum, nonNull, QueryMetaType } from './sharedTypes.ts';
import { cubeMemberText, measureRef, whereToFilters, type WhereArg } from './toCubeQuery.ts';

export interface CubeTypes {
  Result: GraphQLObjectType;
  Levels: GraphQLInputObjectType;
  Where: GraphQLInputObjectType;
  Having: GraphQLInputObjectType;
  Order: GraphQLInputObjectType;
  TopN: GraphQLInputObjectType;
  /** Row / totals field name → measure reference ("profit_pctOfTotal" → "profit:pctOfTotal"). */
  measureRefs: Map<string, string>;
}

/**
 * The GraphQL types of one cube: enums of its dimensions, levels and measures, typed
 * filter inputs, and its result type (rows, totals, meta, and the OLAP operations as
 * fields that answer the rewritten query).
 */
export function cubeTypes(model: CubeModel, engine: CubeEngine): CubeTypes {
  const P = pascal(model.name);
  const enumOf = (name: string, names: string[], description?: string) =>
    new GraphQLEnumType({
      name,
      ...(description === undefined ? {} : { description }),
      values: Object.fromEntries(names.map((value) => [enumValueName(value), { value }])),
    });

  const Dimension = enumOf(`${P}Dimension`, model.dimensions.map((dimension) => dimension.name), `Dimensions of ${model.name}.`);
  const Measure = enumOf(`${P}Measure`, model.measures.map((measure) => measure.name), `Measures of ${model.name}.`);

  const levelsFields: GraphQLInputFieldConfigMap = {};
  const whereFields: GraphQLInputFieldConfigMap = {};
  const rowFields: GraphQLFieldConfigMap<Record<string, unknown>, unknown> = {};
  for (const dimension of model.dimensions) {
    const D = `${P}${pascal(dimension.name)}`;
    const levelNames = dimension.levels.map((level) => level.name);
    levelsFields[dimension.name] = { type: enumOf(`${D}Level`, levelNames, `Levels of ${model.name}.${dimension.name}.`) };
    whereFields[dimension.name] = {
      type: new GraphQLInputObjectType({
        name: `${D}Where`,
        fields: Object.fromEntries(dimension.levels.map((level) => [level.name, { type: filterInputOf(level) }])),
      }),
    };
    rowFields[dimension.name] = {
      type: nonNull(
        new GraphQLObjectType<Record<string, unknown>>({
          name: `${D}Members`,
          description: `The row's members of ${dimension.name}: null at levels the query does not group by.`,
          // Rows arrive shaped (shapedRows): every field reads a plain property.
          fields: Object.fromEntries(levelNames.map((level) => [level, { type: GraphQLString }])),
        }),
      ),
    };
  }

  const measureRefs = new Map<string, string>();
  const measureFields: GraphQLFieldConfigMap<Record<string, unknown>, unknown> = {};
  for (const measure of model.measures) {
    const fields: Array<[string, string, string | undefined]> = [
      [measure.name, measure.name, measure.description],
      ...MEASURE_VARIANTS.map((variant): [string, string, string] => [
        variantFieldName(measure.name, variant),
        measureRef(measure.name, variant),
        `${measure.name} as a share (${variant}).`,
      ]),
    ];
    for (const [field, ref, description] of fields) {
      if (measureRefs.has(field) || field in rowFields) continue;
      measureRefs.set(field, ref);
      measureFields[field] = { type: GraphQLFloat, ...(description === undefined ? {} : { description }) };
    }
  }

  const shape = resultShape(Object.keys(rowFields), new Map([...measureRefs].map(([field, ref]) => [ref, field])));
  const Levels = new GraphQLInputObjectType({ name: `${P}Levels`, fields: levelsFields });
  const Where: GraphQLInputObjectType = new GraphQLInputObjectType({
    name: `${P}Where`,
    description: 'Every condition must hold; `and` / `or` combine nested conditions.',
    fields: () => ({
      ...whereFields,
      and: { type: new GraphQLList(nonNull(Where)) },
      or: { type: new GraphQLList(nonNull(Where)) },
    }),
  });
  const Order = new GraphQLInputObjectType({
    name: `${P}Order`,
    description: 'Order by a measure (optionally a share variant) or by a grouped dimension.',
    fields: {
      measure: { type: Measure },
      variant: { type: MeasureVariantEnum },
      dimension: { type: Dimension },
      desc: { type: GraphQLBoolean, defaultValue: false },
    },
  });
  const Having = new GraphQLInputObjectType({
    name: `${P}Having`,
    fields: {
      measure: { type: nonNull(Measure) },
      variant: { type: MeasureVariantEnum },
      eq: { type: GraphQLFloat },
      ne: { type: GraphQLFloat },
      gt: { type: GraphQLFloat },
      gte: { type: GraphQLFloat },
      lt: { type: GraphQLFloat },
      lte: { type: GraphQLFloat },
      between: { type: new GraphQLList(nonNull(GraphQLFloat)) },
    },
  });
  const TopN = new GraphQLInputObjectType({
    name: `${P}TopN`,
    fields: {
      dimension: { type: nonNull(Dimension) },
      n: { type: nonNull(GraphQLInt) },
      by: { type: nonNull(Measure) },
      variant: { type: MeasureVariantEnum },
      desc: { type: GraphQLBoolean, defaultValue: true },
      others: { type: GraphQLBoolean, defaultValue: true, description: 'Fold the rest of each group into one "Others" row.' },
    },
  });

  const Row = new GraphQLObjectType<Record<string, unknown>>({ name: `${P}Row`, fields: { ...rowFields, ...measureFields } });
  const Totals = new GraphQLObjectType<Record<string, unknown>>({
    name: `${P}Totals`,
    description: 'The grand total over every row the filters keep.',
    fields: measureFields,
  });

  const navigate = (rewrite: (query: CubeQuery, model: CubeModel, args: any) => CubeQuery) =>
    (parent: ResultSource, args: unknown, context: unknown, info: SelectionInfo) => {
      const next = rewrite(parent.query, engine.cube(parent.query.cube).model, args);
      const { measures: _measures, totals: _totals, ...rest } = next;
      return run(engine, withSelection(rest, engine.cube(next.cube).model, measureRefs, info), scopeOf(context));
    };

  const Result: GraphQLObjectType<ResultSource> = new GraphQLObjectType<ResultSource>({
    name: `${P}Result`,
    fields: () => ({
      rows: { type: list(Row), resolve: (source) => shapedRows(source.result, shape) },
      totals: { type: Totals, resolve: (source) => (source.result.totals === undefined ? null : shapedTotals(source.result.totals, shape)) },
      total: { type: nonNull(GraphQLInt), description: 'Rows before first/offset (after having and topN).', resolve: (source) => source.result.total },
      meta: { type: nonNull(QueryMetaType), resolve: (source) => source.result.meta },
      query: { type: nonNull(JSONScalar), description: 'The CubeQuery this result answers (as POST /v1/query takes it).', resolve: (source) => source.query },
      explain: {
        type: list(ExplainEntryType),
        description: 'Candidate cuboids and why each was chosen or rejected.',
        resolve: (source, _args, context) => engine.explain(source.query, scopeOf(context)),
      },
      drillDown: {
        type: nonNull(Result),
        description: 'One level finer along a hierarchy (from all: its top level); with `member`, only inside that member.',
        args: { dimension: { type: nonNull(Dimension) }, member: { type: GraphQLString }, hierarchy: { type: GraphQLString } },
        resolve: navigate(drillDown),
      },
      rollUp: {
        type: nonNull(Result),
        description: 'One level coarser along a hierarchy, or to all from its top level.',
        args: { dimension: { type: nonNull(Dimension) }, hierarchy: { type: GraphQLString } },
        resolve: navigate(rollUp),
      },
      slice: {
        type: nonNull(Result),
        description: 'Fix one member of a level and stop grouping by its dimension.',
        args: { dimension: { type: nonNull(Dimension) }, level: { type: nonNull(GraphQLString) }, member: { type: GraphQLString } },
        resolve: navigate((query, cubeModel, args: { dimension: string; level: string; member?: string | null }) =>
          slice(query, cubeModel, { dimension: args.dimension, level: args.level, member: args.member ?? null }),
        ),
      },
      dice: {
        type: nonNull(Result),
        description: 'Restrict several levels at once; replaces earlier filters on the same levels.',
        args: { where: { type: nonNull(Where) } },
        resolve: navigate((query, cubeModel, args: { where: WhereArg }) => {
          const filters = whereToFilters(args.where, cubeMemberText(() => engine.cube(query.cube)));
          const leaves = filters.filter(isLevelFilter);
          if (leaves.length !== filters.length || leaves.length === 0) {
            throw new CubeError('OPERATION_INVALID', 'dice takes member conditions on levels, without and / or', { path: 'where' });
          }
          return dice(query, cubeModel, { filters: leaves });
        }),
      },
      pivot: {
        type: nonNull(JSONScalar),
        description:
          'This page of rows as a matrix (rowKeys × columnKeys; values[r][c * measures + m]) with optional subtotals. ' +
          'Every grouped dimension goes on rows or columns; measures must be among those the result computes.',
        args: {
          rows: { type: nonNull(new GraphQLList(nonNull(Dimension))) },
          columns: { type: nonNull(new GraphQLList(nonNull(Dimension))) },
          measures: { type: new GraphQLList(nonNull(Measure)) },
          subtotals: { type: GraphQLBoolean, defaultValue: false },
        },
        resolve: (source, args: { rows: string[]; columns: string[]; measures?: string[] | null; subtotals: boolean }) =>
          pivot(source.result, {
            rows: args.rows,
            columns: args.columns,
            ...(args.measures == null ? {} : { measures: args.measures }),
            subtotals: args.subtotals,
          }),
      },
    }),
  });

  return { Result, Levels, Where, Having, Order, TopN, measureRefs };
}
