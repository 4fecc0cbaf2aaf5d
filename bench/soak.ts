import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { CubeEngine } from '../src/engine/index.ts';
import { buildApp } from '../src/server/buildApp.ts';
import { currentVersion, readCube } from '../src/store/index.ts';
import { benchWarehouse, currentLoad, machineLine, wholeMs, writeSection } from './benchSupport.ts';

/**
 * Soak: the real CLI serving the bank cubes under a mixed autocannon load (REST cached
 * and uncached, fallback to DuckDB, GraphQL, members) while `arrowcube build` rebuilds
 * the cubes from a different warehouse halfway through and the server picks the new
 * version up by itself. Every response is checked: a 2xx status, and a body equal to
 * the answer of the one version it names (meta.cubeVersion), as computed afterwards by
 * a fresh engine holding only that version; a torn read is a body equal to neither.
 * The server's RSS is sampled every second. Writes the soak section of RELIABILITY.md
 * and bench/soak-rss.svg.
 *
 *   npx tsx bench/soak.ts [--seconds 60] [--rows 1000000] [--connections 8]
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rows: { type: 'string', default: '1000000' },
    connections: { type: 'string', default: '8' },
    data: { type: 'string', default: 'data/bench' },
    results: { type: 'string', default: 'RELIABILITY.md' },
    svg: { type: 'string', default: 'bench/soak-rss.svg' },
  },
});
const seconds = Number(values.seconds);
const rows = Number(values.rows.replaceAll('_', ''));
const connections = Number(values.connections);
const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');

interface Entry {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Changes the body per request so the result cache cannot answer (the answer does not change). */
  uncached?: boolean;
}

const VIP_BY_PROVINCE = {
  cube: 'transactions',
  measures: ['amount', 'profit', 'margin'],
  levels: { region: 'province', time: 'quarter' },
  filters: [{ dimension: 'segment', level: 'tier', op: 'eq', values: ['VIP'] }],
  order: [{ by: 'profit', desc: true }],
  limit: 20,
  totals: true,
};

const WORKLOAD: Entry[] = [
  { name: 'REST cached', method: 'POST', path: '/v1/query', body: VIP_BY_PROVINCE },
  {
    name: 'REST uncached',
    method: 'POST',
    path: '/v1/query',
    body: { cube: 'transactions', measures: ['amount', 'transactions'], levels: { region: 'city', product: 'line' }, limit: 1000 },
    uncached: true,
  },
  {
    name: 'fallback (DuckDB)',
    method: 'POST',
    path: '/v1/query',
    body: { cube: 'transactions', measures: ['amount'], levels: { channel: 'channel' }, filters: [{ dimension: 'region', level: 'region', op: 'eq', values: ['华南'] }], route: 'source' },
  },
  {
    name: 'GraphQL',
    method: 'POST',
    path: '/graphql',
    body: { query: '{ transactions(levels: { region: region, segment: tier }) { rows { region { region } segment { tier } amount profit } meta { cubeVersion source } } }' },
  },
  { name: 'REST balances', method: 'POST', path: '/v1/query', body: { cube: 'balances', measures: ['balance', 'overdue_ratio'], levels: { time: 'year', segment: 'tier' } } },
  { name: 'members', method: 'GET', path: '/v1/cubes/transactions/members?dimension=region&level=province' },
];

/** A response's content that must not change within one version: timings, cache flags and the limit that varies are left out. */
function digest(entry: Entry, body: string): { version: string | undefined; digest: string } {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const meta = ((parsed.data as Record<string, { meta?: Record<string, unknown> }> | undefined)?.transactions?.meta ?? parsed.meta) as
    | Record<string, unknown>
    | undefined;
  const version = meta?.cubeVersion as string | undefined;
  const round = (_key: string, value: unknown) => (typeof value === 'number' ? Number(value.toPrecision(10)) : value);
  const content = entry.path.startsWith('/v1/query') ? { columns: parsed.columns, rows: parsed.rows, totals: parsed.totals, total: parsed.total } : parsed;
  return { version, digest: JSON.stringify(content, round) };
}

function startServer(cubesDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--definitions', 'definitions', '--cubes', cubesDir, '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    // The CLI reports on stderr; after the banner, pass its lines through.
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      output += chunk.toString();
      const url = /serving on (http:\/\/\S+)/.exec(output)?.[1];
      if (url !== undefined) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`arrowcube serve exited (${code}) before serving:\n${output}`)));
  });
}

function build(cubesDir: string, warehouse: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'build', '--definitions', 'definitions', '--cubes', cubesDir], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, ARROWCUBE_WAREHOUSE: warehouse },
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`arrowcube build exited ${code}`)))),
  );
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** What one version answers to each workload entry: an app over an engine holding only that version. */
async function referenceAnswers(cubesDir: string, version: Record<string, string>): Promise<string[]> {
  const engine = new CubeEngine({});
  for (const [cube, v] of Object.entries(version)) engine.load(await readCube(cubesDir, cube, v));
  const app = buildApp({ engine });
  try {
    const answers: string[] = [];
    for (const entry of WORKLOAD) {
      const response = await app.inject({ method: entry.method, url: entry.path, ...(entry.body === undefined ? {} : { payload: entry.body as object }) });
      if (response.statusCode !== 200) throw new Error(`reference ${entry.name} failed: ${response.body}`);
      answers.push(digest(entry, response.body).digest);
    }
    return answers;
  } finally {
    await app.close();
    await engine.close();
  }
}

async function versions(cubesDir: string): Promise<Record<string, string>> {
  return { transactions: (await currentVersion(cubesDir, 'transactions'))!, balances: (await currentVersion(cubesDir, 'balances'))! };
}

function chart(samples: Array<{ t: number; rss: number }>, rebuild: { start: number; end: number }, swapAt: number | undefined): string {
  const width = 760;
  const height = 320;
  const margin = { left: 70, right: 20, top: 50, bottom: 45 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const maxT = Math.max(...samples.map((sample) => sample.t), 1);
  const maxMiB = Math.max(...samples.map((sample) => sample.rss / 2 ** 20)) * 1.15;
  const x = (t: number) => margin.left + (t / maxT) * plotW;
  const y = (mib: number) => margin.top + plotH - (mib / maxMiB) * plotH;
  const path = samples.map((sample, index) => `${index === 0 ? 'M' : 'L'}${x(sample.t).toFixed(1)},${y(sample.rss / 2 ** 20).toFixed(1)}`).join(' ');
  const ticks = Array.from({ length: 5 }, (_, index) => (maxMiB / 5) * (index + 1));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="22" font-size="15" font-weight="bold">arrowcube serve: resident memory during the soak</text>`,
    `<text x="${margin.left}" y="38" fill="#555">mixed load with a rebuild and reload in the middle; generated by bench/soak.ts on ${new Date().toISOString().slice(0, 10)}</text>`,
    `<rect x="${x(rebuild.start).toFixed(1)}" y="${margin.top}" width="${Math.max(1, x(rebuild.end) - x(rebuild.start)).toFixed(1)}" height="${plotH}" fill="#f3e9d2"/>`,
    `<text x="${(x(rebuild.start) + 4).toFixed(1)}" y="${margin.top + 14}" fill="#8a6d3b">arrowcube build</text>`,
    ...(swapAt === undefined ? [] : [`<line x1="${x(swapAt).toFixed(1)}" x2="${x(swapAt).toFixed(1)}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#27ae60" stroke-dasharray="4 3"/>`, `<text x="${(x(swapAt) + 4).toFixed(1)}" y="${margin.top + 30}" fill="#27ae60">new version served</text>`]),
    ...ticks.map((tick) => `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#e5e5e5"/><text x="${margin.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick.toFixed(0)} MiB</text>`),
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    `<path d="${path}" fill="none" stroke="#1f6fb2" stroke-width="2.5"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">seconds</text>`,
    `<text x="${margin.left}" y="${margin.top + plotH + 16}" text-anchor="middle">0</text>`,
    `<text x="${margin.left + plotW}" y="${margin.top + plotH + 16}" text-anchor="middle">${maxT.toFixed(0)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const loadAtStart = currentLoad();
  const [before, after] = [await benchWarehouse(values.data, rows, 7), await benchWarehouse(values.data, rows, 8)];
  const cubesDir = await mkdtemp(join(tmpdir(), 'arrowcube-soak-'));
  const firstBuild = await build(cubesDir, before.path);
  const { child, url } = await startServer(cubesDir);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const samples: Array<{ t: number; rss: number }> = [];
  const sampler = setInterval(() => void rssOf(child.pid!).then((rss) => samples.push({ t: elapsed(), rss }), () => undefined), 1000);
  const progress = setInterval(() => process.stderr.write(`soak: ${elapsed().toFixed(0)} s, ${seen.length.toLocaleString('en-US')} responses checked, ${badStatus} failed\n`), 10_000);
  const seen: Array<{ entry: number; version: string | undefined; digest: string; at: number }> = [];
  let badStatus = 0;
  let uncachedCounter = 0;
  const oldVersions = await versions(cubesDir);
  const rebuild = { start: seconds * 0.3, end: 0, seconds: 0 };
  try {
    const rebuilding = new Promise<void>((resolve, reject) =>
      setTimeout(() => {
        rebuild.start = elapsed();
        build(cubesDir, after.path).then((took) => {
          rebuild.end = elapsed();
          rebuild.seconds = took;
          resolve();
        }, reject);
      }, seconds * 300),
    );
    const result = await autocannon({
      url,
      connections,
      duration: seconds,
      requests: WORKLOAD.map((entry, index) => ({
        method: entry.method,
        path: entry.path,
        headers: { 'content-type': 'application/json' },
        ...(entry.body === undefined ? {} : { body: JSON.stringify(entry.body) }),
        ...(entry.uncached
          ? { setupRequest: (request: autocannon.Request) => ({ ...request, body: JSON.stringify({ ...(entry.body as object), limit: 1000 + (uncachedCounter++ % 90_000) }) }) }
          : {}),
        onResponse: (status: number, body: string) => {
          if (status !== 200) {
            badStatus++;
            return;
          }
          const { version, digest: text } = digest(entry, body);
          seen.push({ entry: index, version, digest: text, at: elapsed() });
        },
      })),
    });
    await rebuilding;
    clearInterval(sampler);
    clearInterval(progress);
    const newVersions = await versions(cubesDir);
    // Each cube's version names the answers of the build it belongs to; members carry no version and must equal either build's.
    const references = new Map<string, string[]>();
    for (const set of [oldVersions, newVersions]) {
      const answers = await referenceAnswers(cubesDir, set);
      for (const version of Object.values(set)) references.set(version, answers);
    }
    const cubeOf = new Map([...Object.entries(oldVersions), ...Object.entries(newVersions)].map(([cube, version]) => [version, cube as keyof typeof oldVersions]));
    let torn = 0;
    const byVersion = new Map<string, number>();
    for (const response of seen) {
      const candidates = response.version === undefined ? [...references.values()] : [references.get(response.version)];
      if (!candidates.some((answers) => answers?.[response.entry] === response.digest)) torn++;
      if (response.version !== undefined) byVersion.set(response.version, (byVersion.get(response.version) ?? 0) + 1);
    }
    const firstNew = seen.find((response) => response.version === newVersions.transactions)?.at;
    const lastOld = seen.filter((response) => response.version === oldVersions.transactions).at(-1)?.at;
    const errors = result.errors + result.timeouts + result.non2xx + badStatus;
    const rss = samples.map((sample) => sample.rss / 2 ** 20);
    const settled = samples.filter((sample) => sample.t > (rebuild.end || seconds) + 5).map((sample) => sample.rss / 2 ** 20);
    await writeFile(values.svg, chart(samples, rebuild, firstNew));
    const mibText = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(0)} MiB`);
    const text = [
      '## Soak',
      '',
      `\`arrowcube serve\` (the CLI, its own process) over the bank cubes built from a ${rows.toLocaleString('en-US')}-row warehouse (seed 7), under autocannon for ${seconds} s with ${connections} connections cycling through ${WORKLOAD.length} requests: ${WORKLOAD.map((entry) => entry.name).join(', ')}. At ${rebuild.start.toFixed(0)} s \`arrowcube build\` (another process) rebuilt both cubes from a different warehouse (seed 8) in ${rebuild.seconds.toFixed(1)} s; the server's folder watcher loaded the new versions by itself. Reproduce with \`npx tsx bench/soak.ts --seconds ${seconds} --rows ${rows}\`. RSS chart: [bench/soak-rss.svg](bench/soak-rss.svg).`,
      '',
      machineLine(undefined, loadAtStart),
      '',
      '| figure | value |',
      '|---|---:|',
      `| requests served | ${result.requests.total.toLocaleString('en-US')} (${Math.round(result.requests.average).toLocaleString('en-US')}/s) |`,
      `| errors (socket errors, timeouts, non-2xx) | ${errors} ${errors === 0 ? '✓' : '✗'} |`,
      `| responses checked against their version's answer | ${seen.length.toLocaleString('en-US')} |`,
      `| torn reads (a body equal to no answer of the version it names) | ${torn} ${torn === 0 ? '✓' : '✗'} |`,
      `| responses by version | ${[...byVersion].map(([version, count]) => `${cubeOf.get(version)} ${version === oldVersions[cubeOf.get(version)!] ? 'before' : 'after'}: ${count.toLocaleString('en-US')}`).join(', ')} |`,
      `| first response from the new version / last from the old | ${firstNew?.toFixed(1) ?? '–'} s / ${lastOld?.toFixed(1) ?? '–'} s |`,
      `| latency p50 / p99 (whole milliseconds) | ${wholeMs(result.latency.p50)} ms / ${wholeMs(result.latency.p99)} ms |`,
      `| server RSS: first / peak / last | ${mibText(rss[0])} / ${mibText(Math.max(...rss))} / ${mibText(rss.at(-1))} |`,
      `| server RSS from 5 s after the rebuild: min–max | ${settled.length === 0 ? '–' : `${mibText(Math.min(...settled))}–${mibText(Math.max(...settled))}`} |`,
      `| first build (before the run) | ${firstBuild.toFixed(1)} s |`,
    ].join('\n');
    await writeSection(values.results, 'soak', text);
    process.stdout.write(`${text}\n`);
    if (errors > 0 || torn > 0) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(cubesDir, { recursive: true, force: true });
  }
}

await main();
