import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine, OTHERS_MEMBER, pivot, resultToArrow, type QueryResult } from '../../src/engine/index.ts';
import { CubeError } from '../../src/errors.ts';
import type { CubeData } from '../../src/model/data.ts';
import { parseDefinition } from '../../src/model/loadDefinitions.ts';
import { buildShop, type BuiltShop } from './fixtures/shopWarehouse.ts';

let shop: BuiltShop;
let engine: CubeEngine;

beforeAll(async () => {
  shop = await buildShop(4000);
  engine = new CubeEngine({});
  Object.values(shop.cubes).forEach((cube) => engine.load(cube));
});

afterAll(async () => {
  await engine?.close();
  await shop?.remove();
});

async function errorOf(run: () => unknown): Promise<CubeError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CubeError) return error;
    throw error;
  }
  throw new Error('expected a CubeError');
}

describe('validation against the model', () => {
  const base = { cube: 'sales', measures: ['amount'] };

  it.each([
    [{ ...base, cube: 'sale' }, 'CUBE_NOT_FOUND', 'cube', 'sales'],
    [{ ...base, levels: { stor: 'city' } }, 'DIMENSION_UNKNOWN', 'levels.stor', 'store'],
    [{ ...base, levels: { store: 'town' } }, 'LEVEL_UNKNOWN', 'levels.store', 'store'],
    [{ ...base, measures: ['amount', 'amout'] }, 'MEASURE_UNKNOWN', 'measures[1]', 'amount'],
    [{ ...base, measures: ['amount:pctOfAll'] }, 'QUERY_INVALID', 'measures[0]', 'amount:pctOfTotal'],
    [
      { ...base, filters: [{ or: [{ dimension: 'channel', level: 'channel', op: 'eq', values: ['online'] }, { dimension: 'store', level: 'province', op: 'in', values: ['Zhejiang', 'Zhejang'] }] }] },
      'MEMBER_UNKNOWN',
      'filters[0].or[1].values[1]',
      'Zhejiang',
    ],
    [{ ...base, filters: [{ dimension: 'size', level: 'qty', op: 'gt', values: ['many'] }] }, 'FILTER_INVALID', 'filters[0].values[0]', undefined],
    [{ ...base, filters: [{ dimension: 'size', level: 'qty', op: 'between', values: ['1'] }] }, 'FILTER_INVALID', 'filters[0].values', undefined],
    [{ ...base, filters: [{ dimension: 'size', level: 'qty', op: 'lt', values: [null] }] }, 'FILTER_INVALID', 'filters[0].values[0]', undefined],
    [{ ...base, order: [{ by: 'store.city' }] }, 'QUERY_INVALID', 'order[0].by', 'amount'],
    [{ ...base, having: [{ measure: 'sales', op: 'gt', values: [1] }] }, 'QUERY_INVALID', 'having[0].measure', 'amount'],
    [{ ...base, levels: { time: 'year' }, topN: { dimension: 'store', n: 2, by: 'amount' } }, 'QUERY_INVALID', 'topN.dimension', 'time'],
    [{ ...base, limit: -1 }, 'QUERY_INVALID', 'limit', undefined],
    [{ ...base, levels: { store: 'city' }, extra: true }, 'QUERY_INVALID', 'extra', 'remove extra'],
  ])('rejects %j with %s at %s', async (input, code, path, hint) => {
    const error = await errorOf(() => engine.query(input));
    expect(error.code).toBe(code);
    expect(error.path).toBe(path);
    if (hint !== undefined) expect(error.hint).toContain(hint);
  });

  it('accepts range and text filters on values that are not members, and the NULL member anywhere', async () => {
    const result = await engine.query({
      ...base,
      levels: { size: 'qty' },
      filters: [
        { dimension: 'size', level: 'qty', op: 'between', values: ['2.5', '10'] },
        { dimension: 'channel', level: 'channel', op: 'ne', values: [null] },
        { dimension: 'product', level: 'category', op: 'in', values: [null, 'cards'] },
      ],
    });
    // Numeric order: 10 is inside [2.5, 10], which text order would not say.
    expect(result.rows.map((row) => row['size.qty'])).toEqual(['3', '4', '5', '6', '7', '8', '9', '10']);
  });
});

describe('answers', () => {
  it('orders members naturally with NULL last, and says which path answered', async () => {
    const result = await engine.query({ cube: 'sales', measures: ['sales'], levels: { channel: 'channel' }, explain: true });
    expect(result.rows.map((row) => row['channel.channel'])).toEqual(['branch', 'mobile', 'online', 'Ωmega', 'ﬀ-fax', '😀chat', null]);
    expect(result.meta).toMatchObject({ source: 'cuboid', exact: true, cached: false, cubeVersion: shop.cubes.sales!.version });
    const chosen = result.explain!.filter((entry) => entry.chosen);
    expect(chosen.map((entry) => entry.cuboid)).toEqual([result.meta.cuboid]);
    expect(result.meta.rowsScanned).toBe(chosen[0]!.rows);
    expect(engine.explain({ cube: 'sales', measures: ['sales'], levels: { channel: 'channel' } })).toEqual(result.explain);
  });

  it('folds the rest of each group into an Others row recombined from partials', async () => {
    const query = { cube: 'sales', levels: { time: 'year', store: 'province' }, measures: ['amount', 'average_amount', 'sales'] };
    const all = await engine.query(query);
    const top = await engine.query({ ...query, topN: { dimension: 'store', n: 2, by: 'amount' }, totals: true });
    for (const year of ['2023', '2024']) {
      const members = all.rows.filter((row) => row['time.year'] === year);
      const ranked = [...members].sort((a, b) => (b.amount as number) - (a.amount as number));
      const rows = top.rows.filter((row) => row['time.year'] === year);
      expect(rows.map((row) => row['store.province'])).toEqual([
        ...ranked
          .slice(0, 2)
          .map((row) => row['store.province'])
          .sort((a, b) => members.indexOf(members.find((row) => row['store.province'] === a)!) - members.indexOf(members.find((row) => row['store.province'] === b)!)),
        OTHERS_MEMBER,
      ]);
      const rest = ranked.slice(2);
      const others = rows.at(-1)!;
      const sum = (name: string) => rest.reduce((total, row) => total + (row[name] as number), 0);
      expect(others.amount).toBeCloseTo(sum('amount'), 6);
      expect(others.sales).toBe(sum('sales'));
      // Averages recombine from sums and counts, not by averaging averages.
      expect(others.average_amount).toBeCloseTo(sum('amount') / sum('sales'), 9);
    }
    expect(top.total).toBe(6);
    expect(top.totals!.amount).toBeCloseTo(all.rows.reduce((total, row) => total + (row.amount as number), 0), 6);
  });

  it('divides shares by the grand total and by the parent along the first hierarchy', async () => {
    const result = await engine.query({
      cube: 'sales',
      levels: { store: 'city' },
      measures: ['amount', 'amount:pctOfTotal', 'amount:pctOfParent'],
      totals: true,
    });
    const provinces = await engine.query({ cube: 'sales', levels: { store: 'province' }, measures: ['amount'] });
    const provinceOf = (city: string | null) => (city === null ? null : city === 'Harbin' || city === 'Daqing' ? 'Heilongjiang' : undefined);
    for (const row of result.rows) {
      expect(row['amount:pctOfTotal']).toBeCloseTo((row.amount as number) / (result.totals!.amount as number), 12);
      const province = provinceOf(row['store.city'] as string | null);
      if (province === undefined) continue;
      const parent = provinces.rows.find((candidate) => candidate['store.province'] === province)!;
      expect(row['amount:pctOfParent']).toBeCloseTo((row.amount as number) / (parent.amount as number), 12);
    }
    expect(result.totals).toMatchObject({ 'amount:pctOfTotal': 1, 'amount:pctOfParent': 1 });
  });

  it('answers a query grouping nothing with one row, even when no row matches', async () => {
    const result = await engine.query({
      cube: 'sales',
      measures: ['amount', 'sales', 'average_amount', 'largest_amount', 'customers_approx'],
      filters: [{ dimension: 'store', level: 'store', op: 'in', values: [] }],
    });
    expect(result.rows).toEqual([{ amount: 0, sales: 0, average_amount: null, largest_amount: null, customers_approx: 0 }]);
  });

  it('reads balances at the latest period of each cell', async () => {
    const months = await engine.query({ cube: 'balances', levels: { time: 'month' }, measures: ['balance'], limit: 100 });
    const quarters = await engine.query({ cube: 'balances', levels: { time: 'quarter' }, measures: ['balance'] });
    const quarterOf = (month: string) => `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5)) / 3)}`;
    const last = (quarter: string) => months.rows.filter((row) => quarterOf(row['time.month'] as string) === quarter).at(-1)!.balance;
    expect(quarters.rows).toHaveLength(7);
    for (const row of quarters.rows) expect(row.balance).toBeCloseTo(last(row['time.quarter'] as string) as number, 6);
  });
});

describe('members', () => {
  it('lists members in natural order, narrowed by parent and search, with paging', async () => {
    expect(await engine.members('sales', { dimension: 'store', level: 'province' })).toEqual({
      members: ['Guangdong', 'Heilongjiang', 'Sichuan', 'Zhejiang', null],
      total: 5,
    });
    expect(await engine.members('sales', { dimension: 'store', level: 'city', parent: 'Zhejiang' })).toEqual({ members: ['Hangzhou', 'Ningbo'], total: 2 });
    expect(await engine.members('sales', { dimension: 'store', level: 'city', parent: null })).toEqual({ members: [null], total: 1 });
    expect(await engine.members('sales', { dimension: 'store', level: 'store', search: 'EAST', limit: 2, offset: 1 })).toEqual({
      members: ['East 2', 'East 3'],
      total: 3,
    });
    expect((await engine.members('sales', { dimension: 'time', level: 'day', parent: '2024-02' })).total).toBe(29);
  });

  it('names the closest members of an unknown parent', async () => {
    const error = await errorOf(() => engine.members('sales', { dimension: 'store', level: 'city', parent: 'Zhejang' }));
    expect(error).toMatchObject({ code: 'MEMBER_UNKNOWN', path: 'parent' });
    expect(error.hint).toContain('Zhejiang');
    expect((await errorOf(() => engine.members('sales', { dimension: 'store', level: 'province', parent: 'x' }))).code).toBe('QUERY_INVALID');
  });
});

describe('cache and versions', () => {
  it('serves a repeated query from the cache, whatever its key order, but never across versions', async () => {
    const local = new CubeEngine({});
    local.load(shop.cubes.sales!);
    const first = await local.query({ cube: 'sales', measures: ['amount'], levels: { store: 'province' } });
    const again = await local.query({ levels: { store: 'province' }, measures: ['amount'], cube: 'sales' });
    expect(first.meta.cached).toBe(false);
    expect(again.meta.cached).toBe(true);
    expect(again.rows).toEqual(first.rows);
    const reordered = await local.query({ cube: 'sales', measures: ['amount'], levels: { store: 'province', time: 'year' } });
    const swapped = await local.query({ cube: 'sales', measures: ['amount'], levels: { time: 'year', store: 'province' } });
    expect(swapped.meta.cached).toBe(false);
    expect(swapped.columns.map((column) => column.name)).toEqual(['time.year', 'store.province', 'amount']);
    expect(reordered.columns.map((column) => column.name)).toEqual(['store.province', 'time.year', 'amount']);

    local.load({ ...shop.cubes.sales!, version: 'next' });
    const next = await local.query({ cube: 'sales', measures: ['amount'], levels: { store: 'province' } });
    expect(next.meta).toMatchObject({ cached: false, cubeVersion: 'next' });
    await local.close();
  });

  it('finishes a query on the version it started with', async () => {
    const local = new CubeEngine({});
    local.load(shop.cubes.sales!);
    const running = local.query({ cube: 'sales', measures: ['customers'], levels: { store: 'province' }, route: 'source' });
    local.load({ ...shop.cubes.sales!, version: 'later' });
    expect((await running).meta.cubeVersion).toBe(shop.cubes.sales!.version);
    expect(local.cube('sales').version).toBe('later');
    await local.close();
  });

  it('interrupts a source query that overruns its time budget', async () => {
    const [model] = parseDefinition(
      `cubes:
  slow:
    source: { database: ${JSON.stringify(shop.warehouse)}, sql: "SELECT i AS id, i % 7 AS k FROM range(5000000000) AS t(i)", alias: r }
    dimensions:
      key: { levels: { k: r.k } }
    measures:
      ids: { agg: count_distinct, expr: r.id }
    aggregation: { auto: false }
`,
      'slow.yaml',
      {},
    );
    const slow: CubeData = {
      model: model!,
      version: 'v1',
      builtAt: new Date().toISOString(),
      dictionaries: { 'key.k': ['0', '1', '2', '3', '4', '5', '6'] },
      parentMaps: {},
      cuboids: [],
    };
    const local = new CubeEngine({ queryTimeoutMs: 300 });
    local.load(slow);
    const started = performance.now();
    const error = await errorOf(() => local.query({ cube: 'slow', measures: ['ids'], levels: { key: 'k' } }));
    expect(error.code).toBe('QUERY_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(10_000);
    await local.close();
  });
});

describe('result formats', () => {
  let result: QueryResult;
  beforeAll(async () => {
    result = await engine.query({
      cube: 'sales',
      levels: { store: 'province', time: 'year' },
      measures: ['amount', 'average_amount', 'largest_amount'],
    });
  });

  it('converts to an Arrow table with dictionary-encoded levels', () => {
    const table = tableFromIPC(tableToIPC(resultToArrow(result), 'stream'));
    expect(table.numRows).toBe(result.rows.length);
    expect(String(table.schema.fields.map((field) => field.type))).toBe('Dictionary<Int32, Utf8>,Dictionary<Int32, Utf8>,Float64,Float64,Float64');
    expect(table.getChild('store.province')!.toArray()).toEqual(result.rows.map((row) => row['store.province']));
    expect(Array.from(table.getChild('amount')!.toArray() as Float64Array)).toEqual(result.rows.map((row) => row.amount));
  });

  it('pivots into a matrix with subtotals where finished values combine', () => {
    const matrix = pivot(result, { rows: ['store'], columns: ['time.year'], measures: ['amount', 'average_amount', 'largest_amount'], subtotals: true });
    expect(matrix.columnKeys).toEqual([
      { members: ['2023'], depth: 1 },
      { members: ['2024'], depth: 1 },
      { members: [null], depth: 0 },
    ]);
    expect(matrix.rowKeys.map((key) => key.members[0])).toEqual(['Guangdong', 'Heilongjiang', 'Sichuan', 'Zhejiang', null, null]);
    expect(matrix.rowKeys.at(-1)!.depth).toBe(0);
    expect(matrix.header).toEqual([
      [null, '2023', '2023', '2023', '2024', '2024', '2024', 'Total', 'Total', 'Total'],
      ['store.province', 'amount', 'average_amount', 'largest_amount', 'amount', 'average_amount', 'largest_amount', 'amount', 'average_amount', 'largest_amount'],
    ]);
    const cell = (province: string | null, year: string) => result.rows.find((row) => row['store.province'] === province && row['time.year'] === year)!;
    const guangdong = matrix.values[0]!;
    expect(guangdong.slice(0, 3)).toEqual([cell('Guangdong', '2023').amount, cell('Guangdong', '2023').average_amount, cell('Guangdong', '2023').largest_amount]);
    expect(guangdong[6]).toBeCloseTo((cell('Guangdong', '2023').amount as number) + (cell('Guangdong', '2024').amount as number), 6);
    expect(guangdong[7]).toBeNull();
    expect(guangdong[8]).toBe(Math.max(cell('Guangdong', '2023').largest_amount as number, cell('Guangdong', '2024').largest_amount as number));
    const grand = matrix.values.at(-1)!;
    expect(grand[6]).toBeCloseTo(result.rows.reduce((total, row) => total + (row.amount as number), 0), 6);
    expect(() => pivot(result, { rows: ['store.province'], columns: [] })).toThrow(/on rows or columns/);
  });
});
