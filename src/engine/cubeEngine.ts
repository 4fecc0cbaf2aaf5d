import { CubeError } from '../errors.ts';
import { suggestion } from '../model/closest.ts';
import type { CubeData } from '../model/data.ts';
import { partialsOf } from '../model/partials.ts';
import { parseInput } from '../model/parseInput.ts';
import { CubeQuerySchema, type CubeQuery } from '../model/query.ts';
import type { CubeModel } from '../model/types.ts';
import { routeQuery, type ExplainEntry, type Route } from '../plan/route.ts';
import { aggregateCuboid } from './aggregateCuboid.ts';
import { answerFromSource } from './fallback.ts';
import { LoadedCube } from './loadedCube.ts';
import { listMembers, type MembersOptions } from './members.ts';
import { recombine } from './recombine.ts';
import { resolveQuery, type ResolvedQuery } from './resolveQuery.ts';
import { cacheKey, ResultCache } from './resultCache.ts';
import { shapeResult, type Answer } from './shapeResult.ts';
import { SourceDatabase } from './sourceDatabase.ts';
import type { QueryResult } from './types.ts';
import { filterLevels } from './validateFilters.ts';

export interface CubeEngineOptions {
  /** Bytes of results to keep (estimated); 0 disables the cache. Default 64 MiB. */
  cacheBytes?: number;
  /** Longest a source (fallback) query may run before it is interrupted. Default 30 s. */
  queryTimeoutMs?: number;
}

/**
 * Answers CubeQueries over the loaded cube versions: validate, route, aggregate a
 * cuboid (or ask the source), shape, cache. Loading a version swaps it in atomically;
 * a query keeps the version it started with to the end.
 */
export class CubeEngine {
  private readonly loaded = new Map<string, LoadedCube>();
  private readonly sources = new Map<string, SourceDatabase>();
  private readonly cache: ResultCache;
  private readonly timeoutMs: number;

  constructor(options: CubeEngineOptions = {}) {
    this.cache = new ResultCache(options.cacheBytes ?? 64 * 1024 * 1024);
    this.timeoutMs = options.queryTimeoutMs ?? 30_000;
  }

  load(cube: CubeData): void {
    const name = cube.model.name;
    this.loaded.set(name, new LoadedCube(cube));
    const source = this.sources.get(name);
    if (source !== undefined && !sameSource(source.model, cube.model)) {
      this.sources.delete(name);
      void source.close();
    }
  }

  cubes(): CubeData[] {
    return [...this.loaded.values()].map((cube) => cube.data);
  }

  cube(name: string): CubeData {
    return this.loadedCube(name).data;
  }

  async query(input: unknown): Promise<QueryResult> {
    const started = performance.now();
    const query = parseQuery(input);
    const cube = this.loadedCube(query.cube);
    const key = cacheKey(cube.name, cube.version, query);
    const hit = this.cache.get(key);
    if (hit !== undefined) return { ...hit, meta: { ...hit.meta, cached: true, elapsedMs: performance.now() - started } };

    const resolved = resolveQuery(cube, query);
    const route = this.route(cube, resolved);
    const { answer, rowsScanned } =
      route.cuboid === null
        ? await answerFromSource(cube, resolved, this.source(cube.data.model))
        : answerFromCuboid(cube, resolved, route.cuboid);
    const result: QueryResult = {
      ...shapeResult(cube, resolved, answer),
      meta: {
        source: route.cuboid === null ? 'source' : 'cuboid',
        cuboid: route.cuboid,
        cubeVersion: cube.version,
        exact: route.exact,
        elapsedMs: performance.now() - started,
        rowsScanned,
        cached: false,
      },
      ...(query.explain ? { explain: route.explain } : {}),
    };
    this.cache.set(key, result);
    return result;
  }

  members(cube: string, options: MembersOptions): { members: (string | null)[]; total: number } {
    return listMembers(this.loadedCube(cube), options);
  }

  explain(input: unknown): ExplainEntry[] {
    const query = parseQuery(input);
    const cube = this.loadedCube(query.cube);
    return this.route(cube, resolveQuery(cube, query)).explain;
  }

  async close(): Promise<void> {
    const sources = [...this.sources.values()];
    this.sources.clear();
    await Promise.all(sources.map((source) => source.close()));
  }

  private loadedCube(name: string): LoadedCube {
    const cube = this.loaded.get(name);
    if (cube === undefined) {
      throw new CubeError('CUBE_NOT_FOUND', `no cube named "${name}" is loaded`, {
        path: 'cube',
        hint: suggestion(name, this.loaded.keys()),
      });
    }
    return cube;
  }

  private route(cube: LoadedCube, resolved: ResolvedQuery): Route {
    const { query } = resolved;
    return routeQuery(
      cube.data.model,
      {
        levels: Object.fromEntries(resolved.groups.map((group) => [group.dimension.name, group.index.level.name])),
        filterLevels: filterLevels(query.filters),
        partials: resolved.base.flatMap(partialsOf),
        recombined: resolved.recombined,
        forceSource: query.route === 'source',
      },
      cube.routeCuboids,
    );
  }

  private source(model: CubeModel): SourceDatabase {
    let source = this.sources.get(model.name);
    if (source === undefined) {
      source = new SourceDatabase(model, this.timeoutMs);
      this.sources.set(model.name, source);
    }
    return source;
  }
}

function answerFromCuboid(cube: LoadedCube, resolved: ResolvedQuery, name: string): { answer: Answer; rowsScanned: number } {
  const cuboid = cube.cuboid(name);
  const specs = resolved.base.flatMap(partialsOf);
  const { cells, rowsScanned } = aggregateCuboid(cube, resolved, cuboid, specs);
  return { answer: { cells, specs, ...recombine(cube, resolved, specs, cells) }, rowsScanned };
}

function sameSource(a: CubeModel, b: CubeModel): boolean {
  return JSON.stringify([a.source, a.joins]) === JSON.stringify([b.source, b.joins]);
}

/** Input → CubeQuery, or QUERY_INVALID at the first problem's path. */
export function parseQuery(input: unknown): CubeQuery {
  return parseInput(CubeQuerySchema, input);
}
