import { mkdir, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { bankFixture, type BankFixture } from '../server/bankFixture.ts';

/**
 * Issue 6 §5: fast-check bodies for every POST route, REST and GraphQL, arbitrary JSON
 * and near-valid queries with one part mutated. Whatever arrives, the server answers
 * 2xx or 4xx, never shows a stack trace, and is still answering at the end.
 */

const SEED = 20_261_130;
const RUNS = { arbitrary: 2000, query: 3500, olap: 2000, graphql: 2500 };

let fixture: BankFixture;
let engine: CubeEngine;
let app: FastifyInstance;
let cases = 0;
const fiveHundreds: string[] = [];
const traces: string[] = [];

beforeAll(async () => {
  fixture = await bankFixture(3_000);
  engine = new CubeEngine({});
  engine.load(fixture.cube);
  app = buildApp({ engine });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await engine?.close();
  await fixture?.close();
  await mkdir('tests/.artifacts/reliability', { recursive: true });
  await writeFile('tests/.artifacts/reliability/fuzz.json', `${JSON.stringify({ cases, fiveHundreds: fiveHundreds.length }, null, 2)}\n`);
});

const STACK_TRACE = /\n\s+at |\.ts:\d+|\.js:\d+|node_modules|\/work\/|\/src\//;

/** Sends one body and records what must never happen; fast-check only generates. */
async function send(url: string, payload: string, accept = 'application/json'): Promise<number> {
  const response = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', accept } });
  cases++;
  const example = `${url} ${payload.slice(0, 500)} → ${response.statusCode} ${response.body.slice(0, 300)}`;
  if (response.statusCode >= 500) fiveHundreds.push(example);
  if (!accept.includes('arrow') && STACK_TRACE.test(response.body)) traces.push(example);
  return response.statusCode;
}

const LEVELS: Record<string, string[]> = {
  region: ['region', 'province', 'city', 'branch'],
  time: ['year', 'quarter', 'month', 'week', 'day'],
  segment: ['tier', 'type', 'customer'],
  channel: ['channel'],
  product: ['line', 'product'],
};
const MEASURES = ['amount', 'transactions', 'profit', 'margin', 'average_amount', 'active_customers', 'largest_amount', 'cost'];
const MEMBERS = ['VIP', 'major', '2024', '2023-Q4', '北京', null, 'Others', ''];
const HOSTILE = [`'; DROP TABLE fact_transactions; --`, '" OR 1=1 --', '\u0000', '\ud800', '𝔘', 'a'.repeat(1000), '%s%n', '${jndi:x}', '__proto__', 'constructor'];

const hostile = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }));
/** Names are hostile now and then: most queries should get past validation into the engine. */
const dimension = fc.oneof({ arbitrary: fc.constantFrom(...Object.keys(LEVELS)), weight: 15 }, { arbitrary: hostile, weight: 1 });
const levelOf = (name: string) =>
  fc.oneof({ arbitrary: fc.constantFrom(...(Object.hasOwn(LEVELS, name) ? LEVELS[name]! : ['x'])), weight: 15 }, { arbitrary: hostile, weight: 1 });
const measure = fc.oneof(
  { arbitrary: fc.constantFrom(...MEASURES), weight: 20 },
  { arbitrary: fc.constantFrom(...MEASURES).map((name) => `${name}:pctOfTotal`), weight: 2 },
  { arbitrary: fc.constantFrom(...MEASURES).map((name) => `${name}:pctOfParent`), weight: 2 },
  { arbitrary: hostile, weight: 1 },
);
const member = fc.oneof({ arbitrary: fc.constantFrom(...MEMBERS), weight: 4 }, { arbitrary: hostile, weight: 1 });
const VALID_FILTERS = [
  { dimension: 'segment', level: 'tier', op: 'in', values: ['VIP', 'major'] },
  { dimension: 'time', level: 'year', op: 'between', values: ['2023', '2024'] },
  { dimension: 'region', level: 'province', op: 'contains', values: ['东'] },
  { dimension: 'segment', level: 'type', op: 'ne', values: [null] },
  { or: [{ dimension: 'time', level: 'quarter', op: 'gte', values: ['2024-Q3'] }, { dimension: 'channel', level: 'channel', op: 'startsWith', values: ['A'] }] },
];
const op = fc.constantFrom('eq', 'ne', 'in', 'notIn', 'between', 'gt', 'gte', 'lt', 'lte', 'contains', 'startsWith');
const levelFilter = dimension.chain((d) => fc.record({ dimension: fc.constant(d), level: levelOf(d), op, values: fc.array(member, { maxLength: 3 }) }));
const filter = fc.oneof(
  { arbitrary: fc.constantFrom(...VALID_FILTERS), weight: 12 },
  { arbitrary: levelFilter, weight: 2 },
  { arbitrary: fc.record({ and: fc.array(levelFilter, { maxLength: 2 }) }), weight: 1 },
  { arbitrary: fc.record({ or: fc.array(levelFilter, { maxLength: 2 }) }), weight: 1 },
);
const number = fc.oneof(fc.integer({ min: -2, max: 50 }), fc.constantFrom(0, 1e5, 1e5 + 1, 1e7, 1e12, -0, 0.5, Number.MAX_SAFE_INTEGER));

/** A query that is usually valid: names from the cube, members it has, small pages. */
const nearValidQuery = fc
  .record({
    dimensions: fc.uniqueArray(dimension, { maxLength: 3 }),
    measures: fc.array(measure, { minLength: 1, maxLength: 2 }),
  })
  .chain(({ dimensions, measures }) =>
    fc.record(
      {
        cube: fc.oneof({ arbitrary: fc.constant('transactions'), weight: 30 }, { arbitrary: hostile, weight: 1 }),
        measures: fc.constant(measures),
        levels: fc.tuple(...dimensions.map(levelOf)).map((levels) => Object.fromEntries(dimensions.map((d, i) => [d, levels[i]!]))),
        filters: fc.array(filter, { maxLength: 2 }),
        having: fc.array(
          fc.oneof(
            fc.record({ measure: fc.constantFrom(...measures), op: fc.constantFrom('gt', 'lte', 'ne'), values: fc.tuple(fc.double({ noNaN: true })) }),
            fc.record({ measure: fc.constantFrom(...measures), op: fc.constant('between'), values: fc.tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true })) }),
          ),
          { maxLength: 1 },
        ),
        order: fc.array(fc.record({ by: fc.constantFrom(...measures, ...dimensions, ...dimensions.map((d) => `${d}.${Object.hasOwn(LEVELS, d) ? LEVELS[d]![0] : 'x'}`)), desc: fc.boolean() }), { maxLength: 2 }),
        limit: fc.integer({ min: 0, max: 200 }),
        offset: fc.integer({ min: 0, max: 50 }),
        totals: fc.boolean(),
        ...(dimensions.length === 0 ? {} : { topN: fc.record({ dimension: fc.constantFrom(...dimensions), n: fc.integer({ min: 1, max: 5 }), by: fc.constantFrom(...measures), others: fc.boolean() }) }),
        // The source is slow next to a cuboid: ask it now and then.
        route: fc.oneof({ arbitrary: fc.constant('auto'), weight: 15 }, { arbitrary: fc.constant('source'), weight: 1 }),
        explain: fc.boolean(),
      },
      { requiredKeys: ['cube', 'measures'] },
    ),
  );

const QUERY_KEYS = ['cube', 'measures', 'levels', 'filters', 'having', 'order', 'limit', 'offset', 'totals', 'topN', 'route', 'explain', 'extra'];

/** One part of a near-valid query replaced, removed, or given a wrong type; or left as it is. */
const mutatedQuery = fc
  .tuple(
    nearValidQuery,
    fc.option(
      fc.record({
        key: fc.constantFrom(...QUERY_KEYS),
        value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostile, number, fc.constant(undefined), fc.array(hostile, { maxLength: 3 }), fc.dictionary(dimension, hostile, { maxKeys: 2 })),
      }),
      { freq: 2 },
    ),
  )
  .map(([query, mutation]) => (mutation === null ? query : { ...query, [mutation.key]: mutation.value }));

const FORMATS = ['application/json', 'application/vnd.apache.arrow.stream', 'text/csv', 'text/csv;q=0.5, */*;q=0.1', 'image/png', ''];

const olapRequest = fc.oneof(
  fc.record({ url: fc.constant('/v1/olap/drillDown'), args: fc.record({ dimension, member, hierarchy: hostile }, { requiredKeys: ['dimension'] }) }),
  fc.record({ url: fc.constant('/v1/olap/rollUp'), args: fc.record({ dimension, hierarchy: hostile }, { requiredKeys: ['dimension'] }) }),
  fc.record({ url: fc.constant('/v1/olap/slice'), args: dimension.chain((d) => fc.record({ dimension: fc.constant(d), level: levelOf(d), member })) }),
  fc.record({ url: fc.constant('/v1/olap/dice'), args: fc.record({ filters: fc.array(levelFilter, { maxLength: 3 }) }) }),
  fc.record({
    url: fc.constant('/v1/olap/pivot'),
    args: fc.record(
      { rows: fc.subarray([...Object.keys(LEVELS), 'nope']), columns: fc.subarray(['time', 'region.province', 'segment']), measures: fc.array(measure, { maxLength: 2 }), subtotals: fc.boolean() },
      { requiredKeys: ['rows', 'columns'] },
    ),
  }),
  fc.record({ url: fc.constant('/v1/explain'), args: fc.constant({}) }),
);

/** GraphQL text built from the cube's fields with fuzzed arguments; members and pages travel as variables. */
const graphqlBody = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        dimensions: fc.uniqueArray(fc.constantFrom(...Object.keys(LEVELS), 'nope'), { maxLength: 2 }),
        fields: fc.subarray([...MEASURES, 'proft', 'total'], { minLength: 1 }),
        navigation: fc.array(fc.constantFrom('drillDown(dimension: time)', 'rollUp(dimension: region)', 'slice(dimension: segment, level: tier, member: $m)', 'dice(filters: [])'), { maxLength: 3 }),
        first: number,
        m: member,
        tier: member,
        route: fc.constantFrom('auto', 'source', 'auto', 'auto', 'auto', 'auto', 'nope'),
      })
      .chain((parts) =>
        fc.tuple(fc.tuple(...parts.dimensions.map((d) => levelOf(d))), fc.constant(parts)).map(([levels, { dimensions, fields, navigation, first, m, tier, route }]) => {
          const levelArgs = dimensions.map((d, i) => `${d}: ${/^[A-Za-z_]\w*$/.test(levels[i]!) ? levels[i] : 'x'}`).join(', ');
          const rowFields = fields.filter((field) => field !== 'total').join(' ');
          let selection = `{ total rows { ${rowFields} } }`;
          for (const step of navigation) selection = `{ total ${step} ${selection} }`;
          return {
            query: `query(${navigation.some((step) => step.includes('$m')) ? '$m: String, ' : ''}$tier: String, $first: Int) { transactions(levels: { ${levelArgs} }, where: { segment: { tier: { eq: $tier } } }, first: $first, route: ${route}) ${selection} }`,
            variables: { m, tier, first },
          };
        }),
      ),
  },
  { weight: 1, arbitrary: fc.record({ query: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('{', '{ __schema { types { name } } }', '{ transactions { rows { profit } } }', 'subscription { cubeVersionChanged { cube } }')), variables: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

it(`answers ${Object.values(RUNS).reduce((a, b) => a + b)} fuzzed REST and GraphQL bodies with 2xx or 4xx, without a stack trace`, async () => {
  const statuses: number[] = [];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('/v1/query', '/v1/explain', '/v1/olap/dice', '/v1/olap/pivot', '/graphql'), fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.string({ maxLength: 30 }).map((text) => ({ raw: text }))), async (url, body) => {
      const payload = typeof body === 'object' && body !== null && 'raw' in body ? String(body.raw) : JSON.stringify(body);
      await send(url, payload);
    }),
    { numRuns: RUNS.arbitrary, seed: SEED },
  );
  await fc.assert(
    fc.asyncProperty(mutatedQuery, fc.constantFrom(...FORMATS), async (query, accept) => {
      statuses.push(await send('/v1/query', JSON.stringify(query), accept));
    }),
    { numRuns: RUNS.query, seed: SEED + 1 },
  );
  await fc.assert(
    fc.asyncProperty(mutatedQuery, olapRequest, async (query, { url, args }) => {
      statuses.push(await send(url, JSON.stringify(url === '/v1/explain' ? query : { query, ...args })));
    }),
    { numRuns: RUNS.olap, seed: SEED + 2 },
  );
  await fc.assert(
    fc.asyncProperty(graphqlBody, async (body) => {
      await send('/graphql', JSON.stringify(body));
    }),
    { numRuns: RUNS.graphql, seed: SEED + 3 },
  );

  expect(fiveHundreds.slice(0, 5)).toEqual([]);
  expect(traces.slice(0, 5)).toEqual([]);
  // The fuzz only means something if a fair share of near-valid queries reach the engine and are answered.
  expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(statuses.length / 10);
  expect(cases).toBeGreaterThanOrEqual(10_000);

  const after = await app.inject({ method: 'POST', url: '/v1/query', payload: { cube: 'transactions', measures: ['profit'], levels: { region: 'province' }, route: 'source' } });
  expect(after.statusCode).toBe(200);
  expect(after.json().rows.length).toBeGreaterThan(0);
}, 120_000);
