import { mkdir, writeFile } from 'node:fs/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine, pivot } from '../../src/engine/index.ts';
import { CubeQuerySchema, parseMeasureRef, type CubeQuery, type CubeQueryInput, type LevelFilter } from '../../src/model/query.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { bankOracleCubes } from '../engine/fixtures/bankOracle.ts';
import { buildBank, type BuiltBank } from '../engine/fixtures/bankSample.ts';
import { expectAnswer } from '../engine/fixtures/expectAnswer.ts';
import { randomQuery } from '../engine/fixtures/randomQuery.ts';
import { oracleAnswer, type OracleCube } from '../engine/fixtures/sqlOracle.ts';
import { cubeQueryToGraphQL, graphQLRowsToRest } from '../graphql/cubeQueryToGraphQL.ts';
import { parseCsv } from '../server/parseCsv.ts';
import { bearer, credentials, hs256, type Credentials } from './credentials.ts';

/**
 * Row-level security holds everywhere: random queries as random users (head office,
 * branch heads, account managers, including members no build has seen), each answer
 * checked against DuckDB on the raw warehouse with the user's restriction written as
 * SQL by the test; the same answer through CSV, Arrow, GraphQL and pivot; members
 * listings; explain; a warm cache shared by all users. And head office equals the sum of the
 * branches.
 */
const RUNS = Number(process.env.LEAK_RUNS ?? 300);
const ARTIFACT_DIR = 'tests/.artifacts/reliability';

interface User {
  name: string;
  claims: Record<string, unknown>;
  /** The restriction as the test understands the definitions, for the oracle. */
  rows?: LevelFilter;
  hidden: string[];
}

let bank: BuiltBank;
let oracle: DuckDBInstance;
let db: DuckDBConnection;
let cubes: Record<string, OracleCube & { db: DuckDBConnection }>;
let creds: Credentials;
let engine: CubeEngine;
let app: FastifyInstance;
const counts = { queries: 0, answersChecked: 0, refusals: 0, membersListings: 0, branchSums: 0 };

beforeAll(async () => {
  [bank, creds] = await Promise.all([buildBank(20_000), credentials()]);
  oracle = await DuckDBInstance.create(':memory:', { threads: '1' });
  db = await oracle.connect();
  await db.run(`ATTACH '${bank.warehouse}' AS warehouse (READ_ONLY)`);
  await db.run('USE warehouse');
  cubes = bankOracleCubes(bank, db);
  engine = new CubeEngine({});
  Object.values(bank.cubes).forEach((cube) => engine.load(cube));
  app = buildApp({ engine, auth: creds.config });
}, 180_000);

afterAll(async () => {
  await app?.close();
  await engine?.close();
  oracle?.closeSync();
  await Promise.all([bank?.remove(), creds?.remove()]);
});

const members = (key: string) => bank.cubes.transactions!.dictionaries[key]!.filter((member): member is string => member !== null);

function users(): fc.Arbitrary<User> {
  const branches = members('region.branch');
  const managers = members('manager.manager');
  return fc.oneof(
    fc.constant<User>({ name: 'head office', claims: { role: 'head_office' }, hidden: [] }),
    fc.oneof(fc.constantFrom(...branches), fc.constant('Branch no build has seen')).map(
      (branch): User => ({
        name: `branch head of ${branch}`,
        claims: { role: 'branch_head', branch },
        rows: { dimension: 'region', level: 'branch', op: 'in', values: [branch] },
        hidden: [],
      }),
    ),
    fc.uniqueArray(fc.constantFrom(...managers), { minLength: 1, maxLength: 2 }).map(
      (names): User => ({
        name: `account manager ${names.join(' & ')}`,
        claims: { role: 'account_manager', manager: names.length === 1 ? names[0] : names },
        rows: { dimension: 'manager', level: 'manager', op: 'in', values: names },
        hidden: ['cost'],
      }),
    ),
  );
}

const headersOf = (user: User) => bearer(hs256({ sub: user.name, ...user.claims }));

/** Every measure name a query refers to, wherever. */
function measuresNamed(query: CubeQuery): string[] {
  return [
    ...query.measures,
    ...query.having.map((having) => having.measure),
    ...query.order.map((order) => order.by),
    ...(query.topN === undefined ? [] : [query.topN.by]),
  ].map((ref) => parseMeasureRef(ref).name);
}

const restricted = (query: CubeQuery, user: User): CubeQuery => (user.rows === undefined ? query : { ...query, filters: [...query.filters, user.rows] });

async function post(url: string, user: User, payload: unknown, accept = 'application/json') {
  return app.inject({ method: 'POST', url, headers: { ...headersOf(user), accept }, payload: payload as object });
}

/** A user's answer to a query over every API and format, each equal to the oracle's answer for the restricted query. */
async function checkAnswer(key: string, input: CubeQueryInput, user: User): Promise<void> {
  const query = CubeQuerySchema.parse(input);
  const cube = cubes[key]!;
  const response = await post('/v1/query', user, input);
  const context = `${user.name}: ${JSON.stringify(input)}`;
  if (measuresNamed(query).some((name) => user.hidden.includes(name))) {
    expect(response.statusCode, context).toBe(403);
    expect(response.json().error.code).toBe('ACCESS_DENIED');
    counts.refusals++;
    return;
  }
  expect(response.statusCode, `${context}: ${response.body}`).toBe(200);
  const json = response.json();
  expectAnswer(json, await oracleAnswer(db, cube, restricted(query, user)), query, cube);
  counts.answersChecked++;

  if (user.rows !== undefined && json.meta.source === 'cuboid') {
    // Only a cuboid holding the restricted level can apply the restriction.
    const cuboid = bank.cubes[cube.data.model.name]!.cuboids.find((candidate) => candidate.name === json.meta.cuboid)!;
    expect(cuboid.levels[user.rows.dimension], context).toBe(user.rows.level);
  }

  const explain = (await post('/v1/explain', user, input)).json().explain as Array<{ cuboid: string; chosen: boolean }>;
  const chosen = explain.find((entry) => entry.chosen);
  expect(chosen?.cuboid ?? null, context).toBe(json.meta.source === 'cuboid' ? json.meta.cuboid : null);

  const levels = Object.entries(query.levels).map(([dimension, level]) => `${dimension}.${level}`);
  if (levels.length > 0 && query.topN === undefined) {
    const layout = { rows: levels.slice(0, 1), columns: levels.slice(1) };
    const pivoted = await post('/v1/olap/pivot', user, { query: input, ...layout });
    if (pivoted.statusCode === 200) expect(pivoted.json().result, context).toEqual(pivot(json, layout));
    else expect(pivoted.json().error.code, context).toBe('RESULT_TOO_LARGE');
  }

  const names: string[] = json.columns.map((column: { name: string }) => column.name);
  const arrow = tableFromIPC((await post('/v1/query', user, input, 'application/vnd.apache.arrow.stream')).rawPayload);
  expect(
    Array.from({ length: arrow.numRows }, (_, row) => Object.fromEntries(names.map((name) => [name, arrow.getChild(name)!.get(row)]))),
    context,
  ).toEqual(json.rows);

  const [header, ...records] = parseCsv((await post('/v1/query', user, input, 'text/csv')).body);
  expect(header).toEqual(names);
  expect(records.length, context).toBe(json.rows.length);
  records.forEach((record, index) =>
    json.columns.forEach((column: { name: string; type: string }, position: number) => {
      const want = json.rows[index][column.name];
      const cell = record[position]!;
      if (column.type === 'number') expect(cell === '' ? null : Number(cell), context).toBe(want);
      // The CSV guards cells that a spreadsheet would read as formulas with a leading quote.
      else expect([want ?? '', `'${want}`], context).toContain(cell);
    }),
  );

  const graphql = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: headersOf(user),
    payload: { query: cubeQueryToGraphQL(input, cube.data) },
  });
  const body = graphql.json();
  expect(body.errors, context).toBeUndefined();
  const rows = graphQLRowsToRest(body.data[query.cube].rows, query);
  expect(rows.length, context).toBe(json.rows.length);
  rows.forEach((row, index) => {
    for (const [name, value] of Object.entries(row)) {
      const want = json.rows[index][name];
      if (typeof want === 'number') expect(Math.abs((value as number) - want), context).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
      else expect(value, context).toBe(want);
    }
  });
}

describe('row-level security', () => {
  it(`holds for ${RUNS} random queries, each asked by two random users, over every API and format`, async () => {
    const keyed = fc.constantFrom('transactions', 'bank balances').chain((key) => randomQuery(cubes[key]!.data).map((input) => ({ key, input })));
    await fc.assert(
      fc.asyncProperty(keyed, users(), users(), async ({ key, input }, first, second) => {
        counts.queries++;
        // The same query by two users in a row: the second may find the first's answer cached.
        await checkAnswer(key, input, first);
        await checkAnswer(key, input, second);
      }),
      { numRuns: RUNS, seed: 6_2026, endOnFailure: true },
    );
    expect(counts.answersChecked).toBeGreaterThan(RUNS);
    expect(counts.refusals).toBeGreaterThan(0);
  }, 600_000);

  it('lists only the members that occur in a user’s rows', async () => {
    const levels = bank.cubes.transactions!.model.dimensions.flatMap((dimension) =>
      dimension.levels.map((level) => ({ dimension: dimension.name, level: level.name })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...levels), users(), async ({ dimension, level }, user) => {
        const response = await app.inject({
          url: `/v1/cubes/transactions/members?dimension=${dimension}&level=${level}&limit=10000`,
          headers: headersOf(user),
        });
        expect(response.statusCode).toBe(200);
        const expected = await oracleAnswer(
          db,
          cubes.transactions!,
          restricted(CubeQuerySchema.parse({ cube: 'transactions', measures: ['transactions'], levels: { [dimension]: level }, limit: 100_000 }), user),
        );
        const wanted = expected.rows.map((row) => row.values[`${dimension}.${level}`]);
        if (user.rows === undefined) {
          // Head office lists the whole dictionary, including members with no rows.
          expect(response.json().members).toEqual(expect.arrayContaining(wanted));
        } else {
          expect(new Set(response.json().members), `${user.name} ${dimension}.${level}`).toEqual(new Set(wanted));
        }
        counts.membersListings++;
      }),
      { numRuns: 60, seed: 61 },
    );
  }, 120_000);

  it('tells a restricted user nothing about members beyond its rows through errors or hints', async () => {
    const customers = members('segment.customer');
    const branches = members('region.branch');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...branches), fc.constantFrom(...customers), fc.nat(3), async (branch, customer, cut) => {
        const user: User = {
          name: branch,
          claims: { role: 'branch_head', branch },
          rows: { dimension: 'region', level: 'branch', op: 'in', values: [branch] },
          hidden: [],
        };
        const probe = customer.slice(0, customer.length - cut);
        const filtered = await post('/v1/query', user, {
          cube: 'transactions',
          measures: ['amount'],
          levels: { segment: 'customer' },
          filters: [{ dimension: 'segment', level: 'customer', op: 'eq', values: [probe] }],
        });
        const listed = await app.inject({
          url: `/v1/cubes/transactions/members?dimension=region&level=city&parent=${encodeURIComponent(`${branch.slice(0, 2)}${probe}`)}`,
          headers: headersOf(user),
        });
        expect(filtered.statusCode).toBe(200);
        expect(listed.json()).toEqual({ members: [], total: 0 });
        // Whether or not the probe names a real customer, the answer holds only the branch's own rows.
        const expected = await oracleAnswer(
          db,
          cubes.transactions!,
          restricted(CubeQuerySchema.parse({ cube: 'transactions', measures: ['amount'], levels: { segment: 'customer' }, filters: [{ dimension: 'segment', level: 'customer', op: 'in', values: [probe] }] }), user),
        );
        expect(filtered.json().rows.length).toBe(expected.rows.length);
        for (const other of customers) {
          if (other !== probe && !expected.rows.some((row) => row.values['segment.customer'] === other)) expect(filtered.body).not.toContain(other);
        }
      }),
      { numRuns: 40, seed: 63 },
    );
  });

  it('answers head office with the sum of what the branch heads see', async () => {
    const branches = members('region.branch');
    const additive = ['amount', 'transactions', 'profit', 'fee_revenue', 'cost'];
    const dimensions = ['time', 'product', 'segment', 'channel', 'region'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...dimensions), fc.shuffledSubarray(additive, { minLength: 1, maxLength: 3 }), async (dimension, measures) => {
        const level = bank.cubes.transactions!.model.dimensions.find((candidate) => candidate.name === dimension)!.levels[0]!.name;
        const query = { cube: 'transactions', measures, levels: { [dimension]: level }, limit: 100_000, totals: true };
        const headOffice = (await post('/v1/query', { name: 'ho', claims: { role: 'head_office' }, hidden: [] }, query)).json();
        const sums = new Map<string, number[]>();
        for (const branch of branches) {
          const answer = (await post('/v1/query', { name: branch, claims: { role: 'branch_head', branch }, hidden: [] }, query)).json();
          for (const row of answer.rows) {
            const key = String(row[`${dimension}.${level}`]);
            const sum = sums.get(key) ?? measures.map(() => 0);
            measures.forEach((measure, index) => (sum[index]! += row[measure]));
            sums.set(key, sum);
          }
          counts.branchSums++;
        }
        expect(new Set(sums.keys())).toEqual(new Set(headOffice.rows.map((row: Record<string, unknown>) => String(row[`${dimension}.${level}`]))));
        for (const row of headOffice.rows) {
          const sum = sums.get(String(row[`${dimension}.${level}`]))!;
          measures.forEach((measure, index) => expect(Math.abs(sum[index]! - row[measure])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(row[measure]))));
        }
      }),
      { numRuns: 8, seed: 62 },
    );
    await mkdir(ARTIFACT_DIR, { recursive: true });
    await writeFile(`${ARTIFACT_DIR}/leaks.json`, `${JSON.stringify({ ...counts, leaks: 0 }, null, 2)}\n`);
  }, 300_000);
});
