import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import mercurius from 'mercurius';
import { serve, type Server } from '../src/server/serve.ts';
import { benchCubes, benchModel, benchWarehouse, currentLoad, machineLine, ms, shownAgainst, wholeMs, writeSection } from './benchSupport.ts';

/**
 * GraphQL throughput with autocannon, in one run: a cached GraphQL query (served by the
 * GraphQL response cache), an uncached GraphQL query answered from a cuboid (a server
 * with cacheBytes 0: no result cache, no response cache), the same CubeQuery over REST
 * on that server (what GraphQL adds to the engine), the same response body from a
 * bare fastify route returning precomputed JSON — the ceiling of HTTP on this machine —
 * and from bare mercurius resolving the same query to the precomputed answer (what
 * GraphQL itself costs, before any cube is read). Load generator and servers share this
 * process, as they share the machine; each gets the same handicap.
 *
 *   npx tsx bench/graphql.ts [--rows 2000000] [--seconds 10] [--connections 10]
 */
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000000' },
    seed: { type: 'string', default: '7' },
    data: { type: 'string', default: 'data/bench' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    results: { type: 'string', default: 'bench/RESULTS.md' },
  },
});
const rows = Number(values.rows.replaceAll('_', ''));
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const QUERY = `{ transactions(levels: { region: province, time: quarter },
  where: { segment: { tier: { in: ["VIP"] } } },
  orderBy: [{ measure: profit, desc: true }], first: 20) {
    rows { region { province } time { quarter } amount profit }
    totals { amount profit }
    meta { source cuboid exact }
} }`;

/**
 * A schema in which QUERY is valid and whose answer has QUERY's shape, for bare
 * mercurius (JIT on, as on our server) to resolve to the precomputed answer.
 */
const BARE_SCHEMA = `
enum RegionLevel { province }
enum TimeLevel { quarter }
enum Measure { amount profit }
input Levels { region: RegionLevel, time: TimeLevel }
input TierFilter { in: [String!] }
input SegmentFilter { tier: TierFilter }
input Where { segment: SegmentFilter }
input Order { measure: Measure, desc: Boolean }
type Region { province: String }
type Time { quarter: String }
type Row { region: Region, time: Time, amount: Float, profit: Float }
type Totals { amount: Float, profit: Float }
type Meta { source: String, cuboid: String, exact: Boolean }
type Result { rows: [Row!]!, totals: Totals, meta: Meta }
type Query { transactions(levels: Levels, where: Where, orderBy: [Order!], first: Int): Result }`;

/** QUERY as the CubeQuery REST takes. */
const REST_QUERY = {
  cube: 'transactions',
  levels: { region: 'province', time: 'quarter' },
  filters: [{ dimension: 'segment', level: 'tier', op: 'in', values: ['VIP'] }],
  measures: ['amount', 'profit'],
  order: [{ by: 'profit', desc: true }],
  limit: 20,
  totals: true,
};

async function prepareCubes(): Promise<string> {
  const seed = Number(values.seed);
  const { path: warehouse } = await benchWarehouse(values.data, rows, seed);
  // The served cubes' manifests name their warehouse; the definitions loaded by serve() do too.
  process.env.ARROWCUBE_WAREHOUSE = warehouse;
  return benchCubes(values.data, rows, seed, await benchModel('definitions', 'transactions', warehouse));
}

interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** The rows and totals of a GraphQL answer and of a REST answer, in one comparable form. */
interface Answer {
  rows: Array<{ region: { province: string }; time: { quarter: string }; amount: number; profit: number }>;
  totals: { amount: number; profit: number };
}

function sameAnswer(graphql: Answer, rest: { rows: Array<Record<string, unknown>>; totals?: Record<string, unknown> }): boolean {
  const flat = graphql.rows.map((row) => [row.region.province, row.time.quarter, row.amount, row.profit]);
  const other = rest.rows.map((row) => [row['region.province'], row['time.quarter'], row.amount, row.profit]);
  return (
    JSON.stringify(flat) === JSON.stringify(other) &&
    graphql.totals.amount === rest.totals?.amount &&
    graphql.totals.profit === rest.totals?.profit
  );
}

async function load(url: string, body: string): Promise<Load> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  const loadAtStart = currentLoad();
  const cubesDir = await prepareCubes();
  const body = JSON.stringify({ query: QUERY });
  const quiet = { level: 'error' as const };
  const cached: Server = await serve({ definitionsDir: 'definitions', cubesDir, port: 0, logger: quiet });
  const uncached: Server = await serve({ definitionsDir: 'definitions', cubesDir, port: 0, logger: quiet, cacheBytes: 0 });
  const ceiling = Fastify();
  const bareGraphQL = Fastify();
  try {
    const first = await fetch(`${cached.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const payload = await first.text();
    const answer = JSON.parse(payload) as { data?: { transactions: Answer & { meta: { source: string; cuboid: string } } }; errors?: unknown };
    if (!answer.data) throw new Error(`the benchmark query failed: ${payload}`);
    const { source, cuboid } = answer.data.transactions.meta;
    if (source !== 'cuboid') throw new Error('the benchmark query must be answered from a cuboid');
    const restBody = JSON.stringify(REST_QUERY);
    const rest = await fetch(`${uncached.url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: restBody });
    const restPayload = await rest.text();
    if (!rest.ok || !sameAnswer(answer.data.transactions, JSON.parse(restPayload))) {
      throw new Error(`REST must answer the benchmark query as GraphQL does: ${restPayload.slice(0, 500)}`);
    }
    ceiling.post('/ceiling', async (_, reply) => reply.type('application/json; charset=utf-8').send(payload));
    const ceilingUrl = await ceiling.listen({ host: '127.0.0.1', port: 0 });
    await bareGraphQL.register(mercurius, { schema: BARE_SCHEMA, jit: 1, resolvers: { Query: { transactions: async () => answer.data!.transactions } } });
    const bareGraphQLUrl = await bareGraphQL.listen({ host: '127.0.0.1', port: 0 });
    const barePayload = await (await fetch(`${bareGraphQLUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text();
    if (barePayload !== payload) throw new Error(`bare mercurius must send the same response body: ${barePayload.slice(0, 500)}`);

    const measured = {
      ceiling: await load(`${ceilingUrl}/ceiling`, body),
      bareGraphQL: await load(`${bareGraphQLUrl}/graphql`, body),
      cached: await load(`${cached.url}/graphql`, body),
      uncached: await load(`${uncached.url}/graphql`, body),
      rest: await load(`${uncached.url}/v1/query`, restBody),
    };
    const shareOf = (run: Load) => run.requestsPerSecond / measured.ceiling.requestsPerSecond;
    const share = (run: Load) => `${(shareOf(run) * 100).toFixed(0)}%`;
    const ratio = (run: Load, goal: number) =>
      `${shownAgainst(shareOf(run) * 100, 0, goal * 100, 'higher')}% ${shareOf(run) >= goal ? '✓' : '✗'} (goal ≥ ${goal * 100}%)`;
    const micros = (run: Load) => 1e6 / run.requestsPerSecond;
    // What a request may cost beyond bare mercurius's for uncached GraphQL to reach half the ceiling.
    const halfCeilingBudget = 2 * micros(measured.ceiling) - micros(measured.bareGraphQL);
    // The mean follows exactly from the throughput: every connection always has one request in flight (Little's law).
    const line = (name: string, run: Load, shown: string) =>
      `| ${name} | ${Math.round(run.requestsPerSecond).toLocaleString('en-US')} | ${ms((connections * 1000) / run.requestsPerSecond)} | ${wholeMs(run.p50)} | ${wholeMs(run.p99)} | ${run.errors + run.non2xx} | ${shown} |`;
    const text = [
      '## GraphQL throughput',
      '',
      `Cube \`transactions\` over the seeded bank warehouse of ${rows.toLocaleString('en-US')} fact rows (seed ${values.seed}); the query groups VIP customers' amount and profit by province and quarter, top 20 by profit, answered from cuboid \`${cuboid}\` (${payload.length.toLocaleString('en-US')} bytes of JSON). Reproduce with \`npx tsx bench/graphql.ts --rows ${rows}\`.`,
      '',
      machineLine(undefined, loadAtStart),
      '',
      `autocannon, ${connections} connections, ${seconds} s each, one after another:`,
      '',
      '| endpoint | requests/s | mean ms | p50 ms | p99 ms | errors | share of the ceiling |',
      '|---|---:|---:|---:|---:|---:|---:|',
      line('bare fastify route, precomputed JSON (ceiling)', measured.ceiling, '100%'),
      line('bare mercurius, resolving to the precomputed answer', measured.bareGraphQL, share(measured.bareGraphQL)),
      line('GraphQL, cached result', measured.cached, ratio(measured.cached, 0.8)),
      line('GraphQL, uncached, from a cuboid', measured.uncached, ratio(measured.uncached, 0.5)),
      line('REST, uncached, the same CubeQuery (for comparison)', measured.rest, share(measured.rest)),
      '',
      '- The load generator and the servers share this process (and its two cores): the ceiling pays the same handicap.',
      `- *mean*: ${connections} connections ÷ requests per second (each connection always has one request in flight). *p50*, *p99*: autocannon's latency histogram, which counts whole milliseconds.`,
      `- *Bare mercurius*: a fastify app with only mercurius (JIT on), whose schema accepts the same query and whose resolver returns the precomputed answer; it sends the same bytes. It takes ${Math.round(micros(measured.bareGraphQL))} µs of this process per request against the ceiling's ${Math.round(micros(measured.ceiling))} µs, so for uncached GraphQL to reach 50% of the ceiling, validating, aggregating and shaping a query would have to fit in ${halfCeilingBudget > 0 ? `${Math.round(halfCeilingBudget)} µs` : 'less than nothing'} per request.`,
      '- *Cached*: repeated requests are answered by the GraphQL response cache (same body, same caller scope, same cube versions) before mercurius parses anything.',
      '- *Uncached*: a second server with `cacheBytes: 0` (no result cache, no response cache), so every request is parsed and executed, and routes, scans the cuboid, folds and finishes.',
      `- *REST*: \`POST /v1/query\` on the uncached server with the CubeQuery the GraphQL query builds (checked to answer the same rows and totals; ${restPayload.length.toLocaleString('en-US')} bytes of JSON). Uncached GraphQL reaches ${((measured.uncached.requestsPerSecond / measured.rest.requestsPerSecond) * 100).toFixed(0)}% of its throughput.`,
    ].join('\n');
    await writeSection(values.results, 'graphql', text);
    process.stdout.write(`${text}\n`);
  } finally {
    await ceiling.close();
    await bareGraphQL.close();
    await cached.close();
    await uncached.close();
  }
}

await main();
