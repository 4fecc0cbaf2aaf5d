import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { bankFixture, type BankFixture } from './bankFixture.ts';

/** User input must never reach a 500: every body, however odd, is answered or refused with a 4xx. */

let fixture: BankFixture;
let engine: CubeEngine;
let app: FastifyInstance;

beforeAll(async () => {
  fixture = await bankFixture(5_000);
  engine = new CubeEngine({});
  engine.load(fixture.cube);
  app = buildApp({ engine });
});

afterAll(async () => {
  await app?.close();
  await engine?.close();
  await fixture?.close();
});

const LEVELS: Record<string, string[]> = {
  region: ['region', 'province', 'city', 'branch'],
  time: ['year', 'quarter', 'month', 'week', 'day'],
  segment: ['tier', 'type', 'customer'],
  channel: ['channel'],
};
const MEASURES = ['amount', 'transactions', 'profit', 'margin', 'average_amount', 'active_customers'];

/** Usually valid, sometimes not, so that most inputs get past validation into the engine. */
const usually = <T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: odd, weight: 1 });
const odd = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('', '=x', 'Others'), fc.constant(null));
const dimension = usually(fc.constantFrom(...Object.keys(LEVELS)), fc.string({ maxLength: 6 }));
const levelOf = (name: string) => fc.constantFrom(...LEVELS[name]!);
const FILTERS = [
  { dimension: 'segment', level: 'tier', op: 'in', values: ['VIP', 'major'] },
  { dimension: 'time', level: 'year', op: 'between', values: ['2023', '2024'] },
  { dimension: 'region', level: 'province', op: 'contains', values: ['东'] },
  { dimension: 'segment', level: 'type', op: 'ne', values: [null] },
  { or: [{ dimension: 'time', level: 'quarter', op: 'gte', values: ['2024-Q3'] }, { dimension: 'channel', level: 'channel', op: 'startsWith', values: ['A'] }] },
];

/** A valid query: grouped dimensions, measures, a few filters, and orders / topN over what it groups. */
const validQuery = fc
  .record({
    dimensions: fc.subarray(Object.keys(LEVELS), { maxLength: 3 }),
    measures: fc.subarray(MEASURES, { minLength: 1, maxLength: 3 }),
    variant: fc.boolean(),
  })
  .chain(({ dimensions, measures, variant }) =>
    fc.record(
      {
        cube: fc.constant('transactions'),
        measures: fc.constant(variant ? [...measures, `${measures[0]}:pctOfTotal`] : measures),
        levels: fc.tuple(...dimensions.map((d) => levelOf(d))).map((levels) => Object.fromEntries(dimensions.map((d, i) => [d, levels[i]!]))),
        filters: fc.subarray(FILTERS, { maxLength: 2 }),
        having: fc.subarray([{ measure: measures[0]!, op: 'gt', values: [0] }]),
        order: fc.subarray([...measures, ...dimensions].map((by) => ({ by, desc: true }))),
        limit: fc.integer({ min: 0, max: 1000 }),
        offset: fc.integer({ min: 0, max: 20 }),
        totals: fc.boolean(),
        route: fc.constantFrom('auto', 'source'),
        ...(dimensions.length === 0 ? {} : { topN: fc.record({ dimension: fc.constantFrom(...dimensions), n: fc.integer({ min: 1, max: 3 }), by: fc.constantFrom(...measures) }) }),
      },
      { requiredKeys: ['cube', 'measures', 'levels'] },
    ),
  );

/** A valid query, or one with a single part replaced by something wrong (a bad name, type or value). */
const plausibleQuery = fc
  .tuple(validQuery, fc.option(
    fc.record({
      key: fc.constantFrom('cube', 'measures', 'levels', 'filters', 'order', 'limit', 'topN'),
      value: fc.oneof(odd, fc.jsonValue(), fc.array(odd, { maxLength: 2 }), fc.dictionary(dimension, odd, { maxKeys: 2 })),
    }),
    { freq: 2 }, // half the queries stay valid
  ))
  .map(([query, mutation]) => (mutation === null ? query : { ...query, [mutation.key]: mutation.value }));

const operation = fc.oneof(
  fc.record({ url: fc.constant('/v1/olap/drillDown'), args: fc.record({ dimension, member: odd }, { requiredKeys: ['dimension'] }) }),
  fc.record({ url: fc.constant('/v1/olap/rollUp'), args: fc.record({ dimension }) }),
  fc.record({ url: fc.constant('/v1/olap/slice'), args: fc.constantFrom(...Object.keys(LEVELS)).chain((d) => fc.record({ dimension: fc.constant(d), level: levelOf(d), member: usually(fc.constantFrom('2024', 'VIP'), odd) })) }),
  fc.record({ url: fc.constant('/v1/olap/dice'), args: fc.record({ filters: fc.subarray(FILTERS.slice(0, 4), { minLength: 1 }) }) }),
  fc.record({ url: fc.constant('/v1/olap/pivot'), args: fc.record({ rows: fc.subarray(['region', 'time', 'segment', 'channel']), columns: fc.subarray(['time']), subtotals: fc.boolean() }) }),
);

async function statusOf(url: string, payload: string): Promise<number> {
  const response = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
  expect(response.statusCode, `${url} ${payload} → ${response.body}`).toBeLessThan(500);
  return response.statusCode;
}

it('answers arbitrary JSON bodies with 2xx or 4xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('/v1/query', '/v1/explain', '/v1/olap/dice', '/v1/olap/pivot'), fc.jsonValue(), async (url, body) => {
      await statusOf(url, JSON.stringify(body));
    }),
    { numRuns: 200 },
  );
});

it('answers plausible but often wrong queries and OLAP operations with 2xx or 4xx', async () => {
  const statuses: number[] = [];
  await fc.assert(
    fc.asyncProperty(plausibleQuery, fc.constantFrom('/v1/query', '/v1/explain'), operation, async (query, url, { url: olapUrl, args }) => {
      statuses.push(await statusOf(url, JSON.stringify(query)));
      statuses.push(await statusOf(olapUrl, JSON.stringify({ query, ...args })));
    }),
    { numRuns: 400 },
  );
  // The property only means something if a fair share of the inputs reach the engine and are answered.
  expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(statuses.length / 10);
});
