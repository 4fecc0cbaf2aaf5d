import type { FastifyInstance } from 'fastify';
import { GraphQLError } from 'graphql/index.js';
import mercurius from 'mercurius';
import type { CubeEngine } from '../../engine/index.ts';
import type { CubeData } from '../../model/data.ts';
import { cubeSchema } from './cubeSchema.ts';
import { CUBE_VERSION_CHANGED, versionChanges } from './cubeVersionChanged.ts';
import { formatGraphQLError, requestFault } from './formatErrors.ts';
import { MAX_QUERY_DEPTH, maxCubeQueries } from './queryCost.ts';
import { registerResponseCache } from './responseCache.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Rebuilds the GraphQL schema now if the engine's loaded cubes changed, and tells
     * `cubeVersionChanged` subscribers; true when something changed. It also runs
     * before every GraphQL request and, once GraphQL was used, every second.
     */
    refreshGraphQLSchema(): boolean;
  }
}

export const GRAPHQL_PATH = '/graphql';

/** How often loaded versions are compared once GraphQL is in use (for subscribers). */
const WATCH_INTERVAL_MS = 1000;

/**
 * GraphQL at /graphql over the same engine as REST (mercurius, JIT-compiled after the
 * first run of a query; subscriptions over WebSocket on the same path). The schema is
 * generated from the loaded cubes and rebuilt whenever a cube version was loaded since
 * (engine.cubes() compared by identity, then by name and version: no engine hook needed).
 */
export function registerGraphQL(app: FastifyInstance, engine: CubeEngine): void {
  void app.register(mercurius, {
    // Built lazily: the first GraphQL request builds the schema of the cubes loaded by then.
    schema: cubeSchema(engine, []),
    path: GRAPHQL_PATH,
    graphiql: false,
    jit: 1,
    subscription: true,
    queryDepth: MAX_QUERY_DEPTH,
    validationRules: [maxCubeQueries()],
    // Automatic persisted queries: front ends send a query's sha256 instead of its text.
    persistedQueryProvider: mercurius.persistedQueryDefaults.automatic(),
    errorFormatter: (execution, context) => {
      const log = context.reply?.log ?? context.app?.log;
      // Mercurius wraps syntax, validation and depth errors in one MER_ERR_GQL_VALIDATION (status 400): unwrap them.
      let statusCode = (execution as { statusCode?: number }).statusCode;
      statusCode ??= (execution.errors ?? []).map(requestFault).find((fault) => fault !== undefined)?.status;
      const errors = (execution.errors ?? []).flatMap((error): GraphQLError[] => {
        const original = error.originalError as { errors?: unknown; statusCode?: unknown } | undefined;
        if (!Array.isArray(original?.errors)) return [error];
        if (typeof original.statusCode === 'number') statusCode ??= original.statusCode;
        return (original.errors as Array<GraphQLError | (Error & { code?: string })>).map((nested) => {
          if (nested instanceof GraphQLError) return nested;
          const extensions =
            nested.code === 'MER_ERR_GQL_QUERY_DEPTH'
              ? { code: 'QUERY_TOO_DEEP', hint: `nest fields at most ${MAX_QUERY_DEPTH} deep` }
              : { code: nested.code ?? 'GRAPHQL_VALIDATION_FAILED' };
          return new GraphQLError(nested.message, { extensions });
        });
      });
      return mercurius.defaultErrorFormatter(
        { ...execution, ...(statusCode === undefined ? {} : { statusCode }), errors: errors.map((error) => formatGraphQLError(error, log)) },
        context,
      );
    },
  });

  // After mercurius (its hooks need app.graphql), yet before its routes exist (they are declared when it loads).
  const responses = registerResponseCache(app, engine, GRAPHQL_PATH);

  let versions: Map<string, string> | undefined;
  let seen: readonly CubeData[] | undefined;
  let watch: NodeJS.Timeout | undefined;
  const refreshSchema = (): boolean => {
    const cubes = engine.cubes();
    if (cubes === seen) return false;
    const changes = versionChanges(versions ?? new Map(), cubes);
    if (versions !== undefined && changes.length === 0) {
      seen = cubes;
      return false;
    }
    app.graphql.replaceSchema(cubeSchema(engine, cubes));
    seen = cubes;
    versions = new Map(cubes.map((cube) => [cube.model.name, cube.version]));
    // Entries are keyed by version, so this only frees what no request can hit any more.
    responses?.clear();
    for (const change of changes) {
      app.graphql.pubsub.publish({ topic: CUBE_VERSION_CHANGED, payload: { cubeVersionChanged: change } });
    }
    watch ??= setInterval(() => {
      try {
        refreshSchema();
      } catch (error) {
        app.log.error({ err: error }, 'graphql schema refresh failed');
      }
    }, WATCH_INTERVAL_MS).unref();
    return true;
  };

  app.decorate('refreshGraphQLSchema', refreshSchema);
  // Callback style, as the work is synchronous: this runs before every request, and an async hook costs each a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url === GRAPHQL_PATH || request.url.startsWith(`${GRAPHQL_PATH}?`)) {
      try {
        refreshSchema();
      } catch (error) {
        done(error as Error);
        return;
      }
    }
    done();
  });
  app.addHook('onClose', async () => clearInterval(watch));
}
