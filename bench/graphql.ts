import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { serve, type Server } from '../src/server/serve.ts';
import { benchCubes, benchModel, benchWarehouse, currentLoad, machineLine, ms, shownAgainst, wholeMs, writeSection } from './benchSupport.ts';

/**
 * GraphQL throughput with autocannon, in one run: a cached GraphQL query (served by the
 * GraphQL response cache), an uncached GraphQL query answered from a cuboid (a server
 * with cacheBytes 0: no result cache, no response cache), and the
 * same response body from a bare fastify route returning precomputed JSON — the
 * ceiling of HTTP on this machine. Load generator and servers share this process, as
 * they share the machine; each gets the same handicap.
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
  try {
    const first = await fetch(`${cached.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const payload = await first.text();
    const answer = JSON.parse(payload) as { data?: { transactions: { meta: { source: string; cuboid: string } } }; errors?: unknown };
    if (!answer.data) throw new Error(`the benchmark query failed: ${payload}`);
    const { source, cuboid } = answer.data.transactions.meta;
    if (source !== 'cuboid') throw new Error('the benchmark query must be answered from a cuboid');
    ceiling.post('/ceiling', async (_, reply) => reply.type('application/json; charset=utf-8').send(payload));
    const ceilingUrl = await ceiling.listen({ host: '127.0.0.1', port: 0 });

    const measured = {
      ceiling: await load(`${ceilingUrl}/ceiling`, body),
      cached: await load(`${cached.url}/graphql`, body),
      uncached: await load(`${uncached.url}/graphql`, body),
    };
    const ratio = (run: Load, goal: number) => {
      const share = run.requestsPerSecond / measured.ceiling.requestsPerSecond;
      return `${shownAgainst(share * 100, 0, goal * 100, 'higher')}% ${share >= goal ? '✓' : '✗'} (goal ≥ ${goal * 100}%)`;
    };
    // The mean follows exactly from the throughput: every connection always has one request in flight (Little's law).
    const line = (name: string, run: Load, share: string) =>
      `| ${name} | ${Math.round(run.requestsPerSecond).toLocaleString('en-US')} | ${ms((connections * 1000) / run.requestsPerSecond)} | ${wholeMs(run.p50)} | ${wholeMs(run.p99)} | ${run.errors + run.non2xx} | ${share} |`;
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
      line('GraphQL, cached result', measured.cached, ratio(measured.cached, 0.8)),
      line('GraphQL, uncached, from a cuboid', measured.uncached, ratio(measured.uncached, 0.5)),
      '',
      '- The load generator and the servers share this process (and its two cores): the ceiling pays the same handicap.',
      `- *mean*: ${connections} connections ÷ requests per second (each connection always has one request in flight). *p50*, *p99*: autocannon's latency histogram, which counts whole milliseconds.`,
      '- *Cached*: repeated requests are answered by the GraphQL response cache (same body, same caller scope, same cube versions) before mercurius parses anything.',
      '- *Uncached*: a second server with `cacheBytes: 0` (no result cache, no response cache), so every request is parsed and executed, and routes, scans the cuboid, folds and finishes.',
    ].join('\n');
    await writeSection(values.results, 'graphql', text);
    process.stdout.write(`${text}\n`);
  } finally {
    await ceiling.close();
    await cached.close();
    await uncached.close();
  }
}

await main();
