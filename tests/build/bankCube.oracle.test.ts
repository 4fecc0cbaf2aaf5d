import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCubes } from '../../src/build/index.ts';
import { loadDefinitionFile } from '../../src/model/loadDefinitions.ts';
import { readCube } from '../../src/store/index.ts';
import { seedWarehouse } from '../../src/sample/seedWarehouse.ts';
import { expectOracleMatch, openOracle } from './fixtures/oracle.ts';

/** The project's own definitions over a small seeded bank warehouse, checked cell by cell. */
const FROM: Record<string, string> = {
  transactions: `warehouse.fact_transactions AS f
    LEFT JOIN warehouse.dim_branch AS b ON b.branch_id = f.branch_id
    LEFT JOIN warehouse.dim_product AS p ON p.product_id = f.product_id
    LEFT JOIN warehouse.dim_customer AS c ON c.customer_id = f.customer_id
    LEFT JOIN warehouse.dim_channel AS ch ON ch.channel_id = f.channel_id
    LEFT JOIN warehouse.dim_account_manager AS m ON m.manager_id = f.manager_id`,
  balances: `warehouse.fact_account_month AS a
    LEFT JOIN warehouse.dim_branch AS b ON b.branch_id = a.branch_id
    LEFT JOIN warehouse.dim_product AS p ON p.product_id = a.product_id
    LEFT JOIN warehouse.dim_customer AS c ON c.customer_id = a.customer_id
    LEFT JOIN warehouse.dim_account_manager AS m ON m.manager_id = a.manager_id`,
};

let dir: string;
let cubesDir: string;
let oracle: DuckDBConnection;
let closeOracle: (() => void) | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrowcube-bank-'));
  cubesDir = join(dir, 'cubes');
  const warehouse = join(dir, 'bank.duckdb');
  await seedWarehouse({ rows: 20_000, seed: 7, out: warehouse });
  const models = await loadDefinitionFile('definitions/bank.yaml', { ...process.env, ARROWCUBE_WAREHOUSE: warehouse });
  await buildCubes(models, { cubesDir });
  ({ oracle, close: closeOracle } = await openOracle(warehouse));
});

afterAll(async () => {
  closeOracle?.();
  await rm(dir, { recursive: true, force: true });
});

describe.each(Object.keys(FROM))('bank cube %s', (cube) => {
  it('matches an independent GROUP BY in every cell of every cuboid', async () => {
    const data = await readCube(cubesDir, cube);
    expect(data.cuboids.length).toBeGreaterThan(10);
    const seen = await expectOracleMatch(oracle, data, FROM[cube]!);
    expect(seen.cells).toBeGreaterThan(500);
  });
});
