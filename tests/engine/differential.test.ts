import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine, type QueryResult } from '../../src/engine/index.ts';
import { HLL_RELATIVE_ERROR } from '../../src/model/partials.ts';
import { CubeQuerySchema, parseMeasureRef, type CubeQuery, type CubeQueryInput } from '../../src/model/query.ts';
import { buildBank, type BuiltBank } from './fixtures/bankSample.ts';
import { buildShop, type BuiltShop } from './fixtures/shopWarehouse.ts';
import { randomQuery } from './fixtures/randomQuery.ts';
import { div, oracleAnswer, type Expected, type OracleCube } from './fixtures/sqlOracle.ts';

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
  cubes.transactions = {
    db: bankDb,
    data: bank.cubes.transactions!,
    from: `fact_transactions AS f
      LEFT JOIN dim_branch AS b ON b.branch_id = f.branch_id
      LEFT JOIN dim_product AS p ON p.product_id = f.product_id
      LEFT JOIN dim_customer AS c ON c.customer_id = f.customer_id
      LEFT JOIN dim_channel AS ch ON ch.channel_id = f.channel_id
      LEFT JOIN dim_account_manager AS m ON m.manager_id = f.manager_id`,
    calculated: {
      margin: (value) => {
        const revenue = value('fee_revenue');
        const interest = value('interest_revenue');
        return div(value('profit'), revenue === null || interest === null ? null : revenue + interest);
      },
    },
  };
  cubes['bank balances'] = {
    db: bankDb,
    data: bank.cubes.balances!,
    from: `fact_account_month AS a
      LEFT JOIN dim_branch AS b ON b.branch_id = a.branch_id
      LEFT JOIN dim_product AS p ON p.product_id = a.product_id
      LEFT JOIN dim_customer AS c ON c.customer_id = a.customer_id
      LEFT JOIN dim_account_manager AS m ON m.manager_id = a.manager_id`,
    calculated: { overdue_ratio: (value) => div(value('overdue_balance'), value('loan_balance')) },
  };
});

afterAll(async () => {
  await Promise.all([engine?.close(), bankEngine?.close()]);
  oracles.forEach((instance) => instance.closeSync());
  await Promise.all([shop?.remove(), bank?.remove()]);
});

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(actual), Math.abs(expected));
}

function expectAnswer(result: QueryResult, expected: Expected, query: CubeQuery, cube: OracleCube): void {
  const context = () => JSON.stringify({ query, meta: result.meta });
  const aggOf = (ref: string) => cube.data.model.measures.find((measure) => measure.name === parseMeasureRef(ref).name)!.agg;
  const matches = (ref: string, actual: unknown, wanted: number | null, othersCells?: number): boolean => {
    const agg = aggOf(ref);
    const foldsCells = othersCells !== undefined && othersCells > 1;
    if (agg === 'count_distinct_approx' && !result.meta.exact) {
      if (wanted === null || typeof actual !== 'number') return actual === wanted;
      return Math.abs(actual - wanted) <= 2 + 3 * HLL_RELATIVE_ERROR * wanted;
    }
    // The source counts approximate distincts exactly, and exact counts cannot be folded.
    if (agg === 'count_distinct_approx' && foldsCells) return actual === null;
    if (wanted === null || actual === null) return actual === wanted;
    return typeof actual === 'number' && close(actual, wanted);
  };

  expect(result.columns.map((column) => column.name), context()).toEqual([
    ...Object.entries(query.levels).map(([dimension, level]) => `${dimension}.${level}`),
    ...query.measures,
  ]);
  expect(result.total, context()).toBe(expected.total);
  expect(result.rows.length, context()).toBe(expected.rows.length);
  result.rows.forEach((row, index) => {
    const wanted = expected.rows[index]!;
    for (const column of result.columns) {
      const actual = row[column.name];
      const value = wanted.values[column.name]!;
      if (column.kind === 'level') {
        expect(actual, `${column.name} of row ${index}: ${context()}`).toBe(value);
      } else if (!matches(column.name, actual, value as number | null, wanted.othersCells)) {
        expect.fail(`${column.name} of row ${index}: got ${actual}, expected ${value}: ${context()}`);
      }
    }
  });
  if (query.totals) {
    for (const ref of query.measures) {
      if (!matches(ref, result.totals![ref], expected.totals![ref]!)) {
        expect.fail(`totals.${ref}: got ${result.totals![ref]}, expected ${expected.totals![ref]}: ${context()}`);
      }
    }
  }
}

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
