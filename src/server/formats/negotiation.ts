import type { FastifyInstance } from 'fastify';
import { negotiate, type Format } from './negotiate.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Formats the route can answer in, preferred first; JSON only when absent. */
    formats?: readonly Format[];
  }
  interface FastifyRequest {
    /** The format negotiated from Accept before the body is read, so a 406 costs no work. */
    format: Format;
  }
}

export function negotiateFormats(app: FastifyInstance): void {
  app.decorateRequest('format', 'json');
  app.addHook('onRequest', async (request) => {
    request.format = negotiate(request.headers.accept, request.routeOptions.config.formats ?? ['json']);
  });
}
