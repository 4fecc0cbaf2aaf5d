import { getNamedType, GraphQLError, type ValidationRule } from 'graphql/index.js';

/** Most cube queries (entry points and OLAP navigation fields) one GraphQL request may run. */
export const MAX_CUBE_QUERIES = 20;

/** Deepest field nesting a request may have (the playground's deepest example is 7). */
export const MAX_QUERY_DEPTH = 12;

const NAVIGATION = new Set(['drillDown', 'rollUp', 'slice', 'dice']);

/**
 * The cost of a request is the number of cube queries it runs: every field that
 * answers a cube result (a cube's entry point, drillDown, rollUp, slice, dice). A
 * fragment counts once however often it is spread.
 */
export function maxCubeQueries(limit = MAX_CUBE_QUERIES): ValidationRule {
  return (context) => {
    let count = 0;
    return {
      Field(node) {
        const definition = context.getFieldDef();
        if (definition === null || definition === undefined) return;
        const parent = context.getParentType()?.name;
        const isEntryPoint = parent === 'Query' && getNamedType(definition.type).name.endsWith('Result');
        if (!isEntryPoint && !(NAVIGATION.has(node.name.value) && parent?.endsWith('Result'))) return;
        count++;
        if (count === limit + 1) {
          context.reportError(
            new GraphQLError(`this request runs more than ${limit} cube queries`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_COSTLY', hint: 'split it into several requests, or navigate fewer levels at once' },
            }),
          );
        }
      },
    };
  };
}
