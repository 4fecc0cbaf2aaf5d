import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { QueryResult } from '../src/engine/index.ts';
import { loadDefinitions } from '../src/model/loadDefinitions.ts';
import type { CubeQueryInput } from '../src/model/query.ts';
import { serve } from '../src/server/serve.ts';
import { buildAgainstQuery, currentLoad, machineLine, mib, ms, shownAgainst, time, writeSection, type BuildRun, type QueryRun, type Timing } from './benchSupport.ts';
import { asRanges, canonicalRows, diffRows, parquetRelation, SSB_QUERIES, SSB_TABLES, ssbSql, type SsbQuery } from './ssb/queries.ts';

/**
 * Star Schema Benchmark: the `ssb` cube of bench/ssb/ssb.yaml is built (in a fresh
 * process, against its GROUPING SETS query run alone in another, as bench/build.ts
 * does for the bank cube), served by a real server (src/server/serve.ts, loopback,
 * result cache off), and the 13 standard SSB queries are asked over REST, each checked
 * equal to DuckDB's standard star join on the same Parquet files and timed side by side
 * with it in the same run. Writes the ssb section of bench/RESULTS.md; numbers come
 * from this script only.
 *
 *   npx tsx bench/ssb.ts [--sf 1 | --sf 0.1] [--repeat 100] [--duckdb-repeat 10] [--build-repeat 3]
 *   SSB_DATA=../shared/data/ssb-sf0.1 npx tsx bench/ssb.ts
 */
const { values } = parseArgs({
  options: {
    sf: { type: 'string' },
    repeat: { type: 'string', default: '100' },
    'duckdb-repeat': { type: 'string', default: '10' },
    'build-repeat': { type: 'string', default: '3' },
    definitions: { type: 'string', default: 'bench/ssb' },
    results: { type: 'string', default: 'bench/RESULTS.md' },
  },
});
const dataDir = values.sf !== undefined ? `../shared/data/ssb-sf${values.sf}` : (process.env.SSB_DATA ?? '../shared/data/ssb-sf1');
process.env.SSB_DATA = dataDir;
const scale = values.sf ?? (/ssb-sf([\d.]+)/.exec(basename(resolve(dataDir)))?.[1] ?? '?');
const repeat = Number(values.repeat);
const duckdbRepeat = Number(values['duckdb-repeat']);
const buildRepeat = Math.max(1, Number(values['build-repeat']));
const SPEEDUP_GOAL = 50;
const BUILD_GOAL = 1.5;

interface Measured {
  ssb: SsbQuery;
  asked: 'members' | 'ranges';
  result: QueryResult;
  arrowcube: Timing;
  /** Median of the engine's own `meta.elapsedMs` over the timed runs. */
  engine: number;
  parquet: Timing;
  tables: Timing;
}

async function main(): Promise<void> {
  const loadAtStart = currentLoad();
  const scratch = await mkdtemp(join(tmpdir(), 'arrowcube-bench-ssb-'));
  try {
    const models = await loadDefinitions(values.definitions, process.env);
    const model = models.find((candidate) => candidate.name === 'ssb');
    if (model === undefined) throw new Error(`no cube ssb in ${values.definitions}`);
    const modelFile = join(scratch, 'ssb.model.json');
    await writeFile(modelFile, JSON.stringify(model));
    const cubesDir = join(scratch, 'cubes');

    const { build, query: alone, pairs } = await buildAgainstQuery(modelFile, cubesDir, buildRepeat, `ssb over ${dataDir}`);

    const server = await serve({ definitionsDir: values.definitions, cubesDir, port: 0, logger: false, cacheBytes: 0 });
    const instance = await DuckDBInstance.create(':memory:');
    const duckdb = await instance.connect();
    try {
      const version = String((await duckdb.runAndReadAll('SELECT version()')).getRows()[0]![0]);
      const threads = String((await duckdb.runAndReadAll("SELECT current_setting('threads')")).getRows()[0]![0]);
      const parquet = parquetRelation(dataDir);
      for (const table of SSB_TABLES) await duckdb.run(`CREATE TABLE ${quoted(table)} AS FROM ${parquet(table)}`);
      const inMemory = (table: (typeof SSB_TABLES)[number]) => `memory.main.${quoted(table)} AS ${quoted(table)}`;

      const measured: Measured[] = [];
      for (const ssb of SSB_QUERIES) measured.push(await measure(server.url, duckdb, ssb, parquet, inMemory));
      const text = section(build, alone, pairs, measured, version, threads, loadAtStart);
      await writeSection(values.results, 'ssb', text);
      console.log(text);
    } finally {
      duckdb.closeSync();
      instance.closeSync();
      agent.destroy();
      await server.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const quoted = (table: string) => `"${table}"`;

/** One kept-alive connection (node:http: undici's fetch adds about half a millisecond per request on this machine). */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

async function ask(url: string, query: CubeQueryInput): Promise<{ status: number; body: QueryResult & { error?: { code: string; message: string } } }> {
  const body = JSON.stringify({ ...query, limit: 100_000 });
  return new Promise((resolvePromise, reject) => {
    const request = httpRequest(
      `${url}/v1/query`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function measure(
  url: string,
  duckdb: DuckDBConnection,
  ssb: SsbQuery,
  parquet: (table: (typeof SSB_TABLES)[number]) => string,
  inMemory: (table: (typeof SSB_TABLES)[number]) => string,
): Promise<Measured> {
  let query = ssb.query;
  let asked: Measured['asked'] = 'members';
  let answer = await ask(url, query);
  if (answer.status === 400 && answer.body.error?.code === 'MEMBER_UNKNOWN') {
    // A member this scale factor lacks (SF 0.1 has no supplier in UNITED KI1/KI5): ask the same rows as ranges.
    console.log(`${ssb.name}: ${answer.body.error.message}; asking the same rows as one-member ranges`);
    query = asRanges(query);
    asked = 'ranges';
    answer = await ask(url, query);
  }
  if (answer.status !== 200) throw new Error(`${ssb.name}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  const result = answer.body;
  if (result.meta.source !== 'cuboid') throw new Error(`${ssb.name} was answered from the ${result.meta.source}, not a cuboid`);
  const parquetSql = ssbSql(ssb, parquet);
  const tablesSql = ssbSql(ssb, inMemory);
  const expected = (await duckdb.runAndReadAll(parquetSql)).getRowObjectsJS();
  const differences = diffRows(result.rows, expected);
  if (differences.length > 0 || canonicalRows(result.rows).length !== expected.length) {
    throw new Error(`${ssb.name}: arrowcube and DuckDB disagree (${result.rows.length} vs ${expected.length} rows):\n${differences.join('\n')}`);
  }
  const engineMs: number[] = [];
  const arrowcube = await time(async () => engineMs.push((await ask(url, query)).body.meta.elapsedMs), repeat);
  engineMs.sort((a, b) => a - b);
  const parquetTime = await time(() => duckdb.runAndReadAll(parquetSql), duckdbRepeat, 2);
  const tablesTime = await time(() => duckdb.runAndReadAll(tablesSql), duckdbRepeat, 2);
  console.log(
    `${ssb.name}: ${result.meta.cuboid} (${result.meta.rowsScanned.toLocaleString('en-US')} rows), ${result.rows.length} result rows; ` +
      `arrowcube ${ms(arrowcube.median)} ms, DuckDB Parquet ${ms(parquetTime.median)} ms, tables ${ms(tablesTime.median)} ms`,
  );
  return { ssb, asked, result, arrowcube, engine: engineMs[Math.floor(engineMs.length / 2)]!, parquet: parquetTime, tables: tablesTime };
}

const geomean = (numbers: number[]) => Math.exp(numbers.reduce((sum, value) => sum + Math.log(value), 0) / numbers.length);
const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const ratio = (value: number, goal?: number) => {
  const digits = value >= 10 ? 0 : 1;
  return goal === undefined ? `${value.toFixed(digits)}×` : `${shownAgainst(value, digits, goal, 'higher')}× ${value >= goal ? '✓' : '✗'}`;
};

function section(build: BuildRun, alone: QueryRun, pairs: number[], measured: Measured[], version: string, threads: string, loadAtStart: number[]): string {
  const command = `npx tsx bench/ssb.ts --sf ${scale}${repeat === 100 ? '' : ` --repeat ${repeat}`}${duckdbRepeat === 10 ? '' : ` --duckdb-repeat ${duckdbRepeat}`}${buildRepeat === 3 ? '' : ` --build-repeat ${buildRepeat}`}`;
  const buildRatio = build.seconds / alone.seconds;
  const speedups = measured.map((m) => m.parquet.median / m.arrowcube.median);
  const tableSpeedups = measured.map((m) => m.tables.median / m.arrowcube.median);
  const passed = speedups.filter((value) => value >= SPEEDUP_GOAL).length;
  const rowsOf = new Map(build.summary.cuboids.map((cuboid) => [cuboid.name, cuboid.rows]));
  const lines = [
    '## Star Schema Benchmark',
    '',
    `The \`ssb\` cube of \`bench/ssb/ssb.yaml\` over SSB scale factor ${scale} (\`${dataDir}\`, ${build.summary.sourceRows.toLocaleString('en-US')} lineorder rows, Parquet). Reproduce with \`${command}\`.`,
    '',
    `${machineLine(version, loadAtStart)} DuckDB uses ${threads} threads; the arrowcube server is one Node thread.`,
    '',
    `### The 13 SSB queries`,
    '',
    `Every answer was checked equal to DuckDB's standard star join on the same Parquet files before timing (members as text, sums exact). Latency in milliseconds, median / p99; ratio = DuckDB median / arrowcube median (goal ≥ ${SPEEDUP_GOAL}× against the star join on Parquet).`,
    '',
    '| query | cuboid that answered | cuboid rows | result rows | arrowcube over REST | of which engine | DuckDB star join, Parquet | ratio | DuckDB star join, tables in memory | ratio |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...measured.map((m, index) => {
      const cuboid = m.result.meta.cuboid ?? '';
      return `| ${m.ssb.name}${m.asked === 'ranges' ? '¹' : ''} | \`${cuboid}\` | ${(rowsOf.get(cuboid) ?? m.result.meta.rowsScanned).toLocaleString('en-US')} | ${m.result.rows.length} | ${ms(m.arrowcube.median)} / ${ms(m.arrowcube.p99)} | ${ms(m.engine)} | ${ms(m.parquet.median)} / ${ms(m.parquet.p99)} | ${ratio(speedups[index]!, SPEEDUP_GOAL)} | ${ms(m.tables.median)} / ${ms(m.tables.p99)} | ${ratio(tableSpeedups[index]!)} |`;
    }),
    `| geometric mean | | | | | | | ${ratio(geomean(speedups))} | | ${ratio(geomean(tableSpeedups))} |`,
    '',
    `${measured.length} of ${SSB_QUERIES.length} answered from a cuboid and equal to DuckDB; ${passed} of ${measured.length} at least ${SPEEDUP_GOAL}× faster than the star join on Parquet.`,
    ...(measured.some((m) => m.asked === 'ranges')
      ? [
          '',
          "¹ This scale factor has no supplier in `UNITED KI1` or `UNITED KI5`; arrowcube rejects a member filter naming an unknown member (400 MEMBER_UNKNOWN, a typo check), so the query was asked with each member filter written as a one-member range (`between m and m`: the same rows). The answer is empty on both sides.",
        ]
      : []),
    '',
    '### Build',
    '',
    '| cuboids | cuboid rows | cuboid files | whole build | build peak RSS | GROUPING SETS query alone | query peak RSS | build / query |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${build.summary.cuboids.length} | ${build.summary.rows.toLocaleString('en-US')} | ${mib(build.summary.bytes)} | ${build.seconds.toFixed(2)} s | ${mib(build.maxRssBytes)} | ${alone.seconds.toFixed(2)} s | ${mib(alone.maxRssBytes)} | ${shownAgainst(buildRatio, 2, BUILD_GOAL, 'lower')}× ${buildRatio <= BUILD_GOAL ? '✓' : `✗ (goal ${BUILD_GOAL}×)`} |`,
    '',
    '- *arrowcube over REST*: `POST /v1/query` to a server started with `serve()` (src/server/serve.ts) on a loopback port in this process, result cache off (`cacheBytes: 0`), over one kept-alive connection (`node:http`); the time includes the HTTP round trip, JSON encoding and decoding. *Of which engine*: the median `meta.elapsedMs` the server reports (routing, filter, group, fold, finish). ' +
      `${repeat} runs after 5 warm-ups.`,
    `- *DuckDB star join*: the standard SSB SQL (bench/ssb/queries.ts) in an in-memory DuckDB in this process, once over \`read_parquet\` of the same files the cube was built from, once over the five tables loaded into DuckDB memory first (no Parquet decoding: the stronger baseline). ${duckdbRepeat} runs after 2 warm-ups each.`,
    `- *Whole build* and *GROUPING SETS query alone*: bench/buildWorker.ts, each in a fresh process, as in the Build section (the query alone is timed after the untimed dimension scan whose code tables it joins); the fastest of ${buildRepeat} alternating runs of each. Each build over the query run right after it, in run order: ${pairs.map((pair) => `${pair.toFixed(2)}×`).join(', ')} (median ${median(pairs).toFixed(2)}×).`,
    `- Cuboids are the ten listed in \`bench/ssb/ssb.yaml\` (\`auto: false\`); each query is routed to the smallest cuboid whose levels are as fine as its grouped and filtered levels.`,
  ];
  return lines.join('\n');
}

await main();
