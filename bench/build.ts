import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { benchModel, benchWarehouse, buildAgainstQuery, duckdbVersion, mib, shownAgainst, writeSection, type BuildRun, type QueryRun } from './benchSupport.ts';

/**
 * Build benchmark: for each warehouse size, the whole build of one cube against the
 * same GROUPING SETS query run alone, each in its own process (wall time, peak RSS),
 * and the cuboids' bytes against the fact table exported to Parquet. Writes its
 * section of bench/RESULTS.md; numbers come from this script only.
 *
 *   npx tsx bench/build.ts [--rows 2000000,20000000] [--repeat 1] [--cube transactions] [--definitions definitions] [--data data/bench]
 */
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000000,20000000' },
    repeat: { type: 'string', default: '1' },
    cube: { type: 'string', default: 'transactions' },
    definitions: { type: 'string', default: 'definitions' },
    data: { type: 'string', default: 'data/bench' },
    seed: { type: 'string', default: '7' },
    results: { type: 'string', default: 'bench/RESULTS.md' },
  },
});
const sizes = values.rows.split(',').map((text) => Number(text.replaceAll('_', '')));
const seed = Number(values.seed);
const repeat = Math.max(1, Number(values.repeat));
const GOAL = 1.5;

interface Measurement {
  rows: number;
  warehouseBytes: number;
  seedSeconds: number | undefined;
  parquetBytes: number;
  build: BuildRun;
  query: QueryRun;
}

async function measure(rows: number, scratch: string): Promise<Measurement> {
  const { path: warehouse, seedSeconds } = await benchWarehouse(values.data, rows, seed);
  const model = await benchModel(values.definitions, values.cube, warehouse);
  const modelFile = join(scratch, `${rows}.model.json`);
  await writeFile(modelFile, JSON.stringify(model));

  const { build, query } = await buildAgainstQuery(modelFile, join(scratch, `cubes-${rows}`), repeat, `${values.cube} over ${rows.toLocaleString('en-US')} rows`);
  return {
    rows,
    warehouseBytes: (await stat(warehouse)).size,
    seedSeconds,
    parquetBytes: await parquetSize(warehouse, model.source.kind === 'table' ? model.source.table : 'fact_transactions', scratch),
    build,
    query,
  };
}

async function parquetSize(warehouse: string, table: string, scratch: string): Promise<number> {
  const instance = await DuckDBInstance.create(warehouse, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const file = join(scratch, `${table}.parquet`);
  try {
    await connection.run(`COPY ${table} TO '${file}' (FORMAT parquet)`);
    return (await stat(file)).size;
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(file, { force: true });
  }
}

const seconds = (value: number) => `${value.toFixed(2)} s`;

/** Seconds between the progress events that open consecutive steps of a build. */
function phaseSeconds(started: Record<string, number>): string[] {
  const order = ['validate', 'dictionaries', 'scan', 'write', 'done'];
  return order.slice(0, -1).map((phase, index) => ((started[order[index + 1]!] ?? Number.NaN) - (started[phase] ?? 0)).toFixed(2));
}

function section(results: Measurement[], duckdb: string): string {
  const command = `npx tsx bench/build.ts --rows ${sizes.join(',')}${repeat > 1 ? ` --repeat ${repeat}` : ''}${values.cube === 'transactions' ? '' : ` --cube ${values.cube}`}`;
  const lines = [
    '## Build',
    '',
    `Cube \`${values.cube}\` of \`${values.definitions}/\` over the seeded bank warehouse (seed ${seed}). Reproduce with \`${command}\`.`,
    '',
    `${repeat > 1 ? `Fastest of ${repeat} alternating runs of each measurement. ` : ''}Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version}, DuckDB ${duckdb}; measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| fact rows | cuboids | cuboid rows | whole build | build peak RSS | GROUPING SETS query alone | query peak RSS | build / query | cuboid files | fact table as Parquet | cuboids / Parquet |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((result) => {
      const ratio = result.build.seconds / result.query.seconds;
      return `| ${result.rows.toLocaleString('en-US')} | ${result.build.summary.cuboids.length} | ${result.build.summary.rows.toLocaleString('en-US')} | ${seconds(result.build.seconds)} | ${mib(result.build.maxRssBytes)} | ${seconds(result.query.seconds)} | ${mib(result.query.maxRssBytes)} | ${shownAgainst(ratio, 2, GOAL, 'lower')}× ${ratio <= GOAL ? '✓' : `✗ (goal ${GOAL}×)`} | ${mib(result.build.summary.bytes)} | ${mib(result.parquetBytes)} | ${(result.build.summary.bytes / result.parquetBytes).toFixed(2)} |`;
    }),
    '',
    'Where the whole build goes (seconds per phase):',
    '',
    "| fact rows | validation | dimension scan and planning | cuboid scan (both stages, into typed arrays; each cuboid's Arrow file written meanwhile) | last files, manifest and atomic switch |",
    '|---:|---:|---:|---:|---:|',
    ...results.map((result) => `| ${result.rows.toLocaleString('en-US')} | ${phaseSeconds(result.build.phases).join(' | ')} |`),
    '',
    '- *Whole build*: a fresh process loads the model and runs `buildCube` (validation, the dimension scan for dictionaries,',
    '  hierarchy checks and statistics, planning, the cuboid scan, reading cuboids into typed arrays, Arrow encoding and the',
    '  atomic, fsynced write). *Peak RSS* is the process maximum (`process.resourceUsage().maxRSS`), DuckDB included.',
    '- *GROUPING SETS query alone*: another fresh process, same DuckDB settings, runs the dimension scan (untimed: the queries',
    '  join its code tables), then times the GROUPING SETS SELECTs of the cuboid scan exactly as the build runs them — the main',
    '  one and, when some cuboids hold exact distinct counts, the second one that counts them — each wrapped in',
    '  `SELECT count(*), max(hash(q))`, so every column is computed and the result discarded. The build itself also packs each',
    '  row\'s codes into sort words and stores the rows in a temp table: that is counted in the build, not here.',
    `- *Cuboid files*: the Arrow IPC files of the cuboids (dictionaries and parent maps excluded). *Fact table as Parquet*: \`COPY ${values.cube === 'transactions' ? 'fact_transactions' : 'the fact table'} TO … (FORMAT parquet)\` with DuckDB's defaults (Snappy).`,
    `- Warehouse files: ${results.map((result) => `${result.rows.toLocaleString('en-US')} rows → ${mib(result.warehouseBytes)}${result.seedSeconds === undefined ? '' : ` (seeded in ${seconds(result.seedSeconds)})`}`).join('; ')}.`,
  ];
  return lines.join('\n');
}

await mkdir(values.data, { recursive: true });
const scratch = await mkdtemp(join(tmpdir(), 'arrowcube-bench-build-'));
try {
  const results: Measurement[] = [];
  for (const rows of sizes) results.push(await measure(rows, scratch));
  const text = section(results, await duckdbVersion());
  await writeSection(values.results, 'build', text);
  console.log(text);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
