import type { FastifyInstance } from 'fastify';
import type { CubeEngine } from '../../engine/index.ts';

export function healthRoutes(app: FastifyInstance, engine: CubeEngine): void {
  app.get('/healthz', { config: { public: true } }, async () => ({
    status: 'ok' as const,
    cubes: engine.cubes().map((cube) => ({ name: cube.model.name, version: cube.version })),
  }));
}
