import { GraphQLInt, GraphQLList, type GraphQLFieldConfig } from 'graphql/index.js';
import type { CubeEngine } from '../../engine/index.ts';
import type { CubeData } from '../../model/data.ts';
import type { CubeQueryInput } from '../../model/query.ts';
import { cubeTypes } from './cubeTypes.ts';
import { run, scopeOf, withSelection, type GraphQLContext } from './runCubeQuery.ts';
import { argumentKeyOrder } from './selection.ts';
import { nonNull, RouteEnum } from './sharedTypes.ts';
import {
  cubeMemberText,
  havingToCubeHaving,
  orderToCubeOrder,
  topNToCubeTopN,
  whereToFilters,
  type HavingArg,
  type OrderArg,
  type TopNArg,
  type WhereArg,
} from './toCubeQuery.ts';

interface EntryArgs {
  levels?: Record<string, string> | null;
  where?: WhereArg | null;
  having?: HavingArg[] | null;
  orderBy?: OrderArg[] | null;
  topN?: TopNArg | null;
  first?: number | null;
  offset?: number | null;
  route?: 'auto' | 'source' | null;
}

/**
 * The typed entry point of one cube: `transactions(levels, where, having, orderBy,
 * topN, first, offset, route) { rows { region { province } profit } totals { profit }
 * meta { … } }`. Levels, dimensions and measures are enums, filters are typed inputs;
 * the measures computed are the ones `rows` and `totals` select. Results carry the
 * OLAP operations as fields, each answering the rewritten query.
 */
export function cubeEntryPoint(cube: CubeData, engine: CubeEngine): GraphQLFieldConfig<unknown, GraphQLContext, EntryArgs> {
  const types = cubeTypes(cube.model, engine);
  return {
    type: nonNull(types.Result),
    description: cube.model.description ?? `Query the ${cube.model.name} cube.`,
    args: {
      levels: { type: types.Levels, description: 'The level to group each dimension by, in column order; absent dimensions are rolled up to all.' },
      where: { type: types.Where },
      having: { type: new GraphQLList(nonNull(types.Having)), description: 'Conditions on measures of the result rows.' },
      orderBy: { type: new GraphQLList(nonNull(types.Order)) },
      topN: { type: types.TopN, description: 'Keep the top n members of a grouped dimension by a measure (within each combination of the others).' },
      first: { type: GraphQLInt, description: 'Rows per page (default 1000, at most 100000).' },
      offset: { type: GraphQLInt },
      route: { type: RouteEnum },
    },
    resolve: (_root, args, context, info) => {
      const order = argumentKeyOrder(info, 'levels', rawVariables(context));
      const levels = orderedLevels(args.levels ?? {}, order);
      const topN = topNToCubeTopN(args.topN);
      const query: Omit<CubeQueryInput, 'measures'> = {
        cube: cube.model.name,
        levels,
        filters: whereToFilters(args.where, cubeMemberText(() => engine.cube(cube.model.name))),
        having: havingToCubeHaving(args.having),
        order: orderToCubeOrder(args.orderBy),
        ...(topN === undefined ? {} : { topN }),
        ...(args.first == null ? {} : { limit: args.first }),
        ...(args.offset == null ? {} : { offset: args.offset }),
        ...(args.route == null ? {} : { route: args.route }),
      };
      return run(engine, withSelection(query, cube.model, types.measureRefs, info), scopeOf(context));
    },
  };
}

function orderedLevels(levels: Record<string, string>, order: string[] | undefined): Record<string, string> {
  if (order === undefined) return { ...levels };
  const keys = [...order.filter((key) => key in levels), ...Object.keys(levels).filter((key) => !order.includes(key))];
  return Object.fromEntries(keys.filter((key) => levels[key] != null).map((key) => [key, levels[key]!]));
}

function rawVariables(context: GraphQLContext | undefined): Record<string, unknown> | undefined {
  const request = context?.reply?.request;
  const body = request?.body as { variables?: unknown } | undefined;
  let variables = body?.variables ?? (request?.query as { variables?: unknown } | undefined)?.variables;
  if (typeof variables === 'string') {
    try {
      variables = JSON.parse(variables);
    } catch {
      return undefined;
    }
  }
  return variables !== null && typeof variables === 'object' ? (variables as Record<string, unknown>) : undefined;
}
