import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { buildCube } from '../../src/build/index.ts';
import type { CubeData } from '../../src/model/data.ts';
import { loadDefinitions } from '../../src/model/loadDefinitions.ts';
import { seedWarehouse } from '../../src/sample/seedWarehouse.ts';
import { readCube } from '../../src/store/index.ts';

export const DEFINITIONS_DIR = fileURLToPath(new URL('../../definitions', import.meta.url));

/**
 * A small seeded bank warehouse with the `transactions` cube built from it, and a
 * separate DuckDB connection to the raw warehouse so tests can check answers with
 * their own SQL instead of numbers copied from the server.
 */
export interface BankFixture {
  cubesDir: string;
  cube: CubeData;
  /** Runs SQL against the raw warehouse, attached as `w`. */
  sql(text: string, params?: DuckDBValue[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function bankFixture(rows = 20_000): Promise<BankFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'arrowcube-server-'));
  const warehouse = join(dir, 'bank.duckdb');
  const cubesDir = join(dir, 'cubes');
  const cube = await buildTransactions(warehouse, cubesDir, rows).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });

  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  await connection.run(`ATTACH '${warehouse.replaceAll("'", "''")}' AS w (READ_ONLY)`);
  return {
    cubesDir,
    cube,
    sql: async (text, params = []) => (await connection.runAndReadAll(text, params)).getRowObjectsJS() as Record<string, unknown>[],
    close: async () => {
      connection.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function buildTransactions(warehouse: string, cubesDir: string, rows: number): Promise<CubeData> {
  await seedWarehouse({ rows, seed: 7, out: warehouse });
  const models = await loadDefinitions(DEFINITIONS_DIR, { ARROWCUBE_WAREHOUSE: warehouse });
  await buildCube(models.find((model) => model.name === 'transactions')!, { cubesDir });
  return readCube(cubesDir, 'transactions');
}
