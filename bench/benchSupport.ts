import { execFile } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { buildCube } from '../src/build/index.ts';
import type { BuildSummary } from '../src/build/types.ts';
import { loadDefinitions } from '../src/model/loadDefinitions.ts';
import type { CubeModel } from '../src/model/types.ts';
import { seedWarehouse } from '../src/sample/seedWarehouse.ts';
import { isStale } from '../src/store/index.ts';

/** What the ssb, scaling and kernels benchmarks share: the machine line, timing, worker processes, their RESULTS.md section. */

export async function duckdbVersion(): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const version = String((await connection.runAndReadAll('SELECT version()')).getRows()[0]![0]);
  connection.closeSync();
  instance.closeSync();
  return version;
}

/** "Machine: 2 cores (…), 23.5 GiB memory, Node …, DuckDB …; measured …" plus the load average seen at the start. */
export function machineLine(duckdb: string | undefined, loadAtStart: number[]): string {
  return (
    `Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, ` +
    `Node ${process.version}${duckdb === undefined ? '' : `, DuckDB ${duckdb}`}; measured ${new Date().toISOString().slice(0, 10)}; ` +
    `load average ${loadAtStart.map((value) => value.toFixed(1)).join(' / ')} (1 / 5 / 15 min) when the run started` +
    (loadAtStart[0]! > 0.5 ? ' — other work shared the machine, so timings are pessimistic.' : '.')
  );
}

export const currentLoad = (): number[] => loadavg();

export interface Timing {
  median: number;
  p99: number;
  samples: number;
}

/** Median and p99 in milliseconds of `times` runs after `warmups` untimed ones. */
export async function time(run: () => Promise<unknown> | unknown, times: number, warmups = Math.min(5, times)): Promise<Timing> {
  for (let warm = 0; warm < warmups; warm++) await run();
  const samples: number[] = [];
  for (let index = 0; index < times; index++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return {
    median: samples[Math.floor(samples.length / 2)]!,
    p99: samples[Math.min(samples.length - 1, Math.ceil(samples.length * 0.99) - 1)]!,
    samples: samples.length,
  };
}

/**
 * A figure measured against a goal, with `digits` decimals. A miss is cut toward the side
 * it missed on, not rounded, so it never reads as the goal itself: 49.96 against "at
 * least 50" shows 49.9, and 1.504 against "at most 1.5" shows 1.51.
 */
export function shownAgainst(value: number, digits: number, goal: number, better: 'higher' | 'lower'): string {
  const scale = 10 ** digits;
  if (better === 'higher' && value < goal) return (Math.floor(value * scale) / scale).toFixed(digits);
  if (better === 'lower' && value > goal) return (Math.ceil(value * scale) / scale).toFixed(digits);
  return value.toFixed(digits);
}

/** autocannon's latency histogram counts whole milliseconds: 0 means under 1 ms. */
export const wholeMs = (value: number): string => (value < 1 ? '< 1' : String(value));
export const ms = (value: number): string => (value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1));
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const run = promisify(execFile);

/** Runs bench/buildWorker.ts (the build benchmark's one-measurement-per-process worker) and returns its JSON line. */
export async function buildWorker<T>(...args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'buildWorker.ts'), ...args], {
    maxBuffer: 64 * 2 ** 20,
    env: process.env,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

/** What bench/buildWorker.ts reports for a whole build and for the build's GROUPING SETS queries alone. */
export interface BuildRun {
  seconds: number;
  maxRssBytes: number;
  phases: Record<string, number>;
  summary: BuildSummary;
}
export interface QueryRun {
  seconds: number;
  maxRssBytes: number;
  rows: number;
}

/**
 * The whole build of the cube in `modelFile` against its GROUPING SETS queries alone,
 * each in a fresh process, alternating `repeat` times; the fastest of each is kept
 * (on a shared machine timing noise only ever adds). `pairs`: each build's seconds over
 * those of the query run right after it, in run order.
 */
export async function buildAgainstQuery(
  modelFile: string,
  cubesDir: string,
  repeat: number,
  label: string,
): Promise<{ build: BuildRun; query: QueryRun; pairs: number[] }> {
  let build: BuildRun | undefined;
  let query: QueryRun | undefined;
  const pairs: number[] = [];
  const cuboidsFile = `${modelFile}.cuboids.json`;
  for (let run = 1; run <= repeat; run++) {
    console.log(`building ${label} (fresh process, run ${run} of ${repeat})`);
    const built = await buildWorker<BuildRun>('build', modelFile, cubesDir);
    if (build === undefined || built.seconds < build.seconds) build = built;
    await writeFile(cuboidsFile, JSON.stringify(built.summary.cuboids));
    console.log(`build ${built.seconds.toFixed(2)} s; running its GROUPING SETS query alone (fresh process, run ${run} of ${repeat})`);
    const queried = await buildWorker<QueryRun>('query', modelFile, cuboidsFile);
    console.log(`GROUPING SETS alone ${queried.seconds.toFixed(2)} s`);
    if (query === undefined || queried.seconds < query.seconds) query = queried;
    pairs.push(built.seconds / queried.seconds);
  }
  return { build: build!, query: query!, pairs };
}

/** Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->` (appending the block if absent). */
export async function writeSection(file: string, name: string, text: string): Promise<void> {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const existing = await readFile(file, 'utf8').catch(() => '# Benchmark results\n');
  const block = `${begin}\n${text}\n${end}`;
  const start = existing.indexOf(begin);
  const stop = existing.indexOf(end);
  const next = start >= 0 && stop > start ? `${existing.slice(0, start)}${block}${existing.slice(stop + end.length)}` : `${existing.trimEnd()}\n\n${block}\n`;
  await writeFile(file, next);
}

/** The bank warehouse of `rows` rows: seeded once into `dataDir`, then reused by every benchmark. */
export async function benchWarehouse(dataDir: string, rows: number, seed: number): Promise<{ path: string; seedSeconds: number | undefined }> {
  const path = join(dataDir, `bank-${rows}-seed${seed}.duckdb`);
  if (await access(path).then(() => true, () => false)) return { path, seedSeconds: undefined };
  console.log(`seeding ${rows.toLocaleString('en-US')} rows into ${path}`);
  return { path, seedSeconds: (await seedWarehouse({ rows, seed, out: path })).seconds };
}

/** The named cube of a definitions folder, reading the given warehouse. */
export async function benchModel(definitions: string, cube: string, warehouse: string): Promise<CubeModel> {
  const models = await loadDefinitions(definitions, { ...process.env, ARROWCUBE_WAREHOUSE: warehouse });
  const model = models.find((candidate) => candidate.name === cube);
  if (model === undefined) throw new Error(`no cube ${cube} in ${definitions}`);
  return model;
}

/** Cubes built from that warehouse, kept beside it and rebuilt only when stale. */
export async function benchCubes(dataDir: string, rows: number, seed: number, model: CubeModel): Promise<string> {
  const cubesDir = join(dataDir, `cubes-${rows}-seed${seed}`);
  if (await isStale(cubesDir, model)) {
    console.log(`building ${model.name} over ${rows.toLocaleString('en-US')} rows`);
    await buildCube(model, { cubesDir });
  }
  return cubesDir;
}
