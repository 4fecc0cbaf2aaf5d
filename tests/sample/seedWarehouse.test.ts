import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWarehouse, type SeedSummary } from '../../src/sample/seedWarehouse.ts';

const ROWS = 20_000;
const TABLES = [
  'dim_date',
  'dim_branch',
  'dim_product',
  'dim_channel',
  'dim_account_manager',
  'dim_customer',
  'fact_transactions',
  'fact_account_month',
];

interface Warehouse {
  summary: SeedSummary;
  instance: DuckDBInstance;
  connection: DuckDBConnection;
}

let folder: string;
let progress: [string, number, number][];
let first: Warehouse;
let again: Warehouse;
let otherSeed: Warehouse;

async function open(summary: SeedSummary): Promise<Warehouse> {
  const instance = await DuckDBInstance.create(summary.out, { access_mode: 'READ_ONLY' });
  return { summary, instance, connection: await instance.connect() };
}

async function seed(name: string, seedValue: number): Promise<Warehouse> {
  return open(await seedWarehouse({ rows: ROWS, seed: seedValue, out: join(folder, name, 'bank.duckdb') }));
}

async function rows(warehouse: Warehouse, sql: string): Promise<Record<string, unknown>[]> {
  return (await warehouse.connection.runAndReadAll(sql)).getRowObjectsJS();
}

async function one(warehouse: Warehouse, sql: string): Promise<Record<string, unknown>> {
  return (await rows(warehouse, sql))[0];
}

async function fingerprints(warehouse: Warehouse): Promise<Record<string, string>> {
  const entries = await Promise.all(
    TABLES.map(async (table) => {
      const row = await one(warehouse, `SELECT count(*) || ':' || sum(hash(${table})) AS print FROM ${table}`);
      return [table, String(row.print)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'arrowcube-sample-'));
  progress = [];
  first = await open(
    await seedWarehouse({
      rows: ROWS,
      seed: 42,
      out: join(folder, 'first', 'bank.duckdb'),
      onProgress: (step, done, total) => progress.push([step, done, total]),
    }),
  );
  again = await seed('again', 42);
  otherSeed = await seed('other', 7);
});

afterAll(async () => {
  for (const warehouse of [first, again, otherSeed]) {
    warehouse?.connection.closeSync();
    warehouse?.instance.closeSync();
  }
  await rm(folder, { recursive: true, force: true });
});

describe('seedWarehouse', () => {
  it('writes exactly the requested transactions and reports what it wrote', async () => {
    const facts = await one(first, 'SELECT count(*)::INTEGER AS n, count(DISTINCT txn_id)::INTEGER AS ids, min(txn_id)::INTEGER AS lo, max(txn_id)::INTEGER AS hi FROM fact_transactions');
    expect(facts).toEqual({ n: ROWS, ids: ROWS, lo: 1, hi: ROWS });
    const accountMonths = await one(first, 'SELECT count(*)::INTEGER AS n FROM fact_account_month');
    expect(first.summary.rows).toBe(ROWS);
    expect(first.summary.accountMonths).toBe(accountMonths.n);
    expect(first.summary.bytes).toBe((await stat(first.summary.out)).size);
    expect(first.summary.seconds).toBeGreaterThan(0);
  });

  it('reports each step as it starts and once more when done', () => {
    expect(progress.map(([step]) => step)).toEqual(['dimensions', 'customers', 'transactions', 'account months', 'compacting', 'compacting']);
    expect(progress.map(([, done]) => done)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(progress.map(([, , total]) => total))).toEqual(new Set([5]));
  });

  it('leaves only the finished file behind', async () => {
    expect(await readdir(join(folder, 'first'))).toEqual(['bank.duckdb']);
  });

  it('gives identical data for the same rows and seed, and different data for another seed', async () => {
    const a = await fingerprints(first);
    expect(await fingerprints(again)).toEqual(a);
    const b = await fingerprints(otherSeed);
    for (const table of ['dim_account_manager', 'dim_customer', 'fact_transactions', 'fact_account_month']) {
      expect(b[table], table).not.toBe(a[table]);
    }
    for (const table of ['dim_date', 'dim_branch', 'dim_product', 'dim_channel']) expect(b[table], table).toBe(a[table]);
  });

  it('scales customers with rows, with a floor of 500', async () => {
    expect(await one(first, 'SELECT count(*)::INTEGER AS n FROM dim_customer')).toEqual({ n: 500 });
  });

  it('resolves every foreign key', async () => {
    const dangling = await one(
      first,
      `SELECT
         (SELECT count(*) FROM fact_transactions f WHERE
            f.txn_date NOT IN (SELECT date_key FROM dim_date)
            OR f.branch_id NOT IN (SELECT branch_id FROM dim_branch)
            OR f.product_id NOT IN (SELECT product_id FROM dim_product)
            OR f.customer_id NOT IN (SELECT customer_id FROM dim_customer)
            OR f.channel_id NOT IN (SELECT channel_id FROM dim_channel)
            OR (f.manager_id IS NOT NULL AND f.manager_id NOT IN (SELECT manager_id FROM dim_account_manager)))::INTEGER AS transactions,
         (SELECT count(*) FROM fact_account_month a WHERE
            a.month_end NOT IN (SELECT date_key FROM dim_date)
            OR a.branch_id NOT IN (SELECT branch_id FROM dim_branch)
            OR a.product_id NOT IN (SELECT product_id FROM dim_product)
            OR a.customer_id NOT IN (SELECT customer_id FROM dim_customer)
            OR (a.manager_id IS NOT NULL AND a.manager_id NOT IN (SELECT manager_id FROM dim_account_manager)))::INTEGER AS account_months,
         (SELECT count(*) FROM dim_account_manager WHERE branch_id NOT IN (SELECT branch_id FROM dim_branch))::INTEGER AS managers,
         (SELECT count(*) FROM dim_customer c WHERE home_branch_id NOT IN (SELECT branch_id FROM dim_branch)
            OR (manager_id IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM dim_account_manager m WHERE m.manager_id = c.manager_id AND m.branch_id = c.home_branch_id)))::INTEGER AS customers`,
    );
    expect(dangling).toEqual({ transactions: 0, account_months: 0, managers: 0, customers: 0 });
  });

  it('carries each customer’s manager and home branch into the facts', async () => {
    const mismatch = await one(
      first,
      `SELECT
         (SELECT count(*) FROM fact_transactions f JOIN dim_customer c USING (customer_id)
            WHERE f.manager_id IS DISTINCT FROM c.manager_id)::INTEGER AS transaction_managers,
         (SELECT count(*) FROM fact_account_month a JOIN dim_customer c USING (customer_id)
            WHERE a.manager_id IS DISTINCT FROM c.manager_id OR a.branch_id <> c.home_branch_id)::INTEGER AS account_months,
         (SELECT avg((f.branch_id = c.home_branch_id)::INTEGER) FROM fact_transactions f JOIN dim_customer c USING (customer_id)) AS at_home`,
    );
    expect(mismatch).toMatchObject({ transaction_managers: 0, account_months: 0 });
    expect(mismatch.at_home).toBeGreaterThan(0.75);
  });

  it('keeps each level of the region hierarchy single-valued', async () => {
    const parents = await one(
      first,
      `SELECT
         (SELECT count(*) FROM (SELECT branch_id FROM dim_branch GROUP BY branch_id HAVING count(DISTINCT city) > 1))::INTEGER AS branch_city,
         (SELECT count(*) FROM (SELECT city FROM dim_branch GROUP BY city HAVING count(DISTINCT province) > 1))::INTEGER AS city_province,
         (SELECT count(*) FROM (SELECT province FROM dim_branch GROUP BY province HAVING count(DISTINCT region) > 1))::INTEGER AS province_region,
         count(*)::INTEGER AS branches,
         count(DISTINCT branch_name)::INTEGER AS names,
         list(DISTINCT region ORDER BY region) AS regions
       FROM dim_branch`,
    );
    expect(parents).toMatchObject({ branch_city: 0, city_province: 0, province_region: 0 });
    expect(parents.names).toBe(parents.branches);
    expect(parents.branches).toBeGreaterThanOrEqual(150);
    expect(parents.branches).toBeLessThanOrEqual(250);
    expect(parents.regions).toEqual(['东北', '华东', '华中', '华北', '华南', '西北', '西南'].sort());
    const guangzhou = await one(first, "SELECT province, region FROM dim_branch WHERE city = '广州' LIMIT 1");
    expect(guangzhou).toEqual({ province: '广东', region: '华南' });
  });

  it('has customers and facts without an account manager, and managers for every VIP and major customer', async () => {
    const byTier = await rows(
      first,
      `SELECT value_tier, count(*)::INTEGER AS customers, count(manager_id)::INTEGER AS managed
       FROM dim_customer GROUP BY value_tier`,
    );
    const managed = Object.fromEntries(byTier.map((row) => [row.value_tier, row]));
    expect(managed.VIP.managed).toBe(managed.VIP.customers);
    expect(managed.major.managed).toBe(managed.major.customers);
    expect(managed.small.managed).toBe(0);
    expect(managed.ordinary.managed).toBeGreaterThan(0);
    expect(managed.ordinary.managed).toBeLessThan(managed.ordinary.customers);
    const facts = await one(
      first,
      `SELECT (SELECT count(*) FROM fact_transactions WHERE manager_id IS NULL)::INTEGER AS transactions,
              (SELECT count(*) FROM fact_account_month WHERE manager_id IS NULL)::INTEGER AS account_months`,
    );
    expect(facts.transactions).toBeGreaterThan(0);
    expect(facts.account_months).toBeGreaterThan(0);
  });

  it('lets the top fifth of customers bring most of the profit', async () => {
    const { share } = await one(
      first,
      `WITH profit AS (
         SELECT customer_id, sum(fee_revenue + interest_revenue - cost) AS profit FROM fact_transactions GROUP BY customer_id
       ), ranked AS (
         SELECT profit, row_number() OVER (ORDER BY profit DESC, customer_id) AS position FROM profit
       )
       SELECT (sum(profit) FILTER (WHERE position <= (SELECT count(*) FROM dim_customer) * 0.2) / sum(profit))::DOUBLE AS share
       FROM ranked`,
    );
    expect(share).toBeGreaterThan(0.65);
    expect(share).toBeLessThan(0.9);
  });

  it('covers three full years of days and 36 month ends', async () => {
    const calendar = await one(
      first,
      `SELECT count(*)::INTEGER AS days, min(date_key)::VARCHAR AS first, max(date_key)::VARCHAR AS last,
              count(*) FILTER (WHERE is_month_end)::INTEGER AS month_ends FROM dim_date`,
    );
    expect(calendar).toEqual({ days: 1096, first: '2022-01-01', last: '2024-12-31', month_ends: 36 });
    const months = await one(
      first,
      `SELECT (SELECT count(DISTINCT month_end) FROM fact_account_month)::INTEGER AS snapshots,
              (SELECT count(*) FROM fact_account_month WHERE month_end <> last_day(month_end))::INTEGER AS not_month_end,
              (SELECT count(DISTINCT date_trunc('month', txn_date)) FROM fact_transactions)::INTEGER AS transaction_months`,
    );
    expect(months).toEqual({ snapshots: 36, not_month_end: 0, transaction_months: 36 });
  });

  it('opens accounts over time instead of all at the start', async () => {
    const accounts = await one(
      first,
      `SELECT count(*)::INTEGER AS accounts, count(*) FILTER (WHERE months = 36)::INTEGER AS full_history,
              (count(*) / (SELECT count(*) FROM dim_customer))::DOUBLE AS per_customer
       FROM (SELECT account_id, count(*) AS months FROM fact_account_month GROUP BY account_id)`,
    );
    expect(accounts.full_history).toBeGreaterThan(0);
    expect(accounts.full_history).toBeLessThan(accounts.accounts as number);
    expect(accounts.per_customer).toBeGreaterThanOrEqual(1);
    expect(accounts.per_customer).toBeLessThanOrEqual(3);
  });

  it('uses exactly the specified member names', async () => {
    const sets = await one(
      first,
      `SELECT (SELECT list(DISTINCT value_tier ORDER BY value_tier) FROM dim_customer) AS tiers,
              (SELECT list(DISTINCT customer_type ORDER BY customer_type) FROM dim_customer) AS types,
              (SELECT list(channel_name ORDER BY channel_name) FROM dim_channel) AS channels,
              (SELECT list(DISTINCT product_line ORDER BY product_line) FROM dim_product) AS lines,
              (SELECT list(DISTINCT txn_type ORDER BY txn_type) FROM fact_transactions) AS txn_types`,
    );
    expect(sets).toEqual({
      tiers: ['VIP', 'major', 'ordinary', 'small'],
      types: ['corporate', 'personal'],
      channels: ['ATM', 'branch counter', 'mobile', 'online', 'phone'],
      lines: ['Cards', 'Deposits', 'Insurance', 'Loans', 'Wealth Management'],
      txn_types: ['deposit', 'loan_repayment', 'payment', 'purchase', 'transfer', 'withdrawal'],
    });
    const perLine = await rows(first, 'SELECT count(*)::INTEGER AS products FROM dim_product GROUP BY product_line');
    for (const { products } of perLine) expect(products).toSatisfy((n: number) => n >= 3 && n <= 6);
  });

  it('prices transactions sensibly, with some at a loss', async () => {
    const prices = await one(
      first,
      `SELECT count(*) FILTER (WHERE amount <= 0)::INTEGER AS non_positive_amounts,
              count(*) FILTER (WHERE fee_revenue < 0 OR interest_revenue < 0 OR cost < 0)::INTEGER AS negative_parts,
              avg((fee_revenue + interest_revenue < cost)::INTEGER)::DOUBLE AS loss_share
       FROM fact_transactions`,
    );
    expect(prices).toMatchObject({ non_positive_amounts: 0, negative_parts: 0 });
    expect(prices.loss_share).toBeGreaterThan(0.01);
    expect(prices.loss_share).toBeLessThan(0.5);
    const amounts = await rows(
      first,
      `SELECT value_tier, median(amount)::DOUBLE AS typical FROM fact_transactions JOIN dim_customer USING (customer_id)
       GROUP BY value_tier`,
    );
    const typical = Object.fromEntries(amounts.map((row) => [row.value_tier, row.typical as number]));
    expect(typical.VIP).toBeGreaterThan(typical.major);
    expect(typical.major).toBeGreaterThan(typical.ordinary);
    expect(typical.ordinary).toBeGreaterThan(typical.small);
  });

  it('has seasons, growth and channel habits', async () => {
    const shape = await one(
      first,
      `SELECT count(*) FILTER (WHERE month(txn_date) IN (12, 1))::DOUBLE / 2 AS peak_month,
              count(*) FILTER (WHERE month(txn_date) IN (4, 10))::DOUBLE / 2 AS quiet_month,
              count(*) FILTER (WHERE year(txn_date) = 2022)::INTEGER AS first_year,
              count(*) FILTER (WHERE year(txn_date) = 2024)::INTEGER AS last_year
       FROM fact_transactions`,
    );
    expect(shape.peak_month).toBeGreaterThan((shape.quiet_month as number) * 1.15);
    expect(shape.last_year).toBeGreaterThan((shape.first_year as number) * 1.05);
    const channels = await rows(
      first,
      `SELECT customer_type, avg((channel_name IN ('mobile', 'online'))::INTEGER)::DOUBLE AS digital,
              avg((channel_name = 'mobile')::INTEGER)::DOUBLE AS mobile
       FROM fact_transactions JOIN dim_customer USING (customer_id) JOIN dim_channel USING (channel_id)
       GROUP BY customer_type`,
    );
    const mix = Object.fromEntries(channels.map((row) => [row.customer_type, row]));
    expect(mix.personal.digital).toBeGreaterThan(0.6);
    expect(mix.personal.mobile).toBeGreaterThan(mix.corporate.mobile as number);
  });

  it('snapshots balances by product kind, overdue within loan balance, skewed by tier', async () => {
    const balances = await one(
      first,
      `SELECT count(*) FILTER (WHERE loan_balance > 0 AND product_line NOT IN ('Loans', 'Cards'))::INTEGER AS loans_elsewhere,
              count(*) FILTER (WHERE overdue_balance > loan_balance OR overdue_balance < 0 OR balance < 0)::INTEGER AS inconsistent,
              avg((overdue_balance > 0)::INTEGER) FILTER (WHERE product_line IN ('Loans', 'Cards'))::DOUBLE AS overdue_share
       FROM fact_account_month JOIN dim_product USING (product_id)`,
    );
    expect(balances).toMatchObject({ loans_elsewhere: 0, inconsistent: 0 });
    expect(balances.overdue_share).toBeGreaterThan(0);
    expect(balances.overdue_share).toBeLessThan(0.2);
    const byTier = await rows(
      first,
      `SELECT value_tier, avg(balance)::DOUBLE AS balance FROM fact_account_month JOIN dim_customer USING (customer_id)
       GROUP BY value_tier`,
    );
    const balance = Object.fromEntries(byTier.map((row) => [row.value_tier, row.balance as number]));
    expect(balance.VIP).toBeGreaterThan(balance.major);
    expect(balance.major).toBeGreaterThan(balance.ordinary);
    expect(balance.ordinary).toBeGreaterThan(balance.small);
  });

  it('replaces an existing file only with a finished warehouse', async () => {
    const out = join(folder, 'replace', 'bank.duckdb');
    await seedWarehouse({ rows: 1_000, seed: 1, out });
    await writeFile(`${out}.wal`, 'stale');
    const summary = await seedWarehouse({ rows: 2_000, seed: 1, out });
    const replaced = await open(summary);
    try {
      expect(await one(replaced, 'SELECT count(*)::INTEGER AS n FROM fact_transactions')).toEqual({ n: 2_000 });
    } finally {
      replaced.connection.closeSync();
      replaced.instance.closeSync();
    }
    expect(await readdir(join(folder, 'replace'))).toEqual(['bank.duckdb']);
    await expect(seedWarehouse({ rows: 0, seed: 1, out })).rejects.toThrow(RangeError);
    expect((await stat(out)).size).toBe(summary.bytes);
  });
});
