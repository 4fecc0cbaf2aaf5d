import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import type { ResultValue } from '../../src/engine/index.ts';
import { serve, type Server } from '../../src/server/serve.ts';
import { currentVersion, readCube } from '../../src/store/index.ts';
import { brokenCopy, flipByte, pointCurrentAt, someCuboidFile } from './brokenVersions.ts';
import { salesWarehouse, type SalesWarehouse } from './salesWarehouse.ts';

/**
 * Rebuilds while a client keeps asking: every answer must come from exactly one
 * version (its meta.cubeVersion) and equal what that version alone answers. The
 * facts change between builds, so an answer mixing versions, or labelled with the
 * wrong one, would not match.
 */
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'tests', '.artifacts', 'reliability');

/** Cuboid-answerable queries; `limit` varies so most requests miss the cache. */
const QUERIES = [
  { cube: 'sales', measures: ['amount', 'sales', 'average_amount'] },
  { cube: 'sales', measures: ['amount', 'sales'], levels: { store: 'province' } },
  { cube: 'sales', measures: ['amount', 'customers_approx'], levels: { store: 'city', time: 'month' }, order: [{ by: 'amount', desc: true }] },
  { cube: 'sales', measures: ['sales', 'largest_amount'], levels: { product: 'category', size: 'qty' } },
];

interface Exchange {
  query: object;
  started: number;
  ended: number;
  status: number;
  version?: string;
  source?: string;
  rows?: Record<string, ResultValue>[];
}

let warehouse: SalesWarehouse;
/** One engine per version, loaded straight from disk: what that version alone answers. */
const oracles = new Map<string, CubeEngine>();
const figures: Record<string, unknown> = {};

async function remember(version: string): Promise<string> {
  const engine = new CubeEngine({});
  engine.load(await readCube(warehouse.cubesDir, 'sales', version));
  oracles.set(version, engine);
  return version;
}

beforeAll(async () => {
  warehouse = await salesWarehouse();
  await remember(await warehouse.build());
});

afterAll(async () => {
  await Promise.all([...oracles.values()].map((engine) => engine.close()));
  await warehouse?.remove();
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(join(ARTIFACTS, 'rebuild.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

/** Clients asking in a loop until stopped. */
function clientLoop(url: string, clients = 3) {
  const exchanges: Exchange[] = [];
  let stopped = false;
  let sent = 0;
  const client = async () => {
    while (!stopped) {
      const n = sent++;
      const query = { ...QUERIES[n % QUERIES.length]!, limit: 1 + (n % 97) };
      const started = performance.now();
      const response = await fetch(`${url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(query) });
      const body = (await response.json()) as { rows?: Exchange['rows']; meta?: { cubeVersion: string; source: string } };
      const exchange: Exchange = { query, started, ended: performance.now(), status: response.status, rows: body.rows };
      if (body.meta !== undefined) Object.assign(exchange, { version: body.meta.cubeVersion, source: body.meta.source });
      exchanges.push(exchange);
    }
  };
  const running = Promise.all(Array.from({ length: clients }, client));
  return {
    /** Resolves once a response from `version` has arrived. */
    seen: (version: string) =>
      expect.poll(() => exchanges.some((exchange) => exchange.version === version), { timeout: 10_000, interval: 10 }).toBe(true),
    /** Resolves once `count` more responses have arrived. */
    more: async (count: number) => {
      const target = exchanges.length + count;
      await expect.poll(() => exchanges.length, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(target);
    },
    stop: async () => {
      stopped = true;
      await running;
      return exchanges;
    },
  };
}

/** Every exchange succeeded, from a known version, with that version's exact answer; returns the torn reads. */
async function checkAnswers(exchanges: Exchange[], versions: string[]): Promise<number> {
  // Otherwise a wrong label could go unnoticed.
  for (const query of QUERIES) {
    const answers = await Promise.all(versions.map(async (version) => JSON.stringify((await oracles.get(version)!.query(query)).rows)));
    expect(new Set(answers).size, `versions ${versions.join(', ')} answer ${JSON.stringify(query)} alike`).toBe(versions.length);
  }
  let torn = 0;
  for (const exchange of exchanges) {
    expect(exchange.status, JSON.stringify(exchange.rows ?? exchange)).toBe(200);
    expect(versions).toContain(exchange.version);
    expect(exchange.source).toBe('cuboid');
    const expected = await oracles.get(exchange.version!)!.query(exchange.query);
    if (JSON.stringify(exchange.rows) !== JSON.stringify(expected.rows)) torn++;
  }
  return torn;
}

async function post(server: Server, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, { method: 'POST' });
  return { status: response.status, body: await response.json() };
}

describe('rebuilding while serving', () => {
  it('POST /v1/admin/reload swaps in a rebuilt version: no errors, no torn reads, the new version only after', async () => {
    const server = await serve({ definitionsDir: warehouse.definitionsDir, cubesDir: warehouse.cubesDir, port: 0, logger: false, watch: false });
    try {
      const old = (await currentVersion(warehouse.cubesDir, 'sales'))!;
      const clients = clientLoop(server.url);
      await clients.more(30);
      await warehouse.addSales(700);
      const rebuilt = await remember(await warehouse.build());
      await clients.more(30);
      const reload = await post(server, '/v1/admin/reload');
      const swapped = performance.now();
      expect(reload).toEqual({ status: 200, body: { cubes: [{ cube: 'sales', version: rebuilt, status: 'loaded' }] } });
      await clients.more(60);
      const exchanges = await clients.stop();

      const torn = await checkAnswers(exchanges, [old, rebuilt]);
      expect(torn).toBe(0);
      const after = exchanges.filter((exchange) => exchange.started > swapped);
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((exchange) => exchange.version !== rebuilt)).toEqual([]);
      expect(exchanges.filter((exchange) => exchange.version === old).length).toBeGreaterThan(0);
      expect((await post(server, '/v1/admin/reload')).body).toEqual({ cubes: [{ cube: 'sales', version: rebuilt, status: 'unchanged' }] });
      figures.adminReload = { requests: exchanges.length, errors: exchanges.filter((e) => e.status !== 200).length, tornReads: torn };
    } finally {
      await server.close();
    }
  });

  it('watching: a CLI build, a new cube folder and a corrupt version are noticed without a reload request', async () => {
    const logs: { level: number; msg: string }[] = [];
    const logged = (pattern: RegExp) => expect.poll(() => logs.some((line) => pattern.test(line.msg)), { timeout: 10_000, interval: 20 }).toBe(true);
    const server = await serve({
      definitionsDir: warehouse.definitionsDir,
      cubesDir: warehouse.cubesDir,
      port: 0,
      logger: { level: 'info', stream: { write: (line: string) => void logs.push(JSON.parse(line)) } },
    });
    try {
      const old = (await currentVersion(warehouse.cubesDir, 'sales'))!;
      const clients = clientLoop(server.url);
      await clients.more(30);

      // The way an operator rebuilds: another process, which knows nothing of the server.
      await warehouse.addSales(300);
      await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'build', '--definitions', warehouse.definitionsDir, '--cubes', warehouse.cubesDir, '--cube', 'sales', '--force'], { cwd: ROOT });
      const rebuilt = await remember((await currentVersion(warehouse.cubesDir, 'sales'))!);
      await clients.seen(rebuilt);
      const firstNew = performance.now();
      await clients.more(60);
      const exchanges = await clients.stop();

      const torn = await checkAnswers(exchanges, [old, rebuilt]);
      expect(torn).toBe(0);
      const after = exchanges.filter((exchange) => exchange.started > firstNew);
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((exchange) => exchange.version !== rebuilt)).toEqual([]);
      figures.watchedCliBuild = { requests: exchanges.length, errors: exchanges.filter((e) => e.status !== 200).length, tornReads: torn };

      // A cube folder that did not exist when the server started.
      const balances = await warehouse.build('balances');
      await expect
        .poll(async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { cubes: { name: string; version: string }[] }).cubes, { timeout: 10_000 })
        .toContainEqual({ name: 'balances', version: balances });

      // A version whose cuboid does not match its checksum is refused, once, and the last good one keeps answering.
      const corrupt = await brokenCopy(warehouse.cubesDir, 'sales', rebuilt, async (folder) => flipByte(await someCuboidFile(folder)));
      await pointCurrentAt(warehouse.cubesDir, 'sales', corrupt);
      await logged(new RegExp(`^cube sales version ${corrupt} refused: corrupt: cuboids/.+ does not match its checksum; still serving ${rebuilt}$`));
      const reload = await post(server, '/v1/admin/reload');
      expect(reload.body.cubes).toContainEqual({ cube: 'sales', version: corrupt, status: 'refused', reason: expect.stringMatching(/does not match its checksum/) });
      const response = await fetch(`${server.url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(QUERIES[1]) });
      const answer = (await response.json()) as { rows: unknown; meta: { cubeVersion: string } };
      expect(answer.meta.cubeVersion).toBe(rebuilt);
      expect(answer.rows).toEqual((await oracles.get(rebuilt)!.query(QUERIES[1])).rows);
      expect(logs.filter((line) => line.msg.includes('refused')).length).toBe(1);
      figures.refusedVersion = logs.find((line) => line.msg.includes('refused'))!.msg;
    } finally {
      await server.close();
    }
  });
});
