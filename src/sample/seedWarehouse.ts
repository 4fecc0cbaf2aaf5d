import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { accountMonthsSql } from './accountMonthsSql.ts';
import { customersSql } from './customersSql.ts';
import { dimensionsSql } from './dimensionsSql.ts';
import { transactionsSql } from './transactionsSql.ts';
import { WAREHOUSE_SCHEMA } from './warehouseSchema.ts';
import { warehouseScale, type WarehouseScale } from './warehouseScale.ts';

export interface SeedOptions {
  /** Rows in fact_transactions; customers and accounts scale with it. */
  rows: number;
  seed: number;
  /** The DuckDB file to write; replaced only once the new one is complete. */
  out: string;
  /** Called as each step starts (done = steps finished so far) and once at the end (done = total). */
  onProgress?: (step: string, done: number, total: number) => void;
}

export interface SeedSummary {
  out: string;
  rows: number;
  accountMonths: number;
  seconds: number;
  bytes: number;
}

interface Step {
  name: string;
  statements: string[];
}

function stepsFor(scale: WarehouseScale): Step[] {
  return [
    { name: 'dimensions', statements: [WAREHOUSE_SCHEMA, ...dimensionsSql(scale.seed)] },
    { name: 'customers', statements: [customersSql(scale)] },
    { name: 'transactions', statements: [transactionsSql(scale)] },
    { name: 'account months', statements: [accountMonthsSql(scale.seed)] },
    // Statistics for the build's planner, and one compact file without a WAL beside it.
    { name: 'compacting', statements: ['ANALYZE', 'CHECKPOINT'] },
  ];
}

/**
 * Writes the sample bank warehouse. Every row comes from DuckDB SQL over row
 * numbers, so ten million transactions take seconds, and from hashes of row numbers
 * and the seed, so the same rows and seed always give the same data. The file is built
 * beside `out` and renamed over it, so a killed seed never leaves half a warehouse.
 */
export async function seedWarehouse(options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const scale = warehouseScale(options.rows, options.seed);
  const building = `${options.out}.tmp-${process.pid}`;
  await mkdir(dirname(options.out), { recursive: true });
  await removeDatabase(building);
  try {
    const accountMonths = await fill(building, stepsFor(scale), options.onProgress);
    // A WAL left by an earlier writer of `out` would be replayed onto the new file.
    await rm(`${options.out}.wal`, { force: true });
    await rename(building, options.out);
    const { size } = await stat(options.out);
    return { out: options.out, rows: scale.rows, accountMonths, seconds: (performance.now() - started) / 1000, bytes: size };
  } catch (error) {
    await removeDatabase(building);
    throw error;
  }
}

/**
 * DuckDB cannot estimate how many rows the parallel row-number source yields, and
 * with its join planner on would build hash tables over a hundred million generated
 * rows. With it off every join builds on its right side, which the generators keep
 * to a dimension-sized table.
 */
const GENERATOR_CONFIG = { disabled_optimizers: 'join_order,build_side_probe_side' };

async function fill(path: string, steps: Step[], onProgress: SeedOptions['onProgress']): Promise<number> {
  const instance = await DuckDBInstance.create(path, GENERATOR_CONFIG);
  try {
    const connection = await instance.connect();
    try {
      for (const [done, step] of steps.entries()) {
        onProgress?.(step.name, done, steps.length);
        for (const statement of step.statements) await connection.run(statement);
      }
      onProgress?.(steps[steps.length - 1].name, steps.length, steps.length);
      return await countAccountMonths(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

async function countAccountMonths(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll('SELECT count(*)::DOUBLE AS n FROM fact_account_month');
  return reader.getRowObjects()[0].n as number;
}

async function removeDatabase(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.wal`, { force: true });
}
