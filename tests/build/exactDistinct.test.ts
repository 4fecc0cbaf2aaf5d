import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
import { CubeEngine } from '../../src/engine/index.ts';
import type { Manifest } from '../../src/model/data.ts';
import type { CuboidLevels } from '../../src/model/types.ts';
import { readCube, readManifest } from '../../src/store/index.ts';
import { openOracle } from './fixtures/oracle.ts';
import { TINY_STAR, createTinyWarehouse, tinyCubes } from './fixtures/tinyWarehouse.ts';

/**
 * Exact distinct counts are stored only in the cuboids the definition lists: a query at
 * the grain of an automatic cuboid goes to the source, an explicit cuboid still answers
 * at its own grain, and both agree with count(DISTINCT …) on the raw star join.
 */
const FROM = TINY_STAR.sales;

let dir: string;
let manifest: Manifest;
let engine: CubeEngine;
let oracle: DuckDBConnection;
let closeOracle: (() => void) | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrowcube-distinct-'));
  const warehouse = join(dir, 'warehouse.duckdb');
  await createTinyWarehouse(warehouse);
  const cubesDir = join(dir, 'cubes');
  await buildCube(tinyCubes(warehouse).sales, { cubesDir });
  manifest = await readManifest(cubesDir, 'sales');
  engine = new CubeEngine({ cacheBytes: 0 });
  engine.load(await readCube(cubesDir, 'sales'));
  ({ oracle, close: closeOracle } = await openOracle(warehouse));
});

afterAll(async () => {
  await engine?.close();
  closeOracle?.();
  await rm(dir, { recursive: true, force: true });
});

const explicit = () => manifest.cuboids.filter((cuboid) => cuboid.reason === 'explicit');
const automatic = () => manifest.cuboids.filter((cuboid) => cuboid.reason.startsWith('auto'));

/** customers by the given levels, from the raw star join, keyed like the engine's rows. */
async function oracleCustomers(levels: CuboidLevels): Promise<Map<string, number>> {
  const model = manifest.model;
  const keys = Object.entries(levels).map(([dimension, level]) => {
    const expr = model.dimensions.find((candidate) => candidate.name === dimension)!.levels.find((candidate) => candidate.name === level)!.expr;
    return { name: `${dimension}.${level}`, sql: `CAST(${expr} AS VARCHAR)` };
  });
  const select = [...keys.map((key, index) => `${key.sql} AS k${index}`), 'count(DISTINCT f.customer_id)::DOUBLE AS customers'];
  const groupBy = keys.length > 0 ? `GROUP BY ${keys.map((_, index) => `k${index}`).join(', ')}` : '';
  const reader = await oracle.runAndReadAll(`SELECT ${select.join(', ')} FROM ${FROM} ${groupBy}`);
  return new Map(reader.getRowObjectsJS().map((row) => [JSON.stringify(keys.map((_, index) => row[`k${index}`])), Number(row.customers)]));
}

async function askCustomers(levels: CuboidLevels) {
  const result = await engine.query({ cube: 'sales', measures: ['customers'], levels, limit: 100_000, explain: true });
  const names = Object.entries(levels).map(([dimension, level]) => `${dimension}.${level}`);
  const answer = new Map(result.rows.map((row) => [JSON.stringify(names.map((name) => row[name])), row.customers as number]));
  return { result, answer };
}

describe('exact distinct counts', () => {
  it('are stored in the explicit cuboids and nowhere else, as the manifest records', () => {
    expect(explicit().length).toBeGreaterThan(0);
    expect(automatic().length).toBeGreaterThan(0);
    for (const cuboid of explicit()) expect(cuboid.partials, cuboid.name).toEqual(expect.arrayContaining(['customers__distinct', 'products__distinct']));
    for (const cuboid of automatic()) {
      expect(cuboid.partials.filter((column) => column.endsWith('__distinct')), cuboid.name).toEqual([]);
      // Everything that folds is still there, approximate distinct counts included.
      expect(cuboid.partials, cuboid.name).toEqual(expect.arrayContaining(['amount__sum', 'customers_approx__hll']));
    }
  });

  it('at the grain of a cuboid without them come from the source, correct, and explain says why', async () => {
    for (const cuboid of automatic()) {
      const { result, answer } = await askCustomers(cuboid.levels);
      expect(result.meta.source, cuboid.name).toBe('source');
      expect(result.meta.exact).toBe(true);
      const entry = result.explain!.find((candidate) => candidate.cuboid === cuboid.name)!;
      expect(entry.covers).toBe(false);
      expect(entry.reason).toMatch(/^customers is an exact distinct count, which only the cuboids listed in the definition store/);
      expect(answer).toEqual(await oracleCustomers(cuboid.levels));
    }
  });

  it('at the grain of an explicit cuboid still come from that cuboid, correct', async () => {
    for (const cuboid of explicit()) {
      const { result, answer } = await askCustomers(cuboid.levels);
      expect(result.meta.source, cuboid.name).toBe('cuboid');
      expect(result.meta.cuboid).toBe(cuboid.name);
      expect(answer).toEqual(await oracleCustomers(cuboid.levels));
    }
  });
});
