import { access } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { buildCube, type BuildProgress, type BuildSummary } from './build/index.ts';
import { CubeEngine } from './engine/index.ts';
import { CubeError } from './errors.ts';
import { suggestion } from './model/closest.ts';
import { loadDefinitions } from './model/loadDefinitions.ts';
import { DEFAULT_ROWS, DEFAULT_SEED, DEFAULT_WAREHOUSE } from './sample/defaults.ts';
import { seedWarehouse } from './sample/seedWarehouse.ts';
import { resultToCsv } from './server/formats/csv.ts';
import { describeAuth, loadAuthConfig } from './server/auth/authConfig.ts';
import { serve } from './server/serve.ts';
import { currentVersion, isStale, listCubes, readCube } from './store/index.ts';

/** What each CLI command does once its flags are parsed; progress goes to stderr, results to stdout. */
const say = (line: string) => process.stderr.write(`${line}\n`);
const interactive = process.stderr.isTTY === true;

const number = (value: number) => value.toLocaleString('en-US');
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function warehousePath(out?: string): string {
  return out ?? process.env.ARROWCUBE_WAREHOUSE ?? DEFAULT_WAREHOUSE;
}

export async function seedFromCli(options: { rows: number; seed: number; out: string | undefined; ifMissing?: boolean }): Promise<void> {
  const out = warehousePath(options.out);
  if (options.ifMissing && (await access(out).then(() => true, () => false))) {
    say(`warehouse ${out} exists; not seeding (delete it or run \`arrowcube seed\` to regenerate)`);
    return;
  }
  const rows = options.rows < 0 ? DEFAULT_ROWS : options.rows;
  const seed = options.seed < 0 ? DEFAULT_SEED : options.seed;
  say(`seeding the sample bank warehouse: ${number(rows)} transactions, seed ${seed} → ${out}`);
  const summary = await seedWarehouse({
    rows,
    seed,
    out,
    onProgress: (step, done, total) => {
      if (done < total) say(`  [${done + 1}/${total}] ${step}`);
    },
  });
  say(
    `seeded ${out}: ${number(summary.rows)} transactions, ${number(summary.accountMonths)} account-months, ` +
      `${megabytes(summary.bytes)} in ${summary.seconds.toFixed(1)} s`,
  );
}

export async function buildFromCli(options: { definitionsDir: string; cubesDir: string; cube?: string | undefined; force: boolean }): Promise<void> {
  const models = await loadDefinitions(options.definitionsDir);
  const selected = options.cube === undefined ? models : models.filter((model) => model.name === options.cube);
  if (selected.length === 0) {
    throw new CubeError('CUBE_NOT_FOUND', `no cube "${options.cube}" in ${options.definitionsDir}`, {
      hint: suggestion(options.cube!, models.map((model) => model.name)),
    });
  }
  const summaries: BuildSummary[] = [];
  for (const model of selected) {
    if (!options.force && !(await isStale(options.cubesDir, model))) {
      say(`cube ${model.name} is up to date (version ${await currentVersion(options.cubesDir, model.name)})`);
      continue;
    }
    summaries.push(await buildCube(model, { cubesDir: options.cubesDir, onProgress: buildReporter() }));
  }
  if (summaries.length > 0) {
    const rows = summaries.reduce((sum, s) => sum + s.rows, 0);
    const bytes = summaries.reduce((sum, s) => sum + s.bytes, 0);
    const seconds = summaries.reduce((sum, s) => sum + s.seconds, 0);
    const cuboids = summaries.reduce((sum, s) => sum + s.cuboids.length, 0);
    say(`built ${summaries.length} cube(s): ${cuboids} cuboids, ${number(rows)} rows, ${megabytes(bytes)} in ${seconds.toFixed(1)} s`);
  }
}

/** Plain lines (logs, CI) report a pass's start, its end, and the rows read in between at most this often. */
const SCAN_LINE_MS = 10_000;

/** Progress bars over the source rows scanned and over cuboids on a terminal; plain lines otherwise (logs, CI). */
function buildReporter(): (event: BuildProgress) => void {
  let bar: SingleBar | undefined;
  let scanBar: SingleBar | undefined;
  let lastScanLine = { at: 0, text: '' };
  return (event) => {
    switch (event.phase) {
      case 'scanned': {
        const { pass, passes, rowsRead, sourceRows } = event;
        const label = passes > 1 ? `scan ${pass + 1}/${passes}` : 'scan';
        if (interactive) {
          if (rowsRead === 0) {
            scanBar = new SingleBar({
              format: `  ${label} [{bar}] {value}/{total} source rows read`,
              formatValue: (value, _, kind) => (kind === 'value' || kind === 'total' ? number(value) : String(value)),
              hideCursor: true,
              stream: process.stderr,
            });
            scanBar.start(sourceRows, 0);
          }
          scanBar?.update(rowsRead);
          // Reading can reach the last row a while before the pass ends: the bar stops at the first.
          if (rowsRead === sourceRows) {
            scanBar?.stop();
            scanBar = undefined;
          }
        } else {
          const text = `  ${label}: ${number(rowsRead)} of ${number(sourceRows)} source rows read`;
          // Reading can reach the last row a while before the pass ends: that line is said once.
          const due = rowsRead === 0 || rowsRead === sourceRows || Date.now() - lastScanLine.at >= SCAN_LINE_MS;
          if (due && text !== lastScanLine.text) {
            lastScanLine = { at: Date.now(), text };
            say(text);
          }
        }
        break;
      }
      case 'plan': {
        say(`cube ${event.cube}: ${number(event.sourceRows)} source rows, ${event.plan.cuboids.length} cuboids planned`);
        say(`  ${'cuboid'.padEnd(48)} ${'est. rows'.padStart(12)}  reason`);
        for (const cuboid of event.plan.cuboids) {
          say(`  ${cuboid.name.padEnd(48)} ${number(cuboid.estimatedRows).padStart(12)}  ${cuboid.reason}`);
        }
        break;
      }
      case 'cuboid':
        if (interactive) {
          bar ??= new SingleBar({ format: '  cuboids [{bar}] {value}/{total} {name}', hideCursor: true, stream: process.stderr });
          if (event.index === 0) bar.start(event.total, 0, { name: '' });
          bar.update(event.index + 1, { name: event.name });
          if (event.index + 1 === event.total) bar.stop();
        } else {
          say(`  [${event.index + 1}/${event.total}] ${event.name}: ${number(event.rows)} rows`);
        }
        break;
      case 'done': {
        const { summary } = event;
        say(`  ${'cuboid'.padEnd(48)} ${'est. rows'.padStart(12)} ${'rows'.padStart(12)} ${'bytes'.padStart(10)}`);
        for (const cuboid of summary.cuboids) {
          say(
            `  ${cuboid.name.padEnd(48)} ${number(cuboid.estimatedRows).padStart(12)} ${number(cuboid.rows).padStart(12)} ${megabytes(cuboid.bytes).padStart(10)}`,
          );
        }
        say(
          `cube ${summary.cube} version ${summary.version}: ${summary.cuboids.length} cuboids, ${number(summary.rows)} rows, ` +
            `${megabytes(summary.bytes)} in ${summary.seconds.toFixed(1)} s`,
        );
        break;
      }
      default:
        if (!interactive || event.phase !== 'write') say(`  ${event.phase}…`);
    }
  };
}

export async function serveFromCli(options: {
  definitionsDir: string;
  cubesDir: string;
  host: string;
  port: number;
  shutdownTimeoutMs?: number;
  /** Authentication configuration file; absent: the server is open to whoever reaches it. */
  authFile?: string;
}): Promise<void> {
  const { authFile, ...serveOptions } = options;
  const auth = authFile === undefined ? null : await loadAuthConfig(authFile);
  const server = await serve({ ...serveOptions, auth, logger: { level: 'warn' } });
  const loopback = options.host === '127.0.0.1' || options.host === 'localhost' || options.host === '::1';
  say(`arrowcube serving on ${server.url}`);
  say(`  REST:    ${server.url}/v1/cubes  ·  POST ${server.url}/v1/query`);
  say(`  GraphQL: ${server.url}/graphql  ·  playground ${server.url}/graphiql`);
  say(`  health:  ${server.url}/healthz`);
  if (auth !== null) say(`  authentication: ${describeAuth(auth)} (from ${authFile}); anonymous requests get 401`);
  else if (loopback) say('  no authentication is configured: open to every user of this machine (set --auth FILE to require credentials)');
  else say(`  WARNING: no authentication is configured and ${options.host} is reachable from other machines: anyone who can connect sees every cube`);
  const stop = (signal: NodeJS.Signals) => {
    say(`arrowcube: ${signal}: stopping; requests in flight may finish`);
    server.close().then(
      () => {
        say('arrowcube: stopped');
        process.exit(0);
      },
      (error: unknown) => {
        say(`arrowcube: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export async function queryFromCli(options: { cubesDir: string; query: unknown; format: 'json' | 'csv' }): Promise<void> {
  const engine = new CubeEngine({});
  try {
    const names = await listCubes(options.cubesDir);
    const wanted = (options.query as { cube?: unknown })?.cube;
    // Only the asked-for cube is read; any other name lets the engine say what is there.
    const loaded = typeof wanted === 'string' && names.includes(wanted) ? [wanted] : names;
    for (const name of loaded) engine.load(await readCube(options.cubesDir, name));
    const result = await engine.query(options.query);
    process.stdout.write(options.format === 'csv' ? resultToCsv(result) : `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await engine.close();
  }
}
