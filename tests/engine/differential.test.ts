import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import { CubeQuerySchema, type CubeQueryInput } from '../../src/model/query.ts';
import { buildBank, type BuiltBank } from './fixtures/bankSample.ts';
import { buildShop, type BuiltShop } from './fixtures/shopWarehouse.ts';
import { randomQuery } from './fixtures/randomQuery.ts';
import { bankOracleCubes } from './fixtures/bankOracle.ts';
import { close, expectAnswer } from './fixtures/expectAnswer.ts';
import { div, oracleAnswer, type OracleCube } from './fixtures/sqlOracle.ts';

/**
 * The engine against an independent SQL oracle on the raw tables: random queries over
 * a purpose-made shop warehouse (NULL members, odd text, approximate counts) and the
 * bank sample with the project's definitions, each answered with route "auto" and
 * route "source".
 */
const RUNS = Number(process.env.DIFF_RUNS ?? 2000);

let shop: BuiltShop;
let bank: BuiltBank;
let engine: CubeEngine;
let bankEngine: CubeEngine;
const oracles: DuckDBInstance[] = [];
const cubes: Record<string, OracleCube & { db: DuckDBConnection }> = {};

async function oracleOn(warehouse: string): Promise<DuckDBConnection> {
  // One thread: the oracle's statements are small, where DuckDB's parallelism only costs.
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  oracles.push(instance);
  const db = await instance.connect();
  await db.run(`ATTACH '${warehouse}' AS warehouse (READ_ONLY)`);
  await db.run('USE warehouse');
  return db;
}

beforeAll(async () => {
  [shop, bank] = await Promise.all([buildShop(4000), buildBank(20_000)]);
  engine = new CubeEngine({ cacheBytes: 0 });
  Object.values(shop.cubes).forEach((cube) => engine.load(cube));
  bankEngine = new CubeEngine({ cacheBytes: 0 });
  Object.values(bank.cubes).forEach((cube) => bankEngine.load(cube));
  const [shopDb, bankDb] = await Promise.all([oracleOn(shop.warehouse), oracleOn(bank.warehouse)]);
  cubes.sales = {
    db: shopDb,
    data: shop.cubes.sales!,
    from: `fact_sales AS f
      LEFT JOIN dim_store AS s ON s.store_id = f.store_id
      LEFT JOIN dim_product AS p ON p.product_id = f.product_id`,
    calculated: {
      share: (value) => div(value('total_discount'), value('amount')),
      share_points: (value) => {
        const share = value('share');
        return share === null ? null : share * 100 - 1;
      },
    },
  };
  cubes.balances = {
    db: shopDb,
    data: shop.cubes.balances!,
    from: `fact_balance AS a LEFT JOIN dim_store AS s ON s.store_id = a.store_id`,
    calculated: { overdue_ratio: (value) => div(value('overdue'), value('balance')) },
  };
  Object.assign(cubes, bankOracleCubes(bank, bankDb));
});

afterAll(async () => {
  await Promise.all([engine?.close(), bankEngine?.close()]);
  oracles.forEach((instance) => instance.closeSync());
  await Promise.all([shop?.remove(), bank?.remove()]);
});

describe('answers like an independent SQL oracle', () => {
  // Both warehouses have a cube named "balances", so each has its own engine.
  const warehouses = () => [
    {
      name: 'the shop warehouse',
      fixtures: [
        { key: 'sales', data: shop.cubes.sales!, answering: engine },
        { key: 'balances', data: shop.cubes.balances!, answering: engine },
      ],
    },
    {
      name: 'the bank sample',
      fixtures: [
        { key: 'transactions', data: bank.cubes.transactions!, answering: bankEngine },
        { key: 'bank balances', data: bank.cubes.balances!, answering: bankEngine },
      ],
    },
  ];

  it.each([0, 1])(`over ${RUNS / 2} random queries on warehouse %i, from cuboids and from the source`, async (which) => {
    const { fixtures } = warehouses()[which]!;
    const paths = { cuboid: 0, source: 0, inexact: 0, rows: 0 };
    const queries = fc
      .constantFrom(...fixtures)
      .chain(({ key, data, answering }) => randomQuery(data).map((input) => ({ key, input, answering })));
    await fc.assert(
      fc.asyncProperty(queries, async ({ key, input, answering }) => {
        const query = CubeQuerySchema.parse(input);
        const cube = cubes[key]!;
        const expected = await oracleAnswer(cube.db, cube, query);
        for (const route of ['auto', 'source'] as const) {
          const result = await answering.query({ ...input, route });
          if (route === 'auto') {
            paths[result.meta.source]++;
            if (!result.meta.exact) paths.inexact++;
          } else {
            expect(result.meta.source).toBe('source');
          }
          paths.rows += result.rows.length;
          expectAnswer(result, expected, query, cube);
        }
      }),
      { numRuns: RUNS / 2, seed: 20_241_130 + which, endOnFailure: true },
    );
    // The random queries really exercised both paths (and, in the shop, approximate counts).
    expect(paths.cuboid).toBeGreaterThan(RUNS / 10);
    expect(paths.source).toBeGreaterThan(RUNS / 40);
    if (which === 0) expect(paths.inexact).toBeGreaterThan(RUNS / 40);
    expect(paths.rows).toBeGreaterThan(RUNS * 2);
  }, 600_000);
});

describe('narrowing', () => {
  it("reads only the rows of the member a filter keeps on the cuboid's smallest level", async () => {
    const transactions = bank.cubes.transactions!;
    const result = await bankEngine.query({
      cube: 'transactions',
      levels: { region: 'province', time: 'quarter' },
      filters: [{ dimension: 'segment', level: 'tier', op: 'eq', values: ['VIP'] }],
      measures: ['amount'],
    });
    const cuboid = transactions.cuboids.find((candidate) => candidate.name === result.meta.cuboid)!;
    // The tier has the fewest members of the cuboid's levels, so its rows lead the sort.
    const members = (dimension: string) => transactions.dictionaries[`${dimension}.${cuboid.levels[dimension]}`]!.length;
    expect(Object.keys(cuboid.levels).every((dimension) => members('segment') <= members(dimension))).toBe(true);
    const vip = transactions.dictionaries['segment.tier']!.indexOf('VIP');
    const vipRows = cuboid.codes.segment!.filter((code) => code === vip).length;
    expect(vipRows).toBeGreaterThan(0);
    expect(vipRows).toBeLessThan(cuboid.rows);
    expect(result.meta.rowsScanned).toBe(vipRows);
  });
});

describe('invariants', () => {
  const additive = ['amount', 'sales', 'discounts', 'total_discount'];

  it("sums a level's members to their parent's value", async () => {
    const sales = shop.cubes.sales!;
    const steps = sales.model.dimensions.flatMap((dimension) =>
      Object.entries(dimension.parents).flatMap(([child, parents]) => parents.map((parent) => ({ dimension, child, parent }))),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...steps), fc.constantFrom(...additive), fc.constantFrom('auto', 'source'), async (step, measure, route) => {
        const ask = (level: string) =>
          engine.query({ cube: 'sales', measures: [measure], levels: { [step.dimension.name]: level }, limit: 100_000, route });
        const [children, parents] = await Promise.all([ask(step.child), ask(step.parent)]);
        const children_ = sales.dictionaries[`${step.dimension.name}.${step.child}`]!;
        const parents_ = sales.dictionaries[`${step.dimension.name}.${step.parent}`]!;
        const map = sales.parentMaps[`${step.dimension.name}.${step.child}>${step.parent}`]!;
        const sums = new Map<string | null, number>();
        for (const row of children.rows) {
          const parent = parents_[map[children_.indexOf(row[`${step.dimension.name}.${step.child}`] as string | null)]!]!;
          sums.set(parent, (sums.get(parent) ?? 0) + (row[measure] as number));
        }
        expect(parents.rows.length).toBe(sums.size);
        for (const row of parents.rows) {
          expect(close(sums.get(row[`${step.dimension.name}.${step.parent}`] as string | null)!, row[measure] as number)).toBe(true);
        }
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('adds a filter and its complement up to the unfiltered total', async () => {
    const sales = shop.cubes.sales!;
    const levels = sales.model.dimensions.flatMap((dimension) => dimension.levels.map((level) => ({ dimension: dimension.name, level: level.name })));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...levels),
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...additive),
        fc.constantFrom('auto', 'source'),
        async ({ dimension, level }, picks, measure, route) => {
          const members = sales.dictionaries[`${dimension}.${level}`]!;
          const values = picks.map((pick) => members[pick % members.length]!);
          const total = (filters: CubeQueryInput['filters']) =>
            engine.query({ cube: 'sales', measures: [measure], filters, route }).then((result) => result.rows[0]![measure] as number);
          const [kept, rest, all] = await Promise.all([
            total([{ dimension, level, op: 'in', values }]),
            total([{ dimension, level, op: 'notIn', values }]),
            total([]),
          ]);
          expect(close(kept + rest, all)).toBe(true);
        },
      ),
      { numRuns: 100, seed: 11 },
    );
  });
});
