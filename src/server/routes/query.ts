import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseQuery, type CubeEngine } from '../../engine/index.ts';
import { RESULT_FORMATS } from '../formats/negotiate.ts';
import { sendResult } from '../formats/sendResult.ts';
import { parseInput } from '../../model/parseInput.ts';
import { parseJsonParam } from '../parseJsonParam.ts';

/** GET /v1/explain carries the query as URL-encoded JSON in `q`. */
const ExplainParams = z.object({ q: z.string().min(1) }).strict();

export function queryRoutes(app: FastifyInstance, engine: CubeEngine): void {
  app.post('/v1/query', { config: { formats: RESULT_FORMATS } }, async (request, reply) => {
    const result = await engine.query(parseQuery(request.body), request.scope);
    return sendResult(reply, request.format, result);
  });

  app.get('/v1/explain', async (request) => {
    const { q } = parseInput(ExplainParams, request.query);
    return { explain: engine.explain(parseQuery(parseJsonParam(q, 'q'), 'q'), request.scope) };
  });

  app.post('/v1/explain', async (request) => ({
    explain: engine.explain(parseQuery(request.body), request.scope),
  }));
}
