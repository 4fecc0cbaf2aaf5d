import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import { CubeEngine } from '../engine/index.ts';
import { isCubeError } from '../errors.ts';
import { loadDefinitions } from '../model/loadDefinitions.ts';
import type { CubeModel } from '../model/types.ts';
import { isStale, listCubes } from '../store/index.ts';
import type { AuthConfig } from './auth/authConfig.ts';
import { buildApp } from './buildApp.ts';
import type { LimitsOptions } from './limits.ts';
import { Reloader } from './reloadCubes.ts';
import { watchCubes, type CubesWatcher } from './watchCubes.ts';

export interface ServeOptions {
  definitionsDir: string;
  cubesDir: string;
  host?: string;
  port?: number;
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  cacheBytes?: number;
  queryTimeoutMs?: number;
  /** Most rows one answer may carry (default 100 000). */
  maxResultRows?: number;
  /** DuckDB memory_limit of each cube's source database (default "2GB"). */
  sourceMemoryLimit?: string;
  /** Who may call and as whom (API keys, JWT); absent: the server is open. */
  auth?: AuthConfig | null;
  /** Rate limits and load shedding (DEFAULT_LIMITS for what is not given). */
  limits?: Partial<LimitsOptions>;
  /** Reload a cube when a build replaces its CURRENT (default true). */
  watch?: boolean;
  /** How long close() waits for requests in flight before it gives up (default 10 s). */
  shutdownTimeoutMs?: number;
}

export interface Server {
  app: FastifyInstance;
  url: string;
  /**
   * Stops accepting connections, lets requests in flight finish, then closes the
   * engine (DuckDB); rejects when that takes longer than the shutdown timeout.
   */
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Server> {
  const engine = new CubeEngine({
    ...(options.cacheBytes === undefined ? {} : { cacheBytes: options.cacheBytes }),
    ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
    ...(options.maxResultRows === undefined ? {} : { maxResultRows: options.maxResultRows }),
    ...(options.sourceMemoryLimit === undefined ? {} : { sourceMemoryLimit: options.sourceMemoryLimit }),
  });
  let listening = false;
  const reloader = new Reloader({
    engine,
    cubesDir: options.cubesDir,
    log: () => app.log,
    // The GraphQL schema holds the CubeData it was generated from: regenerate it now so the replaced version can be freed.
    onLoaded: () => {
      if (!listening) return;
      try {
        app.refreshGraphQLSchema();
      } catch (error) {
        app.log.error({ err: error }, 'graphql schema refresh failed');
      }
    },
  });
  const app = buildApp({
    engine,
    reloader,
    logger: options.logger ?? true,
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    auth: options.auth ?? null,
  });
  let watcher: CubesWatcher | undefined;
  let draining = false;
  // An answer finished while closing ends its connection: a client's idle keep-alive would hold the close open.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  const shutDown = async () => {
    draining = true;
    watcher?.close();
    await app.close();
    await engine.close();
  };
  try {
    await warnAboutDefinitions(options, app.log);
    // Watching starts first, so a build that lands during the first load is not missed.
    if (options.watch ?? true) watcher = await watchBuilds(options.cubesDir, reloader, app.log);
    await reloader.reload();
    const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 4000 });
    listening = true;
    app.log.info(`GraphQL at ${url}/graphql, playground at ${url}/graphiql`);
    return { app, url, close: () => withinDeadline(shutDown(), options.shutdownTimeoutMs ?? 10_000) };
  } catch (error) {
    await shutDown();
    throw error;
  }
}

async function watchBuilds(cubesDir: string, reloader: Reloader, log: FastifyBaseLogger): Promise<CubesWatcher | undefined> {
  const reload = () => {
    reloader.reload().catch((error: unknown) => log.error({ err: error }, 'reloading cubes failed'));
  };
  try {
    return await watchCubes(cubesDir, reload);
  } catch (error) {
    log.warn({ cubesDir, code: (error as NodeJS.ErrnoException).code }, `cannot watch ${cubesDir}; new builds load on POST /v1/admin/reload`);
    return undefined;
  }
}

async function withinDeadline(closing: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`requests still in flight after the ${ms} ms shutdown timeout; stopped without them`)), ms);
  });
  try {
    await Promise.race([closing, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Serves what was built, not what is defined: a cube built from an older definition
 * keeps serving its built version (its manifest carries its model) until it is
 * rebuilt; a defined cube that was never built, or whose files are unreadable, is
 * skipped (the reloader says why) so the others stay available. A broken definition
 * file does not stop the server either: what was built from the last good one keeps serving.
 */
async function warnAboutDefinitions(
  { definitionsDir, cubesDir }: Pick<ServeOptions, 'definitionsDir' | 'cubesDir'>,
  log: FastifyBaseLogger,
): Promise<void> {
  const definitions = new Map((await definedCubes(definitionsDir, log)).map((model) => [model.name, model]));
  const built = new Set(await listCubes(cubesDir));
  for (const name of definitions.keys()) {
    if (!built.has(name)) log.warn({ cube: name }, `cube ${name} is not built; skipped (run arrowcube build)`);
  }
  for (const name of built) {
    const definition = definitions.get(name);
    if (definition === undefined) {
      log.warn({ cube: name }, `cube ${name} has no definition any more; serving its built version`);
    } else if (await isStale(cubesDir, definition)) {
      log.warn({ cube: name }, `definition of ${name} changed since the build; serving the built version until rebuilt`);
    }
  }
}

async function definedCubes(definitionsDir: string, log: FastifyBaseLogger): Promise<CubeModel[]> {
  try {
    return await loadDefinitions(definitionsDir);
  } catch (error) {
    if (!isCubeError(error)) throw error;
    log.error({ code: error.code }, `definitions not loaded, serving the built cubes as they are: ${error.message}`);
    return [];
  }
}
