import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { dice, drillDown, pivot, rollUp, slice, type CubeEngine } from '../../engine/index.ts';
import { CubeQuerySchema, LevelFilterSchema, type CubeQuery } from '../../model/query.ts';
import type { CubeModel } from '../../model/types.ts';
import { parseInput } from '../../model/parseInput.ts';

const Name = z.string().min(1).max(200);
const Member = z.string().max(1000).nullable();

/** An OLAP operation: its arguments beside `query` in the body, and the rewrite it performs. */
interface Operation<S extends z.ZodRawShape> {
  args: S;
  apply(query: CubeQuery, model: CubeModel, args: z.output<z.ZodObject<S>>): CubeQuery;
}

function operation<S extends z.ZodRawShape>(args: S, apply: Operation<S>['apply']): Operation<S> {
  return { args, apply };
}

const OPERATIONS = {
  drillDown: operation({ dimension: Name, member: Member.optional(), hierarchy: Name.optional() }, drillDown),
  rollUp: operation({ dimension: Name, hierarchy: Name.optional() }, rollUp),
  slice: operation({ dimension: Name, level: Name, member: Member }, slice),
  dice: operation({ filters: z.array(LevelFilterSchema).min(1).max(1000) }, dice),
};

const PivotBody = z
  .object({
    query: CubeQuerySchema,
    rows: z.array(Name).max(50),
    columns: z.array(Name).max(50),
    measures: z.array(Name).min(1).max(200).optional(),
    subtotals: z.boolean().optional(),
  })
  .strict();

/** Each operation answers `{ query, result }`: the rewritten query, so a client can keep navigating, and its answer. */
export function olapRoutes(app: FastifyInstance, engine: CubeEngine): void {
  for (const [name, { args, apply }] of Object.entries(OPERATIONS) as [string, Operation<z.ZodRawShape>][]) {
    const Body = z.object({ query: CubeQuerySchema, ...args }).strict();
    app.post(`/v1/olap/${name}`, async (request) => {
      const { query, ...rest } = parseInput(Body, request.body);
      const next = apply(query, engine.visibleCube(query.cube, request.scope).model, rest);
      return { query: next, result: await engine.query(next, request.scope) };
    });
  }

  app.post('/v1/olap/pivot', async (request) => {
    const { query, ...layout } = parseInput(PivotBody, request.body);
    return { query, result: pivot(await engine.query(query, request.scope), layout) };
  });
}
