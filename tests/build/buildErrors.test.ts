import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
import { CubeError } from '../../src/errors.ts';
import type { CubeModel } from '../../src/model/types.ts';
import { currentVersion, readCube } from '../../src/store/index.ts';
import { createTinyWarehouse, tinyCubes } from './fixtures/tinyWarehouse.ts';

let dir: string;
let warehouse: string;
let cubesDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrowcube-errors-'));
  warehouse = join(dir, 'warehouse.duckdb');
  cubesDir = join(dir, 'cubes');
  await createTinyWarehouse(warehouse, 500);
  await buildCube(tinyCubes(warehouse).sales, { cubesDir });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(model: CubeModel): Promise<CubeError> {
  const error = await buildCube(model, { cubesDir }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CubeError);
  return error as CubeError;
}

/** A failed build leaves the cube exactly as it was: same CURRENT, no new folders, still loadable. */
async function expectUntouched(run: () => Promise<unknown>): Promise<void> {
  const before = { version: await currentVersion(cubesDir, 'sales'), entries: (await readdir(join(cubesDir, 'sales'))).sort() };
  await run();
  expect(await currentVersion(cubesDir, 'sales')).toBe(before.version);
  expect((await readdir(join(cubesDir, 'sales'))).sort()).toEqual(before.entries);
  expect((await readCube(cubesDir, 'sales')).version).toBe(before.version);
}

describe('hierarchy violations', () => {
  it('name the dimension, the levels and an example member with its parents', async () => {
    await expectUntouched(async () => {
      const model = tinyCubes(warehouse, { salesLevels: '          province: ci.province\n          city: ci.nickname\n          store: s.store_name' }).sales;
      const error = await failure(model);
      expect(error.code).toBe('HIERARCHY_VIOLATED');
      expect(error.message).toContain("hierarchy violated in dimension store: city 'Springfield' is under province 'Sichuan' and 'Zhejiang'");
      expect(error.message).toContain('tests/tiny.yaml');
      expect(error.path).toBe('cubes.sales.dimensions.store.hierarchies.store');
    });
  });
});

describe('unknown columns', () => {
  it('name the column, its table and the closest existing columns', async () => {
    await expectUntouched(async () => {
      const model = tinyCubes(warehouse, { salesLevels: '          province: ci.province\n          city: ci.city_name\n          store: s.store_nam' }).sales;
      const error = await failure(model);
      expect(error.code).toBe('COLUMN_UNKNOWN');
      expect(error.path).toBe('cubes.sales.dimensions.store.levels.store');
      expect(error.message).toMatch(/unknown column "store_nam" in table dim_store \(alias s\); did you mean store_name, store_id/);
      expect(error.message).toContain('tests/tiny.yaml: cubes.sales.dimensions.store.levels.store');
    });
  });

  it('search every table when the column is not qualified', async () => {
    const model = tinyCubes(warehouse, { salesLevels: '          province: ci.province\n          city: ci.city_name\n          store: store_nam' }).sales;
    const error = await failure(model);
    expect(error.code).toBe('COLUMN_UNKNOWN');
    expect(error.message).toContain('unknown column "store_nam" in table fact_sales (alias f), table dim_store (alias s)');
    expect(error.hint).toMatch(/^did you mean s\.store_name/);
  });

  it('point at measures and join conditions too', async () => {
    const base = tinyCubes(warehouse).sales;
    const measure = await failure({ ...base, measures: base.measures.map((m) => (m.name === 'amount' ? { ...m, expr: 'f.amout' } : m)) });
    expect(measure.code).toBe('COLUMN_UNKNOWN');
    expect(measure.path).toBe('cubes.sales.measures.amount');
    expect(measure.message).toContain('did you mean amount');

    const join = await failure({ ...base, joins: base.joins.map((j, index) => (index === 1 ? { ...j, on: 's.city = ci.city_id' } : j)) });
    expect(join.code).toBe('COLUMN_UNKNOWN');
    expect(join.path).toBe('cubes.sales.joins.1');
    expect(join.message).toContain('unknown column "city" in table dim_store (alias s); did you mean city_id');
  });

  it('report an unknown table alias with the aliases that exist', async () => {
    const model = tinyCubes(warehouse, { salesLevels: '          province: cx.province\n          city: ci.city_name\n          store: s.store_name' }).sales;
    const error = await failure(model);
    expect(error.code).toBe('COLUMN_UNKNOWN');
    expect(error.message).toContain('unknown table alias "cx"');
    expect(error.hint).toContain('did you mean ci');
  });
});

describe('other definition errors', () => {
  it('reject a sum over text with the path of the measure', async () => {
    const base = tinyCubes(warehouse).sales;
    const error = await failure({ ...base, measures: [...base.measures, { name: 'names', agg: 'sum', expr: 's.store_name' }] });
    expect(error.code).toBe('DEFINITION_INVALID');
    expect(error.path).toBe('cubes.sales.measures.names');
  });

  it('report data that fails to convert as a build failure, leaving the cube untouched', async () => {
    await expectUntouched(async () => {
      const model = tinyCubes(warehouse, { salesLevels: '          province: ci.province\n          city: ci.city_name\n          store: CAST(s.store_name AS INTEGER)' }).sales;
      const error = await failure(model);
      expect(error.code).toBe('BUILD_FAILED');
      expect(error.message).toMatch(/cube "sales": scanning dimensions failed: Conversion Error/);
    });
  });

  it('report a missing warehouse as a build failure of that cube', async () => {
    const base = tinyCubes(join(dir, 'missing.duckdb')).sales;
    const error = await failure(base);
    expect(error.code).toBe('BUILD_FAILED');
    expect(error.path).toBe('cubes.sales.source');
    expect(await readFile(join(cubesDir, 'sales', 'CURRENT'), 'utf8')).toMatch(/^\d{8}T/);
  });
});
