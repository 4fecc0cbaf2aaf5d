import { GraphQLInt, GraphQLList, GraphQLString, type GraphQLFieldConfig } from 'graphql/index.js';
import { CubeError } from '../../errors.ts';
import type { CubeEngine } from '../../engine/index.ts';
import type { AccessScope } from '../../model/accessScope.ts';
import type { CubeData } from '../../model/data.ts';
import { describeCube } from '../describeCube.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { scopeOf } from './runCubeQuery.ts';
import { CubeType, MemberConnectionType, nonNull } from './sharedTypes.ts';

/** Largest page of members one request may ask for. */
export const MAX_MEMBERS_PAGE = 10_000;

/** `cubes`, `cube(name)` and `members(...)`: what a client needs to ask a cube questions. */
export function metadataFields(engine: CubeEngine): Record<string, GraphQLFieldConfig<unknown, unknown>> {
  return {
    cubes: {
      type: nonNull(new GraphQLList(nonNull(CubeType))),
      description: 'Every loaded cube: its dimensions, measures, cuboids and version.',
      resolve: (_root, _args, context) => engine.visibleCubes(scopeOf(context)).map(cubeMetadata),
    },
    cube: {
      type: CubeType,
      args: { name: { type: nonNull(GraphQLString) } },
      resolve: (_root, args: { name: string }, context) => cubeMetadata(engine.visibleCube(args.name, scopeOf(context))),
    },
    members: {
      type: nonNull(MemberConnectionType),
      description: "A level's members in natural order (NULL last), optionally only a parent member's children or those containing `search`.",
      args: {
        cube: { type: nonNull(GraphQLString) },
        dimension: { type: nonNull(GraphQLString) },
        level: { type: nonNull(GraphQLString) },
        parent: { type: GraphQLString, description: "A member of the level's parent level (first hierarchy)." },
        search: { type: GraphQLString, description: 'Case-insensitive substring.' },
        first: { type: GraphQLInt, defaultValue: 100 },
        after: { type: GraphQLString, description: 'endCursor of the previous page.' },
      },
      resolve: (_root, args: MembersArgs, context) => members(engine, args, scopeOf(context)),
    },
  };
}

interface MembersArgs {
  cube: string;
  dimension: string;
  level: string;
  parent?: string | null;
  search?: string | null;
  first: number;
  after?: string | null;
}

async function members(engine: CubeEngine, args: MembersArgs, scope: AccessScope | null) {
  if (args.first < 0 || args.first > MAX_MEMBERS_PAGE) {
    throw new CubeError('QUERY_INVALID', `first must be between 0 and ${MAX_MEMBERS_PAGE}`, { path: 'first' });
  }
  const offset = args.after == null ? 0 : decodeCursor(args.after, 'after');
  const { members: page, total } = await engine.members(args.cube, {
    dimension: args.dimension,
    level: args.level,
    ...(args.parent === undefined ? {} : { parent: args.parent }),
    ...(args.search == null ? {} : { search: args.search }),
    limit: args.first,
    offset,
  }, scope);
  const edges = page.map((node, index) => ({ node, cursor: encodeCursor(offset + index + 1) }));
  return {
    totalCount: total,
    nodes: page,
    edges,
    pageInfo: { hasNextPage: offset + page.length < total, endCursor: edges.at(-1)?.cursor ?? args.after ?? null },
  };
}

function cubeMetadata(cube: CubeData) {
  const description = describeCube(cube);
  return {
    ...description,
    dimensions: description.dimensions.map((dimension) => {
      const byName = new Map(dimension.levels.map((level) => [level.name, level]));
      return {
        ...dimension,
        hierarchies: dimension.hierarchies.map((hierarchy) => ({
          name: hierarchy.name,
          levels: hierarchy.levels.map((level) => byName.get(level)!),
        })),
      };
    }),
    measures: description.measures.map((measure) => ({ ...measure, exact: measure.agg !== 'count_distinct_approx' })),
    cuboids: description.cuboids.map((cuboid) => ({
      ...cuboid,
      levels: Object.entries(cuboid.levels).map(([dimension, level]) => `${dimension}.${level}`),
    })),
  };
}
