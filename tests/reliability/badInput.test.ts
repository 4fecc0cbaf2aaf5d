import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import { isCubeError } from '../../src/errors.ts';
import { loadDefinitions } from '../../src/model/loadDefinitions.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { Reloader } from '../../src/server/reloadCubes.ts';
import type { LimitsOptions } from '../../src/server/limits.ts';
import { bankFixture, type BankFixture } from '../server/bankFixture.ts';
import { bearer, credentials, HEAD_OFFICE_KEY, hs256, unsigned, type Credentials } from './credentials.ts';

/**
 * Issue 6 §5: every bad input gets the status and error code a client can branch on,
 * never a 500, never a stack trace. REST answers `{ error: { code } }`; GraphQL answers
 * `errors[0].extensions.code` (200 for an error while executing, the HTTP status of the
 * refusal otherwise).
 */

interface BadInput {
  description: string;
  request: InjectOptions;
  status: number;
  code: string;
  /** The error's hint must match this (a suggestion of the valid name, a way out). */
  hint?: RegExp;
  /** Served by an app with these limits, after `repeat - 1` identical requests. */
  limits?: Partial<LimitsOptions>;
  /** For an input that must be answered, not refused (code ''): the whole answer. */
  answer?: unknown;
  /** Served by an app that requires credentials (tests/reliability/credentials.ts). */
  authenticated?: boolean;
  repeat?: number;
}

const CUBE = 'transactions';
const Q = { cube: CUBE, measures: ['profit'], levels: { region: 'province' } };
const INJECTION = `x'); DROP TABLE fact_transactions; --`;
const IDENTIFIER_INJECTION = `province" FROM fact_transactions; DROP TABLE fact_transactions; --`;

const post = (url: string, payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json', ...headers },
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
});
const query = (body: object) => post('/v1/query', { ...Q, ...body });
const get = (url: string, headers: Record<string, string> = {}): InjectOptions => ({ method: 'GET', url, headers });
const graphql = (text: string, variables?: object) => post('/graphql', { query: text, ...(variables ? { variables } : {}) });
const explainQ = (q: string) => get(`/v1/explain?q=${encodeURIComponent(q)}`);
const members = (params: string) => get(`/v1/cubes/${CUBE}/members?${params}`);

function nested(depth: number): string {
  let selection = '{ total }';
  for (let level = 0; level < depth; level++) selection = `{ ${level % 2 ? 'rollUp' : 'drillDown'}(dimension: time) ${selection} }`;
  return `{ transactions ${selection} }`;
}

const restRows: BadInput[] = [
  // The body as HTTP sees it.
  { description: 'malformed JSON', request: post('/v1/query', '{"cube":'), status: 400, code: 'JSON_MALFORMED' },
  { description: 'empty JSON body', request: post('/v1/query', ''), status: 400, code: 'JSON_MALFORMED' },
  { description: 'a JSON array instead of a query', request: post('/v1/query', '[]'), status: 400, code: 'QUERY_INVALID' },
  { description: 'a JSON string instead of a query', request: post('/v1/query', '"profit"'), status: 400, code: 'QUERY_INVALID' },
  { description: 'JSON null', request: post('/v1/query', 'null'), status: 400, code: 'QUERY_INVALID' },
  { description: 'text/plain body (read as a string, which is no query)', request: post('/v1/query', 'cube=transactions', { 'content-type': 'text/plain' }), status: 400, code: 'QUERY_INVALID' },
  { description: 'XML body', request: post('/v1/query', '<query/>', { 'content-type': 'application/xml' }), status: 415, code: 'MEDIA_TYPE_UNSUPPORTED' },
  { description: 'form-encoded body', request: post('/v1/query', 'cube=transactions', { 'content-type': 'application/x-www-form-urlencoded' }), status: 415, code: 'MEDIA_TYPE_UNSUPPORTED' },
  { description: 'body over 1 MiB', request: query({ filters: [{ dimension: 'region', level: 'city', op: 'in', values: Array(60_000).fill('abcdefghijklmnop') }] }), status: 413, code: 'BODY_TOO_LARGE' },
  { description: 'Accept no format we produce', request: post('/v1/query', Q, { accept: 'image/png' }), status: 406, code: 'NOT_ACCEPTABLE' },
  { description: 'unknown route', request: get('/v1/nope'), status: 404, code: 'ROUTE_NOT_FOUND' },
  { description: 'wrong method', request: get('/v1/query'), status: 404, code: 'ROUTE_NOT_FOUND' },
  // Types and shapes.
  { description: 'measures as a string', request: query({ measures: 'profit' }), status: 400, code: 'QUERY_INVALID' },
  { description: 'no measures', request: query({ measures: [] }), status: 400, code: 'QUERY_INVALID' },
  { description: 'limit as text', request: query({ limit: 'ten' }), status: 400, code: 'QUERY_INVALID' },
  { description: 'negative limit', request: query({ limit: -1 }), status: 400, code: 'QUERY_INVALID' },
  { description: 'fractional offset', request: query({ offset: 1.5 }), status: 400, code: 'QUERY_INVALID' },
  { description: 'unknown key', request: query({ limitt: 5 }), status: 400, code: 'QUERY_INVALID', hint: /remove limitt/ },
  { description: 'levels as an array', request: query({ levels: ['region'] }), status: 400, code: 'QUERY_INVALID' },
  { description: 'misspelt filter operator', request: query({ filters: [{ dimension: 'segment', level: 'tier', op: 'eqq', values: ['VIP'] }] }), status: 400, code: 'QUERY_INVALID', hint: /did you mean eq/ },
  { description: 'having on text values', request: query({ having: [{ measure: 'profit', op: 'gt', values: ['a lot'] }] }), status: 400, code: 'QUERY_INVALID' },
  { description: 'totals as a string', request: query({ totals: 'yes' }), status: 400, code: 'QUERY_INVALID' },
  // Names that do not exist, with the closest valid one.
  { description: 'unknown cube', request: query({ cube: 'transaction' }), status: 404, code: 'CUBE_NOT_FOUND', hint: /transactions/ },
  { description: 'unknown dimension', request: query({ levels: { regoin: 'province' } }), status: 400, code: 'DIMENSION_UNKNOWN', hint: /region/ },
  { description: 'unknown level', request: query({ levels: { region: 'provnce' } }), status: 400, code: 'LEVEL_UNKNOWN', hint: /province/ },
  { description: 'unknown measure', request: query({ measures: ['proft'] }), status: 400, code: 'MEASURE_UNKNOWN', hint: /profit/ },
  { description: 'unknown member', request: query({ filters: [{ dimension: 'segment', level: 'tier', op: 'eq', values: ['VIPP'] }] }), status: 400, code: 'MEMBER_UNKNOWN', hint: /VIP/ },
  { description: 'unknown measure variant', request: query({ measures: ['profit:pctOfTotl'] }), status: 400, code: 'QUERY_INVALID', hint: /profit:pctOfTotal/ },
  { description: 'order by something not in the query', request: query({ order: [{ by: 'amount' }] }), status: 400, code: 'QUERY_INVALID' },
  // Sizes.
  { description: 'limit over maxResultRows', request: query({ limit: 100_001 }), status: 400, code: 'RESULT_TOO_LARGE', hint: /offset/ },
  { description: 'absurd limit', request: query({ limit: 1e12 }), status: 400, code: 'QUERY_INVALID' },
  { description: 'absurd offset', request: query({ offset: 1e12 }), status: 400, code: 'QUERY_INVALID' },
  { description: 'absurd topN', request: query({ topN: { dimension: 'region', n: 1e6, by: 'profit' } }), status: 400, code: 'QUERY_INVALID' },
  {
    description: 'pivot too large to lay out',
    request: post('/v1/olap/pivot', { query: { cube: CUBE, measures: ['amount', 'profit'], levels: { segment: 'customer', time: 'day' }, limit: 100_000 }, rows: ['segment'], columns: ['time'] }),
    status: 400,
    code: 'RESULT_TOO_LARGE',
  },
  // SQL in places meant for names and members: refused as unknown, or matched as plain text (see the test below).
  { description: 'SQL in an eq member', request: query({ filters: [{ dimension: 'segment', level: 'tier', op: 'eq', values: [INJECTION] }] }), status: 400, code: 'MEMBER_UNKNOWN' },
  { description: 'SQL in an in-list member on the source', request: query({ route: 'source', filters: [{ dimension: 'segment', level: 'tier', op: 'in', values: ['VIP', INJECTION] }] }), status: 400, code: 'MEMBER_UNKNOWN' },
  { description: 'SQL as a dimension name', request: query({ levels: { [IDENTIFIER_INJECTION]: 'province' } }), status: 400, code: 'DIMENSION_UNKNOWN' },
  { description: 'SQL as a level name', request: query({ route: 'source', levels: { region: IDENTIFIER_INJECTION } }), status: 400, code: 'LEVEL_UNKNOWN' },
  { description: 'SQL as a measure name', request: query({ route: 'source', measures: [IDENTIFIER_INJECTION] }), status: 400, code: 'MEASURE_UNKNOWN' },
  { description: 'SQL as a filter level', request: query({ filters: [{ dimension: 'region', level: IDENTIFIER_INJECTION, op: 'eq', values: ['x'] }] }), status: 400, code: 'LEVEL_UNKNOWN' },
  { description: 'SQL as an order key', request: query({ order: [{ by: IDENTIFIER_INJECTION }] }), status: 400, code: 'QUERY_INVALID' },
  { description: 'SQL as a cube name', request: query({ cube: IDENTIFIER_INJECTION }), status: 404, code: 'CUBE_NOT_FOUND' },
  { description: 'SQL as a members level', request: members(`dimension=region&level=${encodeURIComponent(IDENTIFIER_INJECTION)}`), status: 400, code: 'LEVEL_UNKNOWN' },
  // Query strings.
  { description: 'explain without q', request: get('/v1/explain'), status: 400, code: 'QUERY_INVALID' },
  { description: 'explain with q that is not JSON', request: explainQ('{"cube":'), status: 400, code: 'JSON_MALFORMED' },
  { description: 'explain with q repeated', request: get('/v1/explain?q=1&q=2'), status: 400, code: 'QUERY_INVALID' },
  { description: 'explain of an unknown measure', request: explainQ(JSON.stringify({ cube: CUBE, measures: ['proft'] })), status: 400, code: 'MEASURE_UNKNOWN', hint: /profit/ },
  { description: 'members with limit as text', request: members('dimension=region&level=province&limit=abc'), status: 400, code: 'QUERY_INVALID' },
  { description: 'members with a huge limit', request: members('dimension=region&level=province&limit=1000000'), status: 400, code: 'QUERY_INVALID' },
  { description: 'members with an unknown parameter', request: members('dimension=region&level=province&sort=name'), status: 400, code: 'QUERY_INVALID' },
  { description: 'members of an unknown cube', request: get('/v1/cubes/transaction/members?dimension=region&level=province'), status: 404, code: 'CUBE_NOT_FOUND' },
  // OLAP operations.
  { description: 'drill below the finest level', request: post('/v1/olap/drillDown', { query: { ...Q, levels: { region: 'branch' } }, dimension: 'region' }), status: 400, code: 'OPERATION_INVALID' },
  { description: 'roll up a dimension not grouped', request: post('/v1/olap/rollUp', { query: Q, dimension: 'time' }), status: 400, code: 'OPERATION_INVALID' },
  { description: 'slice an unknown dimension', request: post('/v1/olap/slice', { query: Q, dimension: 'regoin', level: 'province', member: 'x' }), status: 400, code: 'DIMENSION_UNKNOWN' },
  { description: 'dice without filters', request: post('/v1/olap/dice', { query: Q, filters: [] }), status: 400, code: 'QUERY_INVALID' },
  { description: 'pivot leaving a level unplaced', request: post('/v1/olap/pivot', { query: { ...Q, levels: { region: 'province', time: 'year' } }, rows: ['region'], columns: [] }), status: 400, code: 'OPERATION_INVALID' },
  // Limits.
  { description: 'rate limit exceeded', request: query({}), status: 429, code: 'RATE_LIMITED', limits: { requestsPerAddress: 2 }, repeat: 3 },
  { description: 'overloaded', request: query({}), status: 503, code: 'OVERLOADED', limits: { maxHeapUsedBytes: 1, sampleIntervalMs: 10 } },
];

const graphqlRows: BadInput[] = [
  { description: 'GraphQL syntax error', request: graphql('{ transactions { rows { profit } }'), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { description: 'GraphQL unknown measure field', request: graphql('{ transactions { rows { proft } } }'), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { description: 'GraphQL unknown level enum', request: graphql('{ transactions(levels: { region: provnce }) { total } }'), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { description: 'GraphQL nested too deep', request: graphql(nested(14)), status: 400, code: 'QUERY_TOO_DEEP' },
  { description: 'GraphQL too many cube queries', request: graphql(`{ ${Array.from({ length: 25 }, (_, i) => `q${i}: transactions { total }`).join(' ')} }`), status: 400, code: 'QUERY_TOO_COSTLY' },
  { description: 'GraphQL unknown member', request: graphql('{ transactions(where: { segment: { tier: { eq: "VIPP" } } }) { total } }'), status: 200, code: 'MEMBER_UNKNOWN', hint: /VIP/ },
  { description: 'GraphQL SQL in a member', request: graphql('query($m: String) { transactions(where: { segment: { tier: { eq: $m } } }) { total } }', { m: INJECTION }), status: 200, code: 'MEMBER_UNKNOWN' },
  { description: 'GraphQL page over maxResultRows', request: graphql('{ transactions(first: 200000) { total } }'), status: 200, code: 'RESULT_TOO_LARGE' },
  { description: 'GraphQL absurd page', request: graphql('{ transactions(first: 100000000) { total } }'), status: 200, code: 'QUERY_INVALID' },
  { description: 'GraphQL variable of the wrong type', request: graphql('query($n: Int) { transactions(first: $n) { total } }', { n: 'ten' }), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { description: 'GraphQL body that is not JSON', request: post('/graphql', '{"query":'), status: 400, code: 'JSON_MALFORMED' },
  { description: 'GraphQL body over 1 MiB', request: graphql(`{ transactions { total } } # ${'x'.repeat(1_100_000)}`), status: 413, code: 'BODY_TOO_LARGE' },
  { description: 'GraphQL rate limit exceeded', request: graphql('{ transactions { total } }'), status: 429, code: 'RATE_LIMITED', limits: { requestsPerAddress: 1 }, repeat: 2 },
  { description: 'GraphQL overloaded', request: graphql('{ transactions { total } }'), status: 503, code: 'OVERLOADED', limits: { maxHeapUsedBytes: 1, sampleIntervalMs: 10 } },
];

/** Credentials that are missing, wrong, expired or not allowed, against an app that requires them. */
const asUser = (headers: Record<string, string>, request: InjectOptions = post('/v1/query', Q)): InjectOptions => ({
  ...request,
  headers: { ...request.headers, ...headers },
});
const seconds = () => Math.floor(Date.now() / 1000);
const authRows: BadInput[] = [
  { description: 'no credentials', request: post('/v1/query', Q), status: 401, code: 'AUTH_REQUIRED' },
  { description: 'no credentials on GraphQL', request: graphql('{ cubes { name } }'), status: 401, code: 'AUTH_REQUIRED' },
  { description: 'a wrong API key', request: asUser({ 'x-api-key': 'wrong-key-0123456789' }), status: 401, code: 'API_KEY_INVALID' },
  { description: 'an expired JWT', request: asUser(bearer(hs256({ role: 'head_office', exp: seconds() - 5 }))), status: 401, code: 'TOKEN_EXPIRED' },
  { description: 'a JWT signed with another secret', request: asUser(bearer(hs256({ role: 'head_office' }, 'x'.repeat(40)))), status: 401, code: 'TOKEN_INVALID' },
  { description: 'an unsigned JWT (alg none)', request: asUser(bearer(unsigned({ role: 'head_office' }))), status: 401, code: 'TOKEN_INVALID' },
  { description: 'a JWT that is not one', request: asUser(bearer(`${INJECTION}.x.y`)), status: 401, code: 'TOKEN_INVALID' },
  { description: 'a role no cube lists', request: asUser(bearer(hs256({ role: 'intern' }))), status: 403, code: 'ACCESS_DENIED' },
  { description: 'a branch head without a branch claim', request: asUser(bearer(hs256({ role: 'branch_head' }))), status: 403, code: 'ACCESS_DENIED' },
  {
    description: 'a measure hidden from the role',
    request: asUser(bearer(hs256({ role: 'account_manager', manager: 'x' })), query({ measures: ['cost'] })),
    status: 403,
    code: 'ACCESS_DENIED',
  },
  {
    description: 'an SQL-injection string as the claimed branch (matched as a member, so no rows)',
    request: asUser(bearer(hs256({ role: 'branch_head', branch: INJECTION })), members('dimension=region&level=branch')),
    status: 200,
    code: '',
    answer: { members: [], total: 0 },
  },
  { description: 'admin route as a non-admin', request: asUser({ 'x-api-key': HEAD_OFFICE_KEY }, post('/v1/admin/reload', {})), status: 403, code: 'ACCESS_DENIED' },
  {
    description: 'over the per-key rate limit',
    request: asUser({ 'x-api-key': HEAD_OFFICE_KEY }),
    status: 429,
    code: 'RATE_LIMITED',
    limits: { requestsPerPrincipal: 2 },
    repeat: 3,
  },
].map((row) => ({ ...row, authenticated: true }));

/** A definition file each, changed from a valid one in one place. */
const VALID_DEFINITION = `cubes:
  sales:
    source: { database: shop.duckdb, table: fact_sales, alias: f }
    dimensions:
      time: { date: f.sold_on, levels: [year, month] }
    measures:
      revenue: { agg: sum, expr: f.revenue }
`;
const definitionRows: Array<{ description: string; text: string; message: RegExp }> = [
  { description: 'misspelt aggregation', text: VALID_DEFINITION.replace('agg: sum', 'agg: summ'), message: /shop\.yaml:\d+:\d+ .*agg: expected one of sum/ },
  { description: 'YAML that does not parse', text: `${VALID_DEFINITION}  : [`, message: /shop\.yaml:\d+:\d+/ },
  { description: 'unknown key', text: VALID_DEFINITION.replace('measures:', 'measurez:'), message: /measurez/ },
  { description: 'formula over an unknown measure', text: `${VALID_DEFINITION}      margin: { agg: calculated, formula: revenu / 2 }\n`, message: /revenu/ },
  { description: 'not a mapping at all', text: '- just\n- a list\n', message: /shop\.yaml/ },
];

let fixture: BankFixture;
let engine: CubeEngine;
let app: FastifyInstance;
let creds: Credentials;
const limitedApps: FastifyInstance[] = [];
let tried = 0;

beforeAll(async () => {
  [fixture, creds] = await Promise.all([bankFixture(5_000), credentials()]);
  engine = new CubeEngine({});
  engine.load(fixture.cube);
  app = buildApp({ engine });
  await app.ready();
});

afterAll(async () => {
  for (const limited of limitedApps) await limited.close();
  await app?.close();
  await engine?.close();
  await fixture?.close();
  await creds?.remove();
  await mkdir('tests/.artifacts/reliability', { recursive: true });
  await writeFile('tests/.artifacts/reliability/badInput.json', `${JSON.stringify({ badInputs: tried }, null, 2)}\n`);
});

async function appFor(limits: Partial<LimitsOptions> | undefined, authenticated = false): Promise<FastifyInstance> {
  if (limits === undefined && !authenticated) return app;
  const limited: FastifyInstance = buildApp({
    engine,
    ...(limits === undefined ? {} : { limits }),
    // With a reloader, so the admin route exists and is refused rather than not found.
    ...(authenticated ? { auth: creds.config, reloader: new Reloader({ engine, cubesDir: fixture.cubesDir, log: () => limited.log }) } : {}),
  });
  limitedApps.push(limited);
  await limited.ready();
  // Pressure is sampled, not measured per request: let one sample pass.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return limited;
}

function expectNoStackTrace(body: string): void {
  expect(body).not.toMatch(/\n\s+at |\.ts:\d+|node_modules|\/work\/|\/src\//);
}

const tables: Array<[string, BadInput[]]> = [
  ['REST', restRows],
  ['GraphQL', graphqlRows],
  ['authentication', authRows],
];

describe.each(tables)('%s bad inputs', (_kind, rows) => {
  it.each(rows)('$description → $status $code', async (row) => {
    const target = await appFor(row.limits, row.authenticated);
    let response = await target.inject(row.request);
    for (let i = 1; i < (row.repeat ?? 1); i++) response = await target.inject(row.request);
    tried++;
    expectNoStackTrace(response.body);
    expect(response.statusCode, response.body).toBe(row.status);
    const body = response.json();
    if (row.answer !== undefined) return expect(body).toEqual(row.answer);
    const error = row.request.url?.toString().startsWith('/graphql') ? body.errors?.[0]?.extensions : body.error;
    expect(error, response.body).toMatchObject({ code: row.code });
    if (row.hint !== undefined) expect(error.hint).toMatch(row.hint);
  });
});


describe('bad definition files', () => {
  it.each(definitionRows)('$description → DEFINITION_INVALID', async ({ text, message }) => {
    const dir = await mkdtemp(join(tmpdir(), 'arrowcube-bad-definition-'));
    try {
      await writeFile(join(dir, 'shop.yaml'), text);
      const error = await loadDefinitions(dir).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      tried++;
      expect(isCubeError(error) && error.code).toBe('DEFINITION_INVALID');
      expect((error as Error).message).toMatch(message);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('after the SQL injection attempts', () => {
  it('a member that looks like SQL is matched as plain text, and the warehouse is intact', async () => {
    const plain = await app.inject(query({ route: 'source', filters: [{ dimension: 'region', level: 'city', op: 'contains', values: [INJECTION] }] }));
    expect(plain.statusCode, plain.body).toBe(200);
    expect(plain.json()).toMatchObject({ rows: [], total: 0, meta: { source: 'source' } });
    const between = await app.inject(query({ route: 'source', filters: [{ dimension: 'time', level: 'year', op: 'between', values: [INJECTION, '2024'] }] }));
    expect(between.json()).toMatchObject({ rows: [], total: 0 });
    const starts = await app.inject(query({ filters: [{ dimension: 'region', level: 'city', op: 'startsWith', values: [`' OR 1=1 --`] }] }));
    expect(starts.json()).toMatchObject({ rows: [], total: 0 });

    const [{ n }] = await fixture.sql('SELECT count(*)::INTEGER AS n FROM w.fact_transactions');
    expect(n).toBe(5_000);
    const [{ profit }] = await fixture.sql('SELECT sum(fee_revenue + interest_revenue - cost)::DOUBLE AS profit FROM w.fact_transactions');
    const fromSource = await app.inject(post('/v1/query', { cube: CUBE, measures: ['profit'], route: 'source' }));
    expect(fromSource.json().rows[0].profit).toBeCloseTo(profit as number, 2);
  });
});
