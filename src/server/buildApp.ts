import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { CubeEngine } from '../engine/index.ts';
import type { AuthConfig } from './auth/authConfig.ts';
import { registerAuth } from './auth/registerAuth.ts';
import { negotiateFormats } from './formats/negotiation.ts';
import { playgroundRoutes } from './graphql/playgroundRoutes.ts';
import { registerGraphQL } from './graphql/registerGraphQL.ts';
import { RequestError, toHttpError } from './httpError.ts';
import { registerLimits, type LimitsOptions } from './limits.ts';
import type { Reloader } from './reloadCubes.ts';
import { adminRoutes } from './routes/admin.ts';
import { cubeRoutes } from './routes/cubes.ts';
import { healthRoutes } from './routes/health.ts';
import { olapRoutes } from './routes/olap.ts';
import { queryRoutes } from './routes/query.ts';

export interface AppOptions {
  engine: CubeEngine;
  logger?: FastifyServerOptions['logger'];
  /** Largest request body in bytes (fastify's default, 1 MiB, when absent). */
  bodyLimit?: number;
  /** Reloads built cubes on POST /v1/admin/reload (the route exists only when given). */
  reloader?: Reloader;
  /** Who may call (API keys, JWT); null or absent: an open server, everything visible. */
  auth?: AuthConfig | null;
  /** Rate limits and load shedding; DEFAULT_LIMITS for what is not given. */
  limits?: Partial<LimitsOptions>;
}

/**
 * The REST and GraphQL APIs (and the GraphiQL playground) over one engine. It never
 * listens, so tests drive it with inject() and serve() puts it on a socket. The
 * engine's lifetime belongs to the caller.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
  });
  negotiateFormats(app);
  // A WebSocket upgrade refused by a hook (401, 429, 503) is answered on a socket the
  // HTTP parser has already let go of, so nothing would ever close it.
  // Callback style: it runs after every response, and an async hook costs each a promise.
  app.addHook('onResponse', (request, _reply, done) => {
    if (request.headers.upgrade !== undefined) request.raw.socket.destroy();
    done();
  });
  // Authentication first: rate limits count per authenticated principal.
  registerAuth(app, options.auth ?? null);
  registerLimits(app, options.limits);

  app.setErrorHandler((error, request, reply) => {
    const { status, body, headers } = toHttpError(error);
    if (headers !== undefined) void reply.headers(headers);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.code }, body.message);
    return reply.code(status).type('application/json; charset=utf-8').send({ error: body });
  });
  app.setNotFoundHandler((request) => {
    throw new RequestError(404, {
      code: 'ROUTE_NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    });
  });

  healthRoutes(app, options.engine, (options.auth ?? null) === null);
  cubeRoutes(app, options.engine);
  queryRoutes(app, options.engine);
  olapRoutes(app, options.engine);
  if (options.reloader !== undefined) adminRoutes(app, options.reloader);
  registerGraphQL(app, options.engine);
  playgroundRoutes(app);
  return app;
}
