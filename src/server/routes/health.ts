import type { FastifyInstance } from 'fastify';
import type { CubeEngine } from '../../engine/index.ts';

/**
 * `GET /healthz`, public so probes need no credentials. It names the loaded cubes and
 * their versions only on an open server: with authentication, some callers may not
 * know some cubes exist.
 */
export function healthRoutes(app: FastifyInstance, engine: CubeEngine, open: boolean): void {
  app.get('/healthz', { config: { public: true } }, async () =>
    open
      ? { status: 'ok' as const, cubes: engine.cubes().map((cube) => ({ name: cube.model.name, version: cube.version })) }
      : { status: 'ok' as const },
  );
}
