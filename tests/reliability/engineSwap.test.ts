import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine, parseQuery, type QueryResult } from '../../src/engine/index.ts';
import { cacheKey, ResultCache } from '../../src/engine/resultCache.ts';
import { readCube } from '../../src/store/index.ts';
import { salesWarehouse, type SalesWarehouse } from './salesWarehouse.ts';

// A gc() for this worker only, without a flag on every test process.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Whether `ref`'s target is gone after a few full collections (WeakRefs hold until the turn ends). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let attempt = 0; attempt < 10 && ref.deref() !== undefined; attempt++) {
    await nextTurn();
    gc();
  }
  return ref.deref() === undefined;
}

const byProvince = { cube: 'sales', measures: ['amount', 'sales'], levels: { store: 'province' } };
const fromSource = { ...byProvince, route: 'source' };

let warehouse: SalesWarehouse;
let first: string;
let second: string;

beforeAll(async () => {
  warehouse = await salesWarehouse();
  first = await warehouse.build();
  await warehouse.addSales(500);
  second = await warehouse.build();
});

afterAll(async () => {
  await warehouse?.remove();
});

/** The engine's cache, read the way the engine keys it (tests only: the engine keeps it private). */
function cacheOf(engine: CubeEngine): ResultCache {
  return (engine as unknown as { cache: ResultCache }).cache;
}

/** Loads a version and keeps only a weak reference to it, so the test itself never holds it alive. */
async function loadWeakly(engine: CubeEngine, version: string): Promise<WeakRef<object>> {
  const cube = await readCube(warehouse.cubesDir, 'sales', version);
  engine.load(cube);
  return new WeakRef(cube);
}

describe('swapping a cube version in the engine', () => {
  it('lets a query in flight finish on the version it started with, then frees that version and its cached answers', async () => {
    const engine = new CubeEngine({});
    try {
      const old = await loadWeakly(engine, first);
      const before = await engine.query(byProvince);
      expect((await engine.query(byProvince)).meta).toMatchObject({ cubeVersion: first, cached: true });

      // The source query takes the first version and waits on DuckDB while the second is swapped in.
      const inFlight = engine.query(fromSource);
      engine.load(await readCube(warehouse.cubesDir, 'sales', second));
      const after = await engine.query(byProvince);
      expect(after.meta).toMatchObject({ cubeVersion: second, cached: false });
      expect(after.rows).not.toEqual(before.rows);
      expect(cacheOf(engine).get(cacheKey('sales', first, parseQuery(byProvince)))).toBeUndefined();

      const finished: QueryResult = await inFlight;
      expect(finished.meta.cubeVersion).toBe(first);
      // Its answer is not cached under the version that is gone.
      expect(cacheOf(engine).get(cacheKey('sales', first, parseQuery(fromSource)))).toBeUndefined();
      expect(await collected(old)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('keeps a version that is still loaded (the collection check is not vacuous)', async () => {
    const engine = new CubeEngine({});
    try {
      const kept = await loadWeakly(engine, first);
      await engine.query(byProvince);
      expect(await collected(kept)).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('answers a reloaded same version from the cache it already had', async () => {
    const engine = new CubeEngine({});
    try {
      engine.load(await readCube(warehouse.cubesDir, 'sales', second));
      await engine.query(byProvince);
      engine.load(await readCube(warehouse.cubesDir, 'sales', second));
      expect((await engine.query(byProvince)).meta).toMatchObject({ cubeVersion: second, cached: true });
    } finally {
      await engine.close();
    }
  });
});

describe('ResultCache.dropVersion', () => {
  const result = (version: string): QueryResult =>
    ({ columns: [], rows: [], meta: { source: 'cuboid', cuboid: 'c', cubeVersion: version, exact: true, elapsedMs: 0, rowsScanned: 0, cached: false } }) as unknown as QueryResult;

  it('forgets the answers of exactly one cube version', () => {
    const cache = new ResultCache(1 << 20);
    const query = parseQuery(byProvince);
    const other = parseQuery({ ...byProvince, cube: 'sales_archive' });
    cache.set(cacheKey('sales', 'v1', query), result('v1'));
    cache.set(cacheKey('sales', 'v2', query), result('v2'));
    cache.set(cacheKey('sales_archive', 'v1', other), result('v1'));
    cache.dropVersion('sales', 'v1');
    expect(cache.get(cacheKey('sales', 'v1', query))).toBeUndefined();
    expect(cache.get(cacheKey('sales', 'v2', query))?.meta.cubeVersion).toBe('v2');
    expect(cache.get(cacheKey('sales_archive', 'v1', other))?.meta.cubeVersion).toBe('v1');
  });
});
