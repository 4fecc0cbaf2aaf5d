import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
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
});
