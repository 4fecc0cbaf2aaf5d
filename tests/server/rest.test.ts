import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, tableFromIPC } from 'apache-arrow';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import type { CubeQueryInput } from '../../src/model/query.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { serve } from '../../src/server/serve.ts';
import { bankFixture, DEFINITIONS_DIR, type BankFixture } from './bankFixture.ts';
import { expectSameRows } from './expectRows.ts';
import { parseCsv } from './parseCsv.ts';

/** The tests' own SQL over the raw warehouse: the star join, written independently of the cube. */
const FROM = `FROM w.fact_transactions f
  JOIN w.dim_branch b ON f.branch_id = b.branch_id
  JOIN w.dim_customer c ON f.customer_id = c.customer_id
  JOIN w.dim_channel ch ON f.channel_id = ch.channel_id`;
const QUARTER = `strftime(f.txn_date, '%Y') || '-Q' || CAST(quarter(f.txn_date) AS VARCHAR)`;

const VIP_BY_PROVINCE_QUARTER: CubeQueryInput = {
  cube: 'transactions',
  measures: ['amount', 'transactions', 'profit', 'average_amount', 'largest_amount', 'margin'],
  levels: { region: 'province', time: 'quarter' },
  filters: [{ dimension: 'segment', level: 'tier', op: 'eq', values: ['VIP'] }],
  limit: 100_000,
  totals: true,
};
const VIP_MEASURES_SQL = `sum(f.amount)::DOUBLE AS amount, count(*)::DOUBLE AS transactions,
  sum(f.fee_revenue + f.interest_revenue - f.cost)::DOUBLE AS profit, avg(f.amount)::DOUBLE AS average_amount,
  max(f.amount)::DOUBLE AS largest_amount,
  (sum(f.fee_revenue + f.interest_revenue - f.cost) / NULLIF(sum(f.fee_revenue + f.interest_revenue), 0))::DOUBLE AS margin`;
const VIP_MEASURES = ['amount', 'transactions', 'profit', 'average_amount', 'largest_amount', 'margin'];

let fixture: BankFixture;
let engine: CubeEngine;
let app: FastifyInstance;
let provinces: string[];

beforeAll(async () => {
  fixture = await bankFixture();
  engine = new CubeEngine({});
  engine.load(fixture.cube);
  app = buildApp({ engine });
  provinces = (await fixture.sql(`SELECT DISTINCT b.province AS p ${FROM}`)).map((row) => row.p as string);
});

afterAll(async () => {
  await app?.close();
  await engine?.close();
  await fixture?.close();
});

function post(url: string, payload: unknown, headers: InjectOptions['headers'] = {}) {
  return app.inject({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers });
}

/** Asserts an error response: exact status and code, and nothing but the error envelope. */
function expectError(response: { statusCode: number; json(): any; body: string }, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(response.body).not.toMatch(/\bat .*\.ts:\d+/); // no stack frames
  return body.error as { code: string; message: string; path?: string; hint?: string };
}

/** The hint names `closest` before any other valid name. */
function expectClosestFirst(hint: string | undefined, closest: string, names: readonly string[]) {
  expect(hint).toBeDefined();
  const positions = names.map((name) => ({ name, at: hint!.indexOf(name) })).filter(({ at }) => at >= 0);
  expect(positions.sort((a, b) => a.at - b.at || b.name.length - a.name.length)[0]?.name).toBe(closest);
}

describe('GET /healthz and /v1/cubes', () => {
  it('reports the loaded cubes and their versions', async () => {
    const response = await app.inject('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', cubes: [{ name: 'transactions', version: fixture.cube.version }] });
  });

  it('describes dimensions with cardinalities, measures and cuboids', async () => {
    const { cubes } = (await app.inject('/v1/cubes')).json();
    expect(cubes).toHaveLength(1);
    const [cube] = cubes;
    expect(cube).toMatchObject({ name: 'transactions', version: fixture.cube.version, builtAt: fixture.cube.builtAt });
    const [{ n: branches }] = await fixture.sql(`SELECT count(DISTINCT b.branch_name)::DOUBLE AS n ${FROM}`);
    const region = cube.dimensions.find((dimension: any) => dimension.name === 'region');
    expect(region.levels.map((level: any) => level.name)).toEqual(['region', 'province', 'city', 'branch']);
    expect(region.levels.find((level: any) => level.name === 'province').cardinality).toBe(provinces.length);
    expect(region.levels.find((level: any) => level.name === 'branch').cardinality).toBe(branches);
    expect(cube.dimensions.find((dimension: any) => dimension.name === 'segment').hierarchies).toEqual([
      { name: 'value', levels: ['tier', 'customer'] },
      { name: 'kind', levels: ['type', 'customer'] },
    ]);
    expect(cube.measures).toContainEqual(expect.objectContaining({ name: 'amount', agg: 'sum', kind: 'additive', format: '#,##0.00' }));
    expect(cube.measures).toContainEqual(expect.objectContaining({ name: 'margin', agg: 'calculated', kind: 'nonAdditive', format: 'percent' }));
    expect(cube.cuboids).toContainEqual(
      expect.objectContaining({ levels: { region: 'province', time: 'quarter', segment: 'tier' }, rows: expect.any(Number) }),
    );
  });

  it('describes one cube, or 404 naming the closest cube', async () => {
    expect((await app.inject('/v1/cubes/transactions')).json().name).toBe('transactions');
    const error = expectError(await app.inject('/v1/cubes/transaction'), 404, 'CUBE_NOT_FOUND');
    expect(error.hint).toContain('transactions');
  });
});

describe('GET /v1/cubes/:cube/members', () => {
  const members = (query: string) => app.inject(`/v1/cubes/transactions/members?${query}`);

  it('lists a level’s members', async () => {
    const body = (await members('dimension=region&level=province&limit=1000')).json();
    expect(body.total).toBe(provinces.length);
    expect([...body.members].sort()).toEqual([...provinces].sort());
  });

  it('narrows to a parent’s children, by search, and pages', async () => {
    const province = provinces[0]!;
    const cities = await fixture.sql(`SELECT DISTINCT b.city AS city ${FROM} WHERE b.province = ?`, [province]);
    const children = (await members(`dimension=region&level=city&parent=${encodeURIComponent(province)}`)).json();
    expect([...children.members].sort()).toEqual(cities.map((row) => row.city).sort());

    const all = (await members('dimension=region&level=province&limit=1000')).json().members as string[];
    const page = (await members('dimension=region&level=province&limit=2&offset=1')).json();
    expect(page).toEqual({ members: all.slice(1, 3), total: all.length });

    const needle = province.slice(0, 1);
    const found = (await members(`dimension=region&level=province&search=${encodeURIComponent(needle)}`)).json();
    expect(found.members).toEqual(all.filter((member) => member.includes(needle)));
  });

  it('rejects bad parameters with the closest names', async () => {
    expectClosestFirst(
      expectError(await members('dimension=regoin&level=province'), 400, 'DIMENSION_UNKNOWN').hint,
      'region',
      ['region', 'product', 'segment', 'channel', 'manager', 'time', 'txn_type'],
    );
    expectClosestFirst(
      expectError(await members('dimension=region&level=provnce'), 400, 'LEVEL_UNKNOWN').hint,
      'province',
      ['region', 'province', 'city', 'branch'],
    );
    expect(expectError(await members('dimension=region&level=province&limit=1000000'), 400, 'QUERY_INVALID').path).toBe('limit');
    expect(expectError(await members('dimension=region&level=province&limit=ten'), 400, 'QUERY_INVALID').path).toBe('limit');
    expect(expectError(await members('level=province'), 400, 'QUERY_INVALID').path).toBe('dimension');
    expectError(await app.inject('/v1/cubes/nope/members?dimension=region&level=province'), 404, 'CUBE_NOT_FOUND');
  });
});

describe('POST /v1/query', () => {
  it('answers from a cuboid, matching DuckDB on the raw warehouse', async () => {
    const response = await post('/v1/query', VIP_BY_PROVINCE_QUARTER);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const result = response.json();
    const expected = await fixture.sql(
      `SELECT b.province AS "region.province", ${QUARTER} AS "time.quarter", ${VIP_MEASURES_SQL}
       ${FROM} WHERE c.value_tier = 'VIP' GROUP BY ALL`,
    );
    expect(result.meta).toMatchObject({ source: 'cuboid', cubeVersion: fixture.cube.version, exact: true });
    expect(result.total).toBe(expected.length);
    expect(result.columns.map((column: any) => [column.name, column.kind, column.type])).toEqual([
      ['region.province', 'level', 'string'],
      ['time.quarter', 'level', 'string'],
      ...VIP_MEASURES.map((measure) => [measure, 'measure', 'number']),
    ]);
    expectSameRows(result.rows, expected, ['region.province', 'time.quarter'], VIP_MEASURES);
    const [totals] = await fixture.sql(`SELECT ${VIP_MEASURES_SQL} ${FROM} WHERE c.value_tier = 'VIP'`);
    expectSameRows([result.totals], [totals!], [], VIP_MEASURES);
  });

  it('answers exact distinct counts, from the source when asked', async () => {
    const expected = await fixture.sql(
      `SELECT ch.channel_name AS "channel.channel", count(DISTINCT f.customer_id)::DOUBLE AS active_customers,
        sum(f.amount)::DOUBLE AS amount ${FROM} GROUP BY ALL`,
    );
    for (const route of ['auto', 'source'] as const) {
      const response = await post('/v1/query', {
        cube: 'transactions', measures: ['active_customers', 'amount'], levels: { channel: 'channel' }, route,
      });
      expect(response.statusCode, response.body).toBe(200);
      const result = response.json();
      if (route === 'source') expect(result.meta.source).toBe('source');
      expectSameRows(result.rows, expected, ['channel.channel'], ['active_customers', 'amount']);
    }
  });

  it('includes the explain list on request, agreeing with /v1/explain', async () => {
    const result = (await post('/v1/query', { ...VIP_BY_PROVINCE_QUARTER, explain: true })).json();
    const chosen = result.explain.filter((entry: any) => entry.chosen);
    expect(chosen).toEqual([expect.objectContaining({ cuboid: result.meta.cuboid, covers: true })]);

    const viaPost = (await post('/v1/explain', VIP_BY_PROVINCE_QUARTER)).json();
    const viaGet = (await app.inject(`/v1/explain?q=${encodeURIComponent(JSON.stringify(VIP_BY_PROVINCE_QUARTER))}`)).json();
    expect(viaGet).toEqual(viaPost);
    expect(viaPost.explain).toEqual(result.explain);
    for (const entry of viaPost.explain) {
      expect(entry).toEqual({
        cuboid: expect.any(String), rows: expect.any(Number), covers: expect.any(Boolean), chosen: expect.any(Boolean), reason: expect.any(String),
      });
    }
  });
});

describe('response formats', () => {
  it('JSON, Arrow IPC and CSV carry the same table', async () => {
    const json = (await post('/v1/query', VIP_BY_PROVINCE_QUARTER)).json();
    const names: string[] = json.columns.map((column: any) => column.name);

    const arrowResponse = await post('/v1/query', VIP_BY_PROVINCE_QUARTER, { accept: 'application/vnd.apache.arrow.stream' });
    expect(arrowResponse.statusCode).toBe(200);
    expect(arrowResponse.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(arrowResponse.rawPayload);
    expect(table.schema.fields.map((field) => field.name)).toEqual(names);
    expect(DataType.isDictionary(table.schema.fields[0]!.type)).toBe(true);
    const arrowRows = Array.from({ length: table.numRows }, (_, row) =>
      Object.fromEntries(names.map((name) => [name, table.getChild(name)!.get(row)])),
    );
    expect(arrowRows).toEqual(json.rows);
    const meta = JSON.parse(arrowResponse.headers['arrowcube-meta'] as string);
    expect(meta.total).toBe(json.total);
    expect(meta.totals).toEqual(json.totals);

    const csvResponse = await post('/v1/query', VIP_BY_PROVINCE_QUARTER, { accept: 'text/csv' });
    expect(csvResponse.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, ...records] = parseCsv(csvResponse.body);
    expect(header).toEqual(names);
    const csvRows = records.map((record) =>
      Object.fromEntries(names.map((name, i) => {
        const cell = record[i]!;
        return [name, json.columns[i].type === 'number' ? (cell === '' ? null : Number(cell)) : cell];
      })),
    );
    expect(csvRows).toEqual(json.rows);
  });

  it('refuses an Accept it cannot meet with 406', async () => {
    const error = expectError(await post('/v1/query', VIP_BY_PROVINCE_QUARTER, { accept: 'text/html' }), 406, 'NOT_ACCEPTABLE');
    expect(error.hint).toContain('text/csv');
    expectError(await app.inject({ url: '/v1/cubes', headers: { accept: 'text/csv' } }), 406, 'NOT_ACCEPTABLE');
  });
});

describe('POST /v1/olap/*', () => {
  const byProvince: CubeQueryInput = { cube: 'transactions', measures: ['amount'], levels: { region: 'province' }, limit: 100_000 };

  it('drills down inside one member', async () => {
    const province = provinces[0]!;
    const response = await post('/v1/olap/drillDown', { query: byProvince, dimension: 'region', member: province });
    expect(response.statusCode, response.body).toBe(200);
    const { query, result } = response.json();
    expect(query.levels).toEqual({ region: 'city' });
    const expected = await fixture.sql(
      `SELECT b.city AS "region.city", sum(f.amount)::DOUBLE AS amount ${FROM} WHERE b.province = ? GROUP BY ALL`, [province],
    );
    expectSameRows(result.rows, expected, ['region.city'], ['amount']);
  });

  it('rolls up to the parent level', async () => {
    const { query, result } = (await post('/v1/olap/rollUp', {
      query: { ...byProvince, levels: { region: 'city' } }, dimension: 'region',
    })).json();
    expect(query.levels).toEqual({ region: 'province' });
    const expected = await fixture.sql(`SELECT b.province AS "region.province", sum(f.amount)::DOUBLE AS amount ${FROM} GROUP BY ALL`);
    expectSameRows(result.rows, expected, ['region.province'], ['amount']);
  });

  it('slices on one member and dices on member sets', async () => {
    const [{ year }] = await fixture.sql(`SELECT min(year(f.txn_date))::VARCHAR AS year ${FROM}`);
    const sliced = (await post('/v1/olap/slice', {
      query: { ...byProvince, levels: { region: 'province', time: 'year' } }, dimension: 'time', level: 'year', member: year,
    })).json();
    expect(sliced.query.filters).toContainEqual({ dimension: 'time', level: 'year', op: 'eq', values: [year] });
    expectSameRows(
      sliced.result.rows,
      await fixture.sql(`SELECT b.province AS "region.province", sum(f.amount)::DOUBLE AS amount ${FROM}
        WHERE year(f.txn_date) = ?::INTEGER GROUP BY ALL`, [year as string]),
      ['region.province'],
      ['amount'],
    );

    const channels = (await fixture.sql(`SELECT channel_name AS c FROM w.dim_channel ORDER BY 1 LIMIT 2`)).map((row) => row.c as string);
    const diced = (await post('/v1/olap/dice', {
      query: byProvince, filters: [{ dimension: 'channel', level: 'channel', op: 'in', values: channels }],
    })).json();
    expectSameRows(
      diced.result.rows,
      await fixture.sql(`SELECT b.province AS "region.province", sum(f.amount)::DOUBLE AS amount ${FROM}
        WHERE ch.channel_name IN (?, ?) GROUP BY ALL`, channels),
      ['region.province'],
      ['amount'],
    );
  });

  it('pivots provinces down the side and years across the top', async () => {
    const query = { ...byProvince, levels: { region: 'province', time: 'year' } };
    const response = await post('/v1/olap/pivot', { query, rows: ['region.province'], columns: ['time.year'], measures: ['amount'] });
    expect(response.statusCode, response.body).toBe(200);
    const { query: echoed, result } = response.json();
    expect(echoed.levels).toEqual(query.levels);
    expect(result.measures).toEqual(['amount']);
    const cells = result.rowKeys.flatMap((rowKey: any, r: number) =>
      result.columnKeys.map((columnKey: any, c: number) => ({
        'region.province': rowKey.members[0], 'time.year': columnKey.members[0], amount: result.values[r][c],
      })),
    ).filter((cell: any) => cell.amount !== null);
    const expected = await fixture.sql(
      `SELECT b.province AS "region.province", year(f.txn_date)::VARCHAR AS "time.year", sum(f.amount)::DOUBLE AS amount ${FROM} GROUP BY ALL`,
    );
    expectSameRows(cells, expected, ['region.province', 'time.year'], ['amount']);
  });

  it('rejects bad operation arguments', async () => {
    expectError(await post('/v1/olap/drillDown', { query: byProvince, dimension: 'regoin' }), 400, 'DIMENSION_UNKNOWN');
    expect(expectError(await post('/v1/olap/slice', { query: byProvince, dimension: 'time' }), 400, 'QUERY_INVALID').path).toBe('level');
    expect(expectError(await post('/v1/olap/dice', { query: { cube: 'transactions' }, filters: [] }), 400, 'QUERY_INVALID').path).toBe('query.measures');
    expectError(await post('/v1/olap/pivot', { query: byProvince, rows: [], columns: [] }), 400, 'OPERATION_INVALID');
    expectError(await post('/v1/olap/rotate', { query: byProvince }), 404, 'ROUTE_NOT_FOUND');
  });
});

describe('errors', () => {
  const query = (overrides: Record<string, unknown>) => post('/v1/query', { ...VIP_BY_PROVINCE_QUARTER, ...overrides });

  it('unknown names → 400/404 with the closest valid names first', async () => {
    expect(expectError(await query({ cube: 'transaction' }), 404, 'CUBE_NOT_FOUND').hint).toContain('transactions');
    const dimensions = ['region', 'product', 'segment', 'channel', 'manager', 'time', 'txn_type'];
    expectClosestFirst(expectError(await query({ levels: { regoin: 'province' } }), 400, 'DIMENSION_UNKNOWN').hint, 'region', dimensions);
    expectClosestFirst(
      expectError(await query({ levels: { region: 'provnce' } }), 400, 'LEVEL_UNKNOWN').hint,
      'province',
      ['region', 'province', 'city', 'branch'],
    );
    expectClosestFirst(
      expectError(await query({ measures: ['amout'] }), 400, 'MEASURE_UNKNOWN').hint,
      'amount',
      ['amount', 'transactions', 'fee_revenue', 'interest_revenue', 'cost', 'profit', 'average_amount', 'largest_amount', 'margin'],
    );
    const province = provinces[0]!;
    const member = expectError(
      await query({ filters: [{ dimension: 'region', level: 'province', op: 'eq', values: [`${province}x`] }] }),
      400,
      'MEMBER_UNKNOWN',
    );
    expectClosestFirst(member.hint, province, provinces);
  });

  it('malformed JSON, wrong types and out-of-range values → 400 with a path', async () => {
    expectError(await post('/v1/query', '{"cube": "transactions",', { 'content-type': 'application/json' }), 400, 'JSON_MALFORMED');
    expectError(await post('/v1/query', '', { 'content-type': 'application/json' }), 400, 'JSON_MALFORMED');
    expect(expectError(await query({ measures: 'amount' }), 400, 'QUERY_INVALID').path).toBe('measures');
    expect(expectError(await query({ limit: '10' }), 400, 'QUERY_INVALID').path).toBe('limit');
    expect(expectError(await query({ limit: 10_000_000 }), 400, 'QUERY_INVALID').path).toBe('limit');
    expect(expectError(await query({ having: 'big' }), 400, 'QUERY_INVALID').path).toBe('having');
    const filter = expectError(await query({ filters: [{ dimension: 'region', level: 'province', op: 'equals', values: [] }] }), 400, 'QUERY_INVALID');
    expect(filter.path).toBe('filters[0].op');
    expect(filter.hint).toMatch(/^did you mean eq/);
    expectError(await post('/v1/query', [1, 2]), 400, 'QUERY_INVALID');
    expectError(await app.inject('/v1/explain?q=%7Bnope'), 400, 'JSON_MALFORMED');
    expect(expectError(await app.inject('/v1/explain'), 400, 'QUERY_INVALID').path).toBe('q');
    expect(expectError(await app.inject(`/v1/explain?q=${encodeURIComponent('{"cube":"transactions"}')}`), 400, 'QUERY_INVALID').path).toBe('q.measures');
  });

  it('oversized bodies → 413, unknown media types → 415, unknown routes → 404', async () => {
    const values = Array.from({ length: 60_000 }, (_, i) => `member number ${i}`);
    expectError(await query({ filters: [{ dimension: 'region', level: 'province', op: 'in', values }] }), 413, 'BODY_TOO_LARGE');
    expectError(await post('/v1/query', '<query/>', { 'content-type': 'application/xml' }), 415, 'MEDIA_TYPE_UNSUPPORTED');
    expectError(await app.inject('/v2/query'), 404, 'ROUTE_NOT_FOUND');
  });
});

describe('serve on a real socket', () => {
  it('loads the built cubes, answers over HTTP and closes gracefully', async () => {
    const logLines: string[] = [];
    const logger = { level: 'warn', stream: { write: (line: string) => void logLines.push(line) } };
    const server = await serve({ definitionsDir: DEFINITIONS_DIR, cubesDir: fixture.cubesDir, port: 0, logger });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // `balances` is defined but not built: logged and skipped, not fatal.
      expect(logLines.join('\n')).toContain('cube balances is not built');
      const health = await (await fetch(`${server.url}/healthz`)).json();
      expect(health).toEqual({ status: 'ok', cubes: [{ name: 'transactions', version: fixture.cube.version }] });

      const response = await fetch(`${server.url}/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/vnd.apache.arrow.stream' },
        body: JSON.stringify(VIP_BY_PROVINCE_QUARTER),
      });
      expect(response.status).toBe(200);
      const table = tableFromIPC(new Uint8Array(await response.arrayBuffer()));
      const [expected] = await fixture.sql(`SELECT sum(f.amount)::DOUBLE AS amount ${FROM} WHERE c.value_tier = 'VIP'`);
      const amounts = table.getChild('amount')!.toArray() as Float64Array;
      expect(amounts.reduce((sum, value) => sum + value, 0)).toBeCloseTo(expected!.amount as number, 2);

      const bad = await fetch(`${server.url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('JSON_MALFORMED');
    } finally {
      await server.close();
    }
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('keeps serving the built cubes when a definition file is broken', async () => {
    const definitionsDir = await mkdtemp(join(tmpdir(), 'arrowcube-broken-defs-'));
    await writeFile(join(definitionsDir, 'bank.yaml'), 'cubes:\n  transactions: { source: 42 }\n');
    const logLines: string[] = [];
    const logger = { level: 'warn', stream: { write: (line: string) => void logLines.push(line) } };
    const server = await serve({ definitionsDir, cubesDir: fixture.cubesDir, port: 0, logger });
    try {
      expect(logLines.join('\n')).toContain('definitions not loaded, serving the built cubes as they are');
      const health = await (await fetch(`${server.url}/healthz`)).json();
      expect(health).toEqual({ status: 'ok', cubes: [{ name: 'transactions', version: fixture.cube.version }] });
    } finally {
      await server.close();
      await rm(definitionsDir, { recursive: true, force: true });
    }
  });
});
