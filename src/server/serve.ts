import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import { CubeEngine } from '../engine/index.ts';
import { isCubeError } from '../errors.ts';
import { loadDefinitions } from '../model/loadDefinitions.ts';
import type { CubeModel } from '../model/types.ts';
import { isStale, listCubes, readCube } from '../store/index.ts';
import { buildApp } from './buildApp.ts';

export interface ServeOptions {
  definitionsDir: string;
  cubesDir: string;
  host?: string;
  port?: number;
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  cacheBytes?: number;
  queryTimeoutMs?: number;
}

export interface Server {
  app: FastifyInstance;
  url: string;
  /** Stops accepting connections, lets requests in flight finish, then closes the engine. */
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Server> {
  const engine = new CubeEngine({
    ...(options.cacheBytes === undefined ? {} : { cacheBytes: options.cacheBytes }),
    ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
  });
  const app = buildApp({
    engine,
    logger: options.logger ?? true,
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
  });
  try {
    await loadBuiltCubes(engine, options, app.log);
    const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 4000 });
    app.log.info(`GraphQL at ${url}/graphql, playground at ${url}/graphiql`);
    return {
      app,
      url,
      close: async () => {
        await app.close();
        await engine.close();
      },
    };
  } catch (error) {
    await app.close();
    await engine.close();
    throw error;
  }
}

/**
 * Serves what was built, not what is defined: a cube built from an older definition
 * keeps serving its built version (its manifest carries its model) until it is
 * rebuilt; a defined cube that was never built, or whose files are unreadable, is
 * skipped so the others stay available. A broken definition file does not stop
 * the server either: what was built from the last good one keeps serving.
 */
async function loadBuiltCubes(
  engine: CubeEngine,
  { definitionsDir, cubesDir }: Pick<ServeOptions, 'definitionsDir' | 'cubesDir'>,
  log: FastifyBaseLogger,
): Promise<void> {
  const definitions = new Map((await definedCubes(definitionsDir, log)).map((model) => [model.name, model]));
  const built = new Set(await listCubes(cubesDir));
  for (const name of definitions.keys()) {
    if (!built.has(name)) log.warn({ cube: name }, `cube ${name} is not built; skipped (run arrowcube build)`);
  }
  for (const name of built) {
    try {
      const cube = await readCube(cubesDir, name);
      engine.load(cube);
      const definition = definitions.get(name);
      if (definition === undefined) {
        log.warn({ cube: name }, `cube ${name} has no definition any more; serving its built version`);
      } else if (await isStale(cubesDir, definition)) {
        log.warn({ cube: name }, `definition of ${name} changed since the build; serving the built version until rebuilt`);
      }
      log.info({ cube: name, version: cube.version }, `loaded cube ${name}`);
    } catch (error) {
      if (!isCubeError(error)) throw error;
      log.error({ cube: name, code: error.code }, `cube ${name} skipped: ${error.message}`);
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
