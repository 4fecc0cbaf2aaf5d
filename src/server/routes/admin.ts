import type { FastifyInstance } from 'fastify';
import type { Reloader } from '../reloadCubes.ts';

/** Operator routes. `POST /v1/admin/reload`: load every cube whose CURRENT changed, and say what happened to each. */
export function adminRoutes(app: FastifyInstance, reloader: Reloader): void {
  app.post('/v1/admin/reload', { config: { admin: true } }, async () => ({ cubes: await reloader.reload() }));
}
