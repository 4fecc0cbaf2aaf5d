import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CubeEngine } from '../../engine/index.ts';
import { describeCube } from '../describeCube.ts';
import { parseInput } from '../../model/parseInput.ts';

const Name = z.string().min(1).max(200);
const CubeParams = z.object({ cube: Name });

const MAX_MEMBERS = 10_000;

/** Query strings are text: numbers are coerced, repeated keys (arrays) rejected. */
const MembersQuery = z
  .object({
    dimension: Name,
    level: Name,
    parent: z.string().max(1000).optional(),
    search: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(0).max(MAX_MEMBERS).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  })
  .strict();

export function cubeRoutes(app: FastifyInstance, engine: CubeEngine): void {
  app.get('/v1/cubes', async (request) => ({ cubes: engine.visibleCubes(request.scope).map(describeCube) }));

  app.get('/v1/cubes/:cube', async (request) => {
    const { cube } = parseInput(CubeParams, request.params);
    return describeCube(engine.visibleCube(cube, request.scope));
  });

  app.get('/v1/cubes/:cube/members', async (request) => {
    const { cube } = parseInput(CubeParams, request.params);
    return engine.members(cube, parseInput(MembersQuery, request.query), request.scope);
  });
}
