import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBuildDatabase } from '../../src/build/buildDatabase.ts';
import { expressionReach } from '../../src/build/expressionReach.ts';
import { scanColumns } from '../../src/build/scanColumns.ts';
import { scanDimensions } from '../../src/build/scanDimensions.ts';
import { levelKey, type CubeModel } from '../../src/model/types.ts';
import { openOracle } from './fixtures/oracle.ts';
import { TINY_STAR, createTinyWarehouse, tinyCubes } from './fixtures/tinyWarehouse.ts';

/**
 * The dimension scan reads each dimension from the distinct source keys it reaches
 * (see src/build/expressionReach.ts). Whatever path a dimension takes, its members
 * must be exactly those of the whole star join: dimension-table rows no fact reaches
 * stay out, a fact row without a match brings the NULL member in.
 */
const STAR = TINY_STAR.sales;

let dir: string;
let warehouse: string;
let oracle: DuckDBConnection;
let closeOracle: () => void;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrowcube-dimensions-'));
  warehouse = join(dir, 'warehouse.duckdb');
  await createTinyWarehouse(warehouse);
  // Members no fact reaches: a city without stores, a store and a product without sales.
  const instance = await DuckDBInstance.create(warehouse);
  const connection = await instance.connect();
  await connection.run(`INSERT INTO dim_city VALUES (6, 'Lhasa', 'Sunlight', 'Xizang');
    INSERT INTO dim_store VALUES (40, 'Store 40', 6);
    INSERT INTO dim_product VALUES (99, 'P99', 'leasing')`);
  connection.closeSync();
  instance.closeSync();
  ({ oracle, close: closeOracle } = await openOracle(warehouse));
});

afterAll(async () => {
  closeOracle?.();
  await rm(dir, { recursive: true, force: true });
});

/** Each level's members as the star join has them, and its row count. */
async function expected(model: CubeModel): Promise<{ members: Record<string, (string | null)[]>; rows: number }> {
  const members: Record<string, (string | null)[]> = {};
  for (const dimension of model.dimensions) {
    for (const level of dimension.levels) {
      const reader = await oracle.runAndReadAll(`SELECT DISTINCT CAST((${level.expr}) AS VARCHAR) FROM ${STAR}`);
      members[levelKey(dimension.name, level.name)] = reader.getRows().map(([member]) => (member === null ? null : String(member)));
    }
  }
  const count = await oracle.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${STAR}`);
  return { members, rows: Number(count.getRows()[0]![0]) };
}

async function scan(model: CubeModel) {
  const database = await openBuildDatabase(model);
  try {
    return await scanDimensions(database.connection, model, scanColumns(model));
  } finally {
    await database.close();
  }
}

/** The store dimension's levels, written as the definition would. */
const storeLevels = (province: string, city: string, store: string) =>
  [`province: ${province}`, `city: ${city}`, `store: ${store}`].map((line) => `          ${line}`).join('\n');

const sortMembers = (members: (string | null)[]) => [...members].sort((a, b) => String(a).localeCompare(String(b)));

describe('dimension scan', () => {
  it.each([
    ['qualified columns (every dimension from its keys)', undefined],
    ['an unqualified column (that dimension from the whole star join)', storeLevels('province', 'ci.city_name', 's.store_name')],
    ['a column with another spelling of its alias', storeLevels('CI.province', `'"ci"."city_name"'`, 'S.store_name')],
  ])('lists exactly the members of the star join: %s', async (_, salesLevels) => {
    const model = tinyCubes(warehouse, salesLevels === undefined ? {} : { salesLevels }).sales;
    const scanned = await scan(model);
    const oracleView = await expected(model);
    for (const [key, members] of Object.entries(oracleView.members)) {
      expect(sortMembers(scanned.dictionaries[key]!), key).toEqual(sortMembers(members));
    }
    expect(scanned.dictionaries['store.province']).toContain(null);
    expect(scanned.dictionaries['store.province']).not.toContain('Xizang');
    expect(scanned.dictionaries['product.product']).not.toContain('P99');
    expect(scanned.sourceRows).toBe(oracleView.rows);
  });
});

describe('expression reach', () => {
  it('follows join conditions to the source columns, and gives up where the SQL does not say', async () => {
    const model = tinyCubes(warehouse, { salesLevels: storeLevels('province', 'CI.city_name', 's.store_name') }).sales;
    const database = await openBuildDatabase(model);
    try {
      const reachOf = await expressionReach(database.connection, model);
      expect(reachOf(['CI.city_name'])).toEqual({ joins: ['s', 'ci'], sourceColumns: ['store_id'] });
      expect(reachOf(['s.store_name', 'f.channel'])).toEqual({ joins: ['s'], sourceColumns: ['channel', 'store_id'] });
      expect(reachOf(['f.qty'])).toEqual({ joins: [], sourceColumns: ['qty'] });
      const time = model.dimensions.find((dimension) => dimension.name === 'time')!;
      expect(reachOf(time.levels.map((level) => level.expr))).toEqual({ joins: [], sourceColumns: ['sale_date'] });
      // Unqualified: which table it names is the binder's business, so the whole star join is read.
      expect(reachOf(['province'])).toBeUndefined();
      expect(reachOf(['province', 'f.qty'])).toBeUndefined();
    } finally {
      await database.close();
    }
  });
});
