import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
import { CubeEngine } from '../../src/engine/index.ts';
import { readCube } from '../../src/store/index.ts';
import { createTinyWarehouse, tinyCubes } from './fixtures/tinyWarehouse.ts';

/** Edge shapes of a plan and of the data that the oracle cubes do not reach. */
let dir: string;
let warehouse: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrowcube-edges-'));
  warehouse = join(dir, 'warehouse.duckdb');
  await createTinyWarehouse(warehouse, 300);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildCube', () => {
  it('builds dictionaries and parent maps even when no cuboid is planned', async () => {
    const model = tinyCubes(warehouse, { aggregation: '      cuboids: []\n      auto: false' }).sales;
    const summary = await buildCube(model, { cubesDir: join(dir, 'none') });
    expect(summary).toMatchObject({ cuboids: [], rows: 0, bytes: 0, sourceRows: 300 });
    const cube = await readCube(join(dir, 'none'), 'sales');
    expect(cube.dictionaries['channel.channel']).toEqual(['branch', 'mobile', 'online', null]);
    expect(cube.parentMaps['store.store>city']!.length).toBe(cube.dictionaries['store.store']!.length);
  });

  it('builds an apex-only plan, grouping by nothing', async () => {
    const model = tinyCubes(warehouse, { aggregation: '      cuboids: [{}]\n      auto: false' }).sales;
    await buildCube(model, { cubesDir: join(dir, 'apex') });
    const [apex] = (await readCube(join(dir, 'apex'), 'sales')).cuboids;
    expect(apex).toMatchObject({ name: 'apex', rows: 1, codes: {} });
    expect(apex!.partials.sales__count![0]).toBe(300);
  });

  it('builds a cube over an empty source: empty dictionaries, one apex row of zero sums and NaN extremes', async () => {
    const base = tinyCubes(warehouse, { aggregation: '      cuboids: [{}, { store: city }]\n      auto: true\n      rowBudget: 100' }).sales;
    const model = { ...base, source: { kind: 'sql' as const, database: warehouse, sql: 'SELECT * FROM fact_sales WHERE false', alias: 'f' } };
    const summary = await buildCube(model, { cubesDir: join(dir, 'empty') });
    expect(summary.sourceRows).toBe(0);
    const cube = await readCube(join(dir, 'empty'), 'sales');
    expect(cube.dictionaries['store.city']).toEqual([]);
    const [apex, byCity] = cube.cuboids;
    expect(apex!.partials.amount__sum![0]).toBe(0);
    expect(apex!.partials.largest_amount__max![0]).toBeNaN();
    expect(byCity!.rows).toBe(0);
  });

  it('stores only the measures a cuboid lists, and routes other measures elsewhere', async () => {
    const aggregation = '      cuboids:\n        - { store: city, measures: [share] }\n        - { time: year, measures: [customers] }\n      auto: false';
    const model = tinyCubes(warehouse, { aggregation }).sales;
    await buildCube(model, { cubesDir: join(dir, 'measures') });
    const cube = await readCube(join(dir, 'measures'), 'sales');
    expect(Object.fromEntries(cube.cuboids.map((cuboid) => [cuboid.name, Object.keys(cuboid.partials).sort()]))).toEqual({
      'store.city': ['amount__sum', 'total_discount__sum'],
      'time.year': ['customers__distinct'],
    });

    const engine = new CubeEngine({ cacheBytes: 0 });
    const oracle = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      engine.load(cube);
      await oracle.run(`ATTACH '${warehouse}' AS w (READ_ONLY)`);
      const expected = (await oracle.runAndReadAll(
        `SELECT ci.city_name AS city, sum(f.discount) / sum(f.amount) AS share, count(*) AS sales
         FROM w.fact_sales f LEFT JOIN w.dim_store s ON f.store_id = s.store_id LEFT JOIN w.dim_city ci ON s.city_id = ci.city_id
         GROUP BY ALL ORDER BY city NULLS LAST`,
      )).getRowObjectsJS();
      const share = await engine.query({ cube: 'sales', levels: { store: 'city' }, measures: ['share'], order: [{ by: 'store.city' }] });
      expect(share.meta).toMatchObject({ source: 'cuboid', cuboid: 'store.city' });
      expect(share.rows.map((row) => [row['store.city'], row.share])).toEqual(expected.map((row) => [row.city, expect.closeTo(row.share as number, 12)]));
      const sales = await engine.query({ cube: 'sales', levels: { store: 'city' }, measures: ['sales'], order: [{ by: 'store.city' }], explain: true });
      expect(sales.meta.source).toBe('source');
      expect(sales.explain!.find((entry) => entry.cuboid === 'store.city')?.reason).toMatch(/lacks the partial sales__count/);
      expect(sales.rows.map((row) => [row['store.city'], row.sales])).toEqual(expected.map((row) => [row.city, Number(row.sales)]));
    } finally {
      oracle.closeSync();
      await engine.close();
    }
  });
});
