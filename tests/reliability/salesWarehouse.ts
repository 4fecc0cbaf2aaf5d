import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { buildCube } from '../../src/build/index.ts';
import { createTinyWarehouse, tinyCubes, tinyDefinition } from '../build/fixtures/tinyWarehouse.ts';

/**
 * The tiny warehouse's cubes in a scratch folder laid out as `arrowcube serve`
 * expects it (definitions/, cubes/), with a way to change the facts between builds so
 * two versions give different answers.
 */
export interface SalesWarehouse {
  dir: string;
  definitionsDir: string;
  cubesDir: string;
  /** Builds a cube (default `sales`) in this process; resolves to the new version. */
  build(cube?: 'sales' | 'balances'): Promise<string>;
  /** Copies `rows` existing sales as new ones with a larger amount: every total moves. */
  addSales(rows: number): Promise<void>;
  remove(): Promise<void>;
}

export async function salesWarehouse(rows = 2000): Promise<SalesWarehouse> {
  const dir = await mkdtemp(join(tmpdir(), 'arrowcube-reliability-'));
  const warehouse = join(dir, 'warehouse.duckdb');
  const definitionsDir = join(dir, 'definitions');
  const cubesDir = join(dir, 'cubes');
  await createTinyWarehouse(warehouse, rows);
  await mkdir(definitionsDir);
  await mkdir(cubesDir);
  await writeFile(join(definitionsDir, 'tiny.yaml'), tinyDefinition(warehouse));
  const models = tinyCubes(warehouse);
  let added = 0;
  return {
    dir,
    definitionsDir,
    cubesDir,
    build: async (cube = 'sales') => (await buildCube(models[cube], { cubesDir })).version,
    addSales: async (count) => {
      added++;
      const instance = await DuckDBInstance.create(warehouse);
      const connection = await instance.connect();
      await connection.run(
        `INSERT INTO fact_sales SELECT sale_id + ${added * 10_000_000}, sale_date, store_id, product_id, customer_id, amount + 1, qty, discount, channel
         FROM fact_sales WHERE sale_id < ${count}`,
      );
      connection.closeSync();
      instance.closeSync();
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
