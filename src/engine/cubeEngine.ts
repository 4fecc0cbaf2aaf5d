import { CubeError } from '../errors.ts';
import { canSee, checkDimensionVisible, restrictionOf, type AccessScope } from '../model/accessScope.ts';
import { suggestion } from '../model/closest.ts';
import type { CubeData } from '../model/data.ts';
import { partialsOf, type PartialSpec } from '../model/partials.ts';
import { parseInput } from '../model/parseInput.ts';
import { CubeQuerySchema, DEFAULT_LIMIT, MAX_LIMIT, type CubeQuery } from '../model/query.ts';
import { levelKey, type CubeModel } from '../model/types.ts';
import { routeQuery, type ExplainEntry, type Route } from '../plan/route.ts';
import { aggregateCuboid } from './aggregateCuboid.ts';
import { answerFromSource, readSource } from './fallback.ts';
import { LoadedCube } from './loadedCube.ts';
import { listMembers, membersQuery, type MembersOptions } from './members.ts';
import { recombine } from './recombine.ts';
import { resolveQuery, type ResolvedQuery } from './resolveQuery.ts';
import { restrictQuery } from './restrictQuery.ts';
import { cacheKey, ResultCache } from './resultCache.ts';
import { shapeResult, type Answer } from './shapeResult.ts';
import { DEFAULT_SOURCE_LIMITS, SourceDatabase, type SourceLimits } from './sourceDatabase.ts';
import type { QueryResult } from './types.ts';
import { filterLevels } from './validateFilters.ts';
import { visiblePart } from './visiblePart.ts';

export interface CubeEngineOptions {
  /** Bytes of results to keep (estimated); 0 disables the cache. Default 64 MiB. */
  cacheBytes?: number;
  /** Longest a source (fallback) query may run before it is interrupted. Default 30 s. */
  queryTimeoutMs?: number;
  /** DuckDB memory_limit of each cube's source database. Default "2GB". */
  sourceMemoryLimit?: string;
  /** DuckDB threads of each cube's source database. Default: one per core. */
  sourceThreads?: number;
  /**
   * Most rows one answer may carry: a larger `limit` is refused (RESULT_TOO_LARGE).
   * Default 100 000; never below the default page (1000), which a query without `limit`
   * gets, and a limit over 1 000 000 is refused as malformed (QUERY_INVALID) whatever this is.
   */
  maxResultRows?: number;
}

/**
 * Answers CubeQueries over the loaded cube versions: validate, route, aggregate a
 * cuboid (or ask the source), shape, cache. Loading a version swaps it in atomically;
 * a query keeps the version it started with to the end.
 */
export class CubeEngine {
  private readonly loaded = new Map<string, LoadedCube>();
  /** What cubes() returns until the next load: callers on every request compare it by identity. */
  private loadedData: readonly CubeData[] = [];
  private readonly sources = new Map<string, SourceDatabase>();
  private readonly cache: ResultCache;
  /** The result cache's budget in bytes (0: off), which caches layered on the engine's answers size themselves by. */
  readonly cacheBytes: number;
  private readonly sourceLimits: SourceLimits;
  private readonly maxResultRows: number;

  constructor(options: CubeEngineOptions = {}) {
    this.cacheBytes = options.cacheBytes ?? 64 * 1024 * 1024;
    this.cache = new ResultCache(this.cacheBytes);
    this.sourceLimits = {
      timeoutMs: options.queryTimeoutMs ?? DEFAULT_SOURCE_LIMITS.timeoutMs,
      memoryLimit: options.sourceMemoryLimit ?? DEFAULT_SOURCE_LIMITS.memoryLimit,
      ...(options.sourceThreads === undefined ? {} : { threads: options.sourceThreads }),
    };
    this.maxResultRows = Math.max(options.maxResultRows ?? MAX_LIMIT, DEFAULT_LIMIT);
  }

  /**
   * Swaps `cube` in: queries that already took the previous version finish on it and
   * then let it go (this map was its only other holder), and its cached answers go now.
   */
  load(cube: CubeData): void {
    const name = cube.model.name;
    const previous = this.loaded.get(name);
    this.loaded.set(name, new LoadedCube(cube));
    this.loadedData = [...this.loaded.values()].map((loaded) => loaded.data);
    if (previous !== undefined && previous.version !== cube.version) this.cache.dropVersion(name, previous.version);
    const source = this.sources.get(name);
    if (source !== undefined && !sameSource(source.model, cube.model)) {
      this.sources.delete(name);
      void source.close();
    }
  }

  /** The loaded cubes: the same array until a version is loaded. */
  cubes(): readonly CubeData[] {
    return this.loadedData;
  }

  cube(name: string): CubeData {
    return this.loadedCube(name).data;
  }

  /**
   * Answers a query as `scope` may see it (null: everything). Every caller facing
   * users passes the scope it authenticated, so a restriction cannot be forgotten.
   */
  async query(input: unknown, scope: AccessScope | null = null): Promise<QueryResult> {
    const started = performance.now();
    const parsed = validQuery(input);
    checkResultRows(parsed, this.maxResultRows);
    const cube = this.loadedCube(parsed.cube);
    return this.answer(cube, restrictQuery(cube, parsed, scope), started);
  }

  /**
   * A level's members; a scope whose role limits rows sees only the members that
   * occur in its rows (found by grouping its restricted rows by the level).
   */
  async members(cube: string, options: MembersOptions, scope: AccessScope | null = null): Promise<{ members: (string | null)[]; total: number }> {
    const loaded = this.loadedCube(cube);
    const restriction = restrictionOf(loaded.data.model, scope);
    if (restriction !== null) checkDimensionVisible(options.dimension, restriction);
    if (restriction === null || restriction.rows.length === 0) return listMembers(loaded, options);
    const key = levelKey(options.dimension, options.level);
    const grouped = restrictQuery(loaded, membersQuery(loaded.data.model, options, restriction.hiddenMeasures), scope);
    const { rows } = await this.answer(loaded, grouped, performance.now());
    return listMembers(loaded, options, new Set(rows.map((row) => row[key] as string | null)));
  }

  explain(input: unknown, scope: AccessScope | null = null): ExplainEntry[] {
    const parsed = validQuery(input);
    const cube = this.loadedCube(parsed.cube);
    return this.route(cube, resolveQuery(cube, restrictQuery(cube, parsed, scope))).explain;
  }

  /** A scope sees the cubes its role may query, without the measures and dimensions hidden from it. */
  visibleCubes(scope: AccessScope | null): CubeData[] {
    return this.cubes().flatMap((cube) => (canSee(cube.model, scope) ? [visiblePart(cube, scope)] : []));
  }

  /** Throws ACCESS_DENIED, naming the role, when the scope may not see the cube. */
  visibleCube(name: string, scope: AccessScope | null): CubeData {
    return visiblePart(this.cube(name), scope);
  }

  private async answer(cube: LoadedCube, query: CubeQuery, started: number): Promise<QueryResult> {
    // The canonical key costs as much as a small scan: without a cache it is not built.
    const key = this.cache.enabled ? cacheKey(cube.name, cube.version, query) : undefined;
    const hit = key === undefined ? undefined : this.cache.get(key);
    if (hit !== undefined) return { ...hit, meta: { ...hit.meta, cached: true, elapsedMs: performance.now() - started } };

    const resolved = resolveQuery(cube, query);
    const specs = resolved.base.flatMap(partialsOf);
    const route = this.route(cube, resolved, specs);
    const read = route.cuboid === null ? await readSource(cube, resolved, this.source(cube.data.model)) : undefined;
    // From here to the shaped rows nothing awaits: the cells live in scratch memory.
    const { answer, rowsScanned } =
      read === undefined ? answerFromCuboid(cube, resolved, specs, route.cuboid!) : answerFromSource(cube, resolved, read);
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
    // An answer from a version swapped out while it ran would outlive that version in the cache.
    if (key !== undefined && this.loaded.get(cube.name) === cube) this.cache.set(key, result);
    return result;
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

  private route(cube: LoadedCube, resolved: ResolvedQuery, specs: PartialSpec[] = resolved.base.flatMap(partialsOf)): Route {
    const { query } = resolved;
    return routeQuery(
      cube.data.model,
      {
        levels: Object.fromEntries(resolved.groups.map((group) => [group.dimension.name, group.index.level.name])),
        filterLevels: filterLevels(query.filters),
        partials: specs,
        recombined: resolved.recombined,
        forceSource: query.route === 'source',
      },
      cube.routeCuboids,
    );
  }

  private source(model: CubeModel): SourceDatabase {
    let source = this.sources.get(model.name);
    if (source === undefined) {
      source = new SourceDatabase(model, this.sourceLimits);
      this.sources.set(model.name, source);
    }
    return source;
  }
}

function answerFromCuboid(
  cube: LoadedCube,
  resolved: ResolvedQuery,
  specs: readonly PartialSpec[],
  name: string,
): { answer: Answer; rowsScanned: number } {
  const cuboid = cube.cuboid(name);
  const { cells, rowsScanned } = aggregateCuboid(cube, resolved, cuboid, specs);
  return { answer: { cells, specs, ...recombine(cube, resolved, specs, cells) }, rowsScanned };
}

function sameSource(a: CubeModel, b: CubeModel): boolean {
  return JSON.stringify([a.source, a.joins]) === JSON.stringify([b.source, b.joins]);
}

/**
 * The queries parseQuery returned. A route validates its input at the boundary and hands
 * the engine the result, which is not validated again: validation costs as much as a
 * scan of a small cuboid.
 */
const parsedQueries = new WeakSet<object>();

/** Input → CubeQuery, or QUERY_INVALID at the first problem's path (prefixed with `at` when the query sits inside a larger input). */
export function parseQuery(input: unknown, at?: string): CubeQuery {
  const query = parseInput(CubeQuerySchema, input, at);
  parsedQueries.add(query);
  return query;
}

function validQuery(input: unknown): CubeQuery {
  return parsedQueries.has(input as object) ? (input as CubeQuery) : parseQuery(input);
}

/**
 * A page larger than the server sends is refused rather than cut short: a client that
 * asked for N rows and got fewer would take them for the whole answer. A query without
 * `limit` gets the default page, and `total` says how many rows there are in all.
 */
function checkResultRows(query: CubeQuery, maxResultRows: number): void {
  if (query.limit <= maxResultRows) return;
  throw new CubeError('RESULT_TOO_LARGE', `limit ${query.limit} is more than the ${maxResultRows} rows one answer may carry`, {
    path: 'limit',
    hint: `page through the answer with limit ≤ ${maxResultRows} and offset, or narrow it with filters or coarser levels`,
  });
}
