import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { currentLoad, machineLine, writeSection } from './benchSupport.ts';

/**
 * Runs the tests behind each promise of RELIABILITY.md and writes, from that run, which
 * passed and the figures they recorded (tests/.artifacts/reliability/*.json) into the
 * promises section. The soak has its own section (bench/soak.ts).
 *
 *   npx tsx bench/reliability.ts
 */
const { values } = parseArgs({ options: { results: { type: 'string', default: 'RELIABILITY.md' } } });
const ARTIFACTS = 'tests/.artifacts/reliability';

interface Promise_ {
  promise: string;
  tests: string[];
  figures: (artifacts: Artifacts) => string;
}

type Artifacts = Record<string, Record<string, unknown> | undefined>;

const n = (value: unknown) => (typeof value === 'number' ? value.toLocaleString('en-US') : '–');

const PROMISES: Promise_[] = [
  {
    promise: 'A rebuild while serving swaps versions atomically: every answer comes from exactly one version, none torn, no error',
    tests: ['tests/reliability/rebuild.test.ts', 'tests/reliability/engineSwap.test.ts'],
    figures: ({ rebuild }) => {
      const admin = rebuild?.adminReload as Record<string, number> | undefined;
      const watched = rebuild?.watchedCliBuild as Record<string, number> | undefined;
      return `reload on request: ${n(admin?.requests)} requests during the swap, ${n(admin?.errors)} errors, ${n(admin?.tornReads)} torn reads; \`arrowcube build\` picked up by the watcher: ${n(watched?.requests)} requests, ${n(watched?.errors)} errors, ${n(watched?.tornReads)} torn reads`;
    },
  },
  {
    promise: 'The replaced version is freed once its last query ends, and its cached answers are dropped',
    tests: ['tests/reliability/engineSwap.test.ts'],
    figures: () => 'checked with a WeakRef after forced garbage collection',
  },
  {
    promise: 'A corrupt or partial version is refused with one log line; the previous one keeps serving',
    tests: ['tests/reliability/reloader.test.ts', 'tests/reliability/rebuild.test.ts'],
    figures: ({ rebuild }) => `flipped byte, missing file, missing, unreadable or foreign manifest, CURRENT naming no version: each refused, e.g. \`${String(rebuild?.refusedVersion ?? '–')}\``,
  },
  {
    promise: 'A build killed with SIGKILL at any moment leaves a loadable previous version and nothing that blocks the next build',
    tests: ['tests/build/buildKilled.test.ts'],
    figures: ({ crash }) => `${n(crash?.survived)} of ${n(crash?.trials)} kill trials survived (kills spread over validation, dictionaries, the scan and the write; ${n(crash?.publishedBeforeKill)} after the new version was published)`,
  },
  {
    promise: 'SIGTERM stops accepting, finishes requests in flight, closes DuckDB and exits 0 (1 after the deadline)',
    tests: ['tests/reliability/shutdown.test.ts'],
    figures: () => 'the real CLI, a request held in flight across the signal',
  },
  {
    promise: 'Credentials: API keys, HS256 and RS256 (JWKS) tokens; every bad credential is a 401 with its code; anonymous requests get 401',
    tests: ['tests/reliability/auth.test.ts'],
    figures: () => 'wrong key, wrong secret, expired, not yet valid, no expiry, alg none, foreign issuer, unknown key id, tampered, algorithm confusion; admin routes refused to other roles however the path is spelled; a refused WebSocket upgrade has its socket closed',
  },
  {
    promise: 'No user sees a row, member, total or cached answer outside their scope, in any endpoint or format; head office = the sum of the branches',
    tests: ['tests/reliability/leaks.test.ts'],
    figures: ({ leaks }) =>
      `${n(leaks?.queries)} random queries × 2 random users: ${n(leaks?.answersChecked)} answers equal to DuckDB's with the user's restriction, each also as Arrow, CSV, GraphQL, pivot and explain; ${n(leaks?.refusals)} hidden-measure refusals; ${n(leaks?.membersListings)} members listings; ${n(leaks?.branchSums)} branch answers summed to head office's; **leaks found: ${n(leaks?.leaks)}**`,
  },
  {
    promise: 'Limits: body size, result rows, pivot size, query timeout (connection stays usable), source memory, rate limit per key, load shedding, DuckDB without external access',
    tests: ['tests/reliability/limits.test.ts'],
    figures: () => '413, 400 RESULT_TOO_LARGE, 504 QUERY_TIMEOUT, 400 QUERY_TOO_LARGE, 429 RATE_LIMITED, 503 OVERLOADED; other files, ATTACH, COPY, SET, LOAD refused',
  },
  {
    promise: 'Bad input anywhere gets its status and error code, never a 5xx or a stack trace',
    tests: ['tests/reliability/badInput.test.ts', 'tests/reliability/fuzz.test.ts'],
    figures: ({ badInput, fuzz }) => `${n(badInput?.badInputs)} table-driven bad inputs; fuzz: ${n(fuzz?.cases)} REST and GraphQL bodies, ${n(fuzz?.fiveHundreds)} answered 5xx`,
  },
];

interface FileResult {
  passed: number;
  failed: number;
}

/** Failing tests are reported in the table, not thrown: the report says which promise broke. */
function runTests(files: string[], report: string): void {
  const run = spawnSync('npx', ['vitest', 'run', ...files, '--reporter=json', `--outputFile=${report}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.error) throw run.error;
}

async function readResults(report: string): Promise<Map<string, FileResult>> {
  const json = JSON.parse(await readFile(report, 'utf8')) as {
    testResults: Array<{ name: string; assertionResults: Array<{ status: string }> }>;
  };
  return new Map(
    json.testResults.map((file) => [
      relative(process.cwd(), file.name),
      {
        passed: file.assertionResults.filter((test) => test.status === 'passed').length,
        failed: file.assertionResults.filter((test) => test.status === 'failed').length,
      },
    ]),
  );
}

async function readArtifacts(): Promise<Artifacts> {
  const names = ['rebuild', 'crash', 'leaks', 'badInput', 'fuzz'];
  const entries = await Promise.all(
    names.map(async (name) => [name, await readFile(join(ARTIFACTS, `${name}.json`), 'utf8').then(JSON.parse, () => undefined)] as const),
  );
  return Object.fromEntries(entries);
}

async function main(): Promise<void> {
  const loadAtStart = currentLoad();
  const files = [...new Set(PROMISES.flatMap((entry) => entry.tests))];
  const dir = await mkdtemp(join(tmpdir(), 'arrowcube-reliability-'));
  const report = join(dir, 'report.json');
  const started = performance.now();
  try {
    runTests(files, report);
    const results = await readResults(report);
    const artifacts = await readArtifacts();
    let failed = 0;
    const rows = PROMISES.map(({ promise, tests, figures }) => {
      const outcome = tests.map((file) => results.get(file) ?? { passed: 0, failed: 1 });
      const passed = outcome.reduce((sum, result) => sum + result.passed, 0);
      const broken = outcome.reduce((sum, result) => sum + result.failed, 0);
      failed += broken;
      const status = broken === 0 && passed > 0 ? `✓ ${passed} passed` : `✗ ${broken} failed`;
      return `| ${promise} | ${tests.map((file) => `\`${file}\``).join(', ')} | ${status} | ${figures(artifacts)} |`;
    });
    const text = [
      '## Promises and the tests that check them',
      '',
      `Last run: \`npx tsx bench/reliability.ts\` (${((performance.now() - started) / 1000).toFixed(0)} s; the same tests run in \`npm test\`).`,
      '',
      machineLine(undefined, loadAtStart),
      '',
      '| promise | test | last run | figures from the last run |',
      '|---|---|---|---|',
      ...rows,
    ].join('\n');
    await writeSection(values.results, 'promises', text);
    process.stdout.write(`${text}\n`);
    if (failed > 0) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
