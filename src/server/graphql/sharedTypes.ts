import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLFloat,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLString,
  valueFromASTUntyped,
  type GraphQLNullableType,
} from 'graphql/index.js';
import { MEASURE_VARIANTS } from '../../model/query.ts';

// Every module here imports 'graphql/index.js' (the CommonJS build mercurius requires),
// not 'graphql': bundler-style resolvers (vitest) would pick graphql's index.mjs, a second
// copy whose schemas mercurius rejects ("Cannot use GraphQLSchema from another module").

/** Types every generated schema shares, created once so schemas can be rebuilt cheaply. */
const nonNull = <T extends GraphQLNullableType>(type: T) => new GraphQLNonNull(type);
const list = <T extends GraphQLNullableType>(type: T) => new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type)));

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value (used for the CubeQuery a result answers, so a client can keep navigating over REST too).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

export const MeasureVariantEnum = new GraphQLEnumType({
  name: 'MeasureVariant',
  description: 'A share instead of the value: of the grand total, or of the parent member of the last grouped dimension.',
  values: Object.fromEntries(MEASURE_VARIANTS.map((variant) => [variant, { value: variant }])),
});

export const RouteEnum = new GraphQLEnumType({
  name: 'Route',
  description: 'auto: the smallest covering cuboid, else the source; source: always the source (DuckDB).',
  values: { auto: { value: 'auto' }, source: { value: 'source' } },
});

export const QueryMetaType = new GraphQLObjectType({
  name: 'QueryMeta',
  description: 'How the answer was computed.',
  fields: {
    source: { type: nonNull(GraphQLString), description: '"cuboid" or "source" (the fallback to the fact table).' },
    cuboid: { type: GraphQLString },
    cubeVersion: { type: nonNull(GraphQLString) },
    exact: { type: nonNull(GraphQLBoolean) },
    elapsedMs: { type: nonNull(GraphQLFloat) },
    rowsScanned: { type: nonNull(GraphQLFloat) },
    cached: { type: nonNull(GraphQLBoolean) },
  },
});

export const ExplainEntryType = new GraphQLObjectType({
  name: 'ExplainEntry',
  description: 'A candidate cuboid of a query: whether it covers the query, whether it was chosen, and why.',
  fields: {
    cuboid: { type: nonNull(GraphQLString) },
    rows: { type: nonNull(GraphQLFloat) },
    covers: { type: nonNull(GraphQLBoolean) },
    chosen: { type: nonNull(GraphQLBoolean) },
    reason: { type: nonNull(GraphQLString) },
  },
});

const LevelType = new GraphQLObjectType({
  name: 'Level',
  fields: {
    name: { type: nonNull(GraphQLString) },
    order: { type: nonNull(GraphQLString), description: 'text, numeric or time: how members sort.' },
    grain: { type: GraphQLString },
    cardinality: { type: nonNull(GraphQLInt), description: 'Number of members.' },
    parents: { type: list(GraphQLString) },
  },
});

const HierarchyType = new GraphQLObjectType({
  name: 'Hierarchy',
  fields: { name: { type: nonNull(GraphQLString) }, levels: { type: list(LevelType), description: 'Coarse to fine.' } },
});

const DimensionType = new GraphQLObjectType({
  name: 'Dimension',
  fields: {
    name: { type: nonNull(GraphQLString) },
    isTime: { type: nonNull(GraphQLBoolean) },
    hierarchies: { type: list(HierarchyType) },
    levels: { type: list(LevelType) },
  },
});

const MeasureType = new GraphQLObjectType({
  name: 'Measure',
  fields: {
    name: { type: nonNull(GraphQLString) },
    agg: { type: nonNull(GraphQLString) },
    kind: { type: nonNull(GraphQLString), description: 'additive, semiAdditive or nonAdditive: whether cells may be summed.' },
    exact: { type: nonNull(GraphQLBoolean), description: 'False for approximate distinct counts (HLL).' },
    format: { type: GraphQLString },
    description: { type: GraphQLString },
  },
});

const CuboidType = new GraphQLObjectType({
  name: 'Cuboid',
  fields: {
    name: { type: nonNull(GraphQLString) },
    levels: { type: list(GraphQLString), description: 'Grouped levels as "dimension.level"; other dimensions are rolled up to all.' },
    rows: { type: nonNull(GraphQLFloat) },
  },
});

export const CubeType = new GraphQLObjectType({
  name: 'Cube',
  fields: {
    name: { type: nonNull(GraphQLString) },
    title: { type: GraphQLString },
    description: { type: GraphQLString },
    version: { type: nonNull(GraphQLString) },
    builtAt: { type: nonNull(GraphQLString) },
    dimensions: { type: list(DimensionType) },
    measures: { type: list(MeasureType) },
    cuboids: { type: list(CuboidType) },
  },
});

const PageInfoType = new GraphQLObjectType({
  name: 'PageInfo',
  fields: {
    hasNextPage: { type: nonNull(GraphQLBoolean) },
    endCursor: { type: GraphQLString },
  },
});

const MemberEdgeType = new GraphQLObjectType({
  name: 'MemberEdge',
  fields: { cursor: { type: nonNull(GraphQLString) }, node: { type: GraphQLString, description: 'The member; null is the NULL member.' } },
});

export const MemberConnectionType = new GraphQLObjectType({
  name: 'MemberConnection',
  fields: {
    totalCount: { type: nonNull(GraphQLInt), description: 'Members matching parent and search.' },
    nodes: { type: nonNull(new GraphQLList(GraphQLString)) },
    edges: { type: list(MemberEdgeType) },
    pageInfo: { type: nonNull(PageInfoType) },
  },
});

export { list, nonNull };
