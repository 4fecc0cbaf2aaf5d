import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import { SourceDatabase } from '../../src/engine/sourceDatabase.ts';
import { loadDefinitions } from '../../src/model/loadDefinitions.ts';
import type { CubeModel } from '../../src/model/types.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import type { LimitsOptions } from '../../src/server/limits.ts';
import { bankFixture, type BankFixture } from '../server/bankFixture.ts';

/** Each limit of issue 6 §4 holds, and refuses with our error shape instead of failing some other way. */

let fixture: BankFixture;
const open: Array<{ close(): Promise<unknown> }> = [];

beforeAll(async () => {
  fixture = await bankFixture(5_000);
});

afterAll(async () => {
  for (const item of open.reverse()) await item.close();
  await fixture?.close();
});

function engineOf(options: ConstructorParameters<typeof CubeEngine>[0] = {}): CubeEngine {
  const engine = new CubeEngine(options);
  engine.load(fixture.cube);
  open.push(engine);
  return engine;
}

async function appOf(limits: Partial<LimitsOptions>, engine = engineOf()): Promise<FastifyInstance> {
  const app = buildApp({ engine, limits });
  // Stands in for authentication, which sets request.scope.
  app.addHook('onRequest', async (request) => {
    const principal = request.headers['x-test-principal'];
    if (typeof principal === 'string') request.scope = { principal, role: 'head_office', claims: {} };
  });
  open.push(app);
  await app.ready();
  return app;
}

const QUERY = { cube: 'transactions', measures: ['amount'], levels: { region: 'region' } };
const post = (app: FastifyInstance, payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/query', payload, headers });

describe('rate limit', () => {
  it('answers 429 RATE_LIMITED with Retry-After once an address has used its budget, but never on /healthz', async () => {
    const app = await appOf({ requestsPerAddress: 3 });
    for (let i = 0; i < 3; i++) expect((await post(app, QUERY)).statusCode).toBe(200);
    const refused = await post(app, QUERY);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({ code: 'RATE_LIMITED', hint: expect.stringMatching(/^retry in/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.inject('/v1/cubes')).statusCode).toBe(429);
    for (let i = 0; i < 5; i++) expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('counts per principal when there is one, and leaves anonymous requests alone by default', async () => {
    const app = await appOf({ requestsPerPrincipal: 2 });
    for (let i = 0; i < 2; i++) expect((await post(app, QUERY, { 'x-test-principal': 'alice' })).statusCode).toBe(200);
    expect((await post(app, QUERY, { 'x-test-principal': 'alice' })).statusCode).toBe(429);
    expect((await post(app, QUERY, { 'x-test-principal': 'bob' })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await post(app, QUERY)).statusCode).toBe(200);
  });
});

describe('load shedding', () => {
  it('answers 503 OVERLOADED with Retry-After past a pressure threshold, and still answers /healthz', async () => {
    const app = await appOf({ maxHeapUsedBytes: 1, sampleIntervalMs: 10, overloadRetryAfterSeconds: 7 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    const shed = await post(app, QUERY);
    expect(shed.statusCode).toBe(503);
    expect(shed.json().error).toMatchObject({ code: 'OVERLOADED' });
    expect(shed.headers['retry-after']).toBe('7');
    const graphql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ __typename }' } });
    expect(graphql.statusCode).toBe(503);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('does not shed with the default thresholds', async () => {
    const app = await appOf({});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await post(app, QUERY)).statusCode).toBe(200);
  });
});

describe('result rows', () => {
  it('refuses a limit over maxResultRows with RESULT_TOO_LARGE and a hint to page; the default page still answers', async () => {
    const app = await appOf({}, engineOf({ maxResultRows: 1000 }));
    const refused = await post(app, { ...QUERY, limit: 1001 });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'RESULT_TOO_LARGE', path: 'limit', hint: expect.stringMatching(/offset/) });
    expect((await post(app, { ...QUERY, limit: 1000 })).statusCode).toBe(200);
    const page = await post(app, { ...QUERY, levels: { segment: 'customer' } });
    expect(page.statusCode).toBe(200);
    expect(page.json().rows.length).toBeLessThanOrEqual(1000);
    expect(page.json().total).toBeGreaterThanOrEqual(page.json().rows.length);
  });

  it('refuses a pivot whose matrix would be too large instead of building it', async () => {
    const app = await appOf({});
    const response = await app.inject({
      method: 'POST',
      url: '/v1/olap/pivot',
      payload: {
        query: { cube: 'transactions', measures: ['amount', 'profit'], levels: { segment: 'customer', time: 'day' }, limit: 100_000 },
        rows: ['segment'],
        columns: ['time'],
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'RESULT_TOO_LARGE' });
  });
});

describe('query timeout', () => {
  it('interrupts an overrunning statement with QUERY_TIMEOUT and the same connection answers the next one', async () => {
    const database = new SourceDatabase(fixture.cube.model, { timeoutMs: 200, memoryLimit: '512MB' });
    open.push(database);
    const started = performance.now();
    await expect(database.run([{ sql: 'SELECT sum(i * i) FROM range(100000000000) t(i)', params: [], types: [] }])).rejects.toMatchObject({
      code: 'QUERY_TIMEOUT',
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await database.rowCount()).toBe(5_000);
  });

  it('refuses a statement over the memory limit with QUERY_TOO_LARGE, and the connection answers the next one', async () => {
    const database = new SourceDatabase(fixture.cube.model, { timeoutMs: 30_000, memoryLimit: '30MB', threads: 1 });
    open.push(database);
    const groups = 'SELECT count(*) FROM (SELECT i, count(*) FROM range(20000000) t(i) GROUP BY i)';
    await expect(database.run([{ sql: groups, params: [], types: [] }])).rejects.toMatchObject({ code: 'QUERY_TOO_LARGE' });
    expect(await database.rowCount()).toBe(5_000);
  });

  it('answers 504 QUERY_TIMEOUT over HTTP, and the server answers the next query', async () => {
    // The same cube over a source slow enough to overrun (every fact row 5000 times).
    const model = fixture.cube.model;
    if (model.source.kind !== 'table') throw new Error('the bank cube reads a table');
    const slow: CubeModel = {
      ...model,
      source: { kind: 'sql', database: model.source.database, sql: 'SELECT t.* FROM fact_transactions t, range(5000)', alias: model.source.alias },
    };
    const engine = new CubeEngine({ queryTimeoutMs: 200 });
    engine.load({ ...fixture.cube, model: slow });
    open.push(engine);
    const app = await appOf({}, engine);
    const timedOut = await post(app, { ...QUERY, route: 'source' });
    expect(timedOut.statusCode).toBe(504);
    expect(timedOut.json().error).toMatchObject({ code: 'QUERY_TIMEOUT', hint: expect.any(String) });
    expect((await post(app, QUERY)).statusCode).toBe(200);
  });
});

describe('DuckDB on the query path', () => {
  const attempts = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "ATTACH '/tmp/arrowcube-other.duckdb' AS other",
    "COPY (SELECT 1) TO '/tmp/arrowcube-leak.csv'",
    'SET enable_external_access = true',
    "SET memory_limit = '100GB'",
    'LOAD httpfs',
  ];

  async function expectLockedDown(model: CubeModel, rows: number): Promise<void> {
    const database = new SourceDatabase(model, { timeoutMs: 30_000, memoryLimit: '1GB', threads: 2 });
    open.push(database);
    expect(await database.rowCount()).toBe(rows);
    for (const sql of attempts) {
      await expect(database.run([{ sql, params: [], types: [] }]), sql).rejects.toThrow(/disabled|locked|Permission/i);
    }
    const [settings] = await database.run([
      { sql: "SELECT current_setting('memory_limit') AS memory, current_setting('threads') AS threads", params: [], types: [] },
    ]);
    expect(settings!.getRowObjectsJS()[0]).toMatchObject({ memory: expect.stringMatching(/^(1\.0 GiB|953\.6 MiB)$/), threads: 2n });
    expect(await database.rowCount()).toBe(rows);
  }

  it('a warehouse source answers, and no other file, setting or extension is reachable', async () => {
    await expectLockedDown(fixture.cube.model, 5_000);
    const engine = engineOf();
    const answer = await engine.query({ ...QUERY, route: 'source' });
    expect(answer.meta.source).toBe('source');
  });

  const ssbData = fileURLToPath(new URL('../../../shared/data/ssb-sf0.1', import.meta.url));
  it.skipIf(!existsSync(ssbData))('a Parquet source answers, and no other file is reachable', async () => {
    const [model] = await loadDefinitions(fileURLToPath(new URL('../../bench/ssb', import.meta.url)), { SSB_DATA: ssbData });
    const [{ rows }] = await fixture.sql(`SELECT count(*)::INTEGER AS rows FROM read_parquet('${ssbData}/lineorder.parquet')`);
    await expectLockedDown(model!, rows as number);
  });
});
