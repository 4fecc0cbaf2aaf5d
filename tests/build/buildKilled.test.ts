import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
import { currentVersion, readCube } from '../../src/store/index.ts';
import { createTinyWarehouse, tinyCubes } from './fixtures/tinyWarehouse.ts';

/**
 * Each trial kills a building child a random time after one of its build phases
 * starts. Half the trials aim at the write phase, where the version folder is
 * renamed into place and CURRENT replaced: the steps whose order makes a build atomic.
 */
const ANCHORS = ['validate', 'dictionaries', 'scan', 'write', 'write', 'write'] as const;
type Anchor = (typeof ANCHORS)[number];
const TRIALS = 24;
const ARTIFACTS = join(import.meta.dirname, '..', '.artifacts', 'reliability');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrowcube-killed-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Starts a child that builds in a loop and SIGKILLs it `delay` ms after it reports
 * starting `anchor`; returns when each phase was first reported (ms since spawn).
 */
async function buildUntilKilled(modelFile: string, cubesDir: string, anchor: string, delay: number): Promise<Map<string, number>> {
  const spawned = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'buildLoop.ts'), modelFile, cubesDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen = new Map<string, number>();
  let pending = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (!seen.has(line)) seen.set(line, performance.now() - spawned);
      if (seen.has(anchor)) resolve();
    });
    child.on('exit', () => reject(new Error(`child exited before it reached ${anchor}: ${errors}`)));
  });
  await sleep(delay);
  child.kill('SIGKILL');
  await exited;
  expect(errors).toBe('');
  return seen;
}

it(`a build killed at ${TRIALS} random moments leaves the previous version loadable, and the next build succeeds`, async () => {
  const warehouse = join(dir, 'warehouse.duckdb');
  const cubesDir = join(dir, 'cubes');
  await createTinyWarehouse(warehouse, 2000);
  const model = tinyCubes(warehouse).sales;
  const modelFile = join(dir, 'model.json');
  await writeFile(modelFile, JSON.stringify(model));
  await buildCube(model, { cubesDir });
  // Phase lengths as a freshly started child runs them (slower than this warm process).
  const at = await buildUntilKilled(modelFile, cubesDir, 'done', 0);
  const span = (from: string, to: string) => at.get(to)! - at.get(from)!;
  const durations: Record<Anchor, number> = {
    validate: span('validate', 'dictionaries'),
    dictionaries: span('dictionaries', 'plan'),
    scan: span('scan', 'write'),
    write: span('write', 'done'),
  };

  let previous = (await currentVersion(cubesDir, model.name))!;
  const failures: string[] = [];
  const kills: string[] = [];
  const taken = new Map<Anchor, number>();
  let published = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const anchor = ANCHORS[trial % ANCHORS.length]!;
    // Stratified over the phase and a little past it, as children vary: some kills land after CURRENT was replaced.
    const slot = taken.get(anchor) ?? 0;
    taken.set(anchor, slot + 1);
    const slots = (TRIALS / ANCHORS.length) * ANCHORS.filter((name) => name === anchor).length;
    const delay = Math.round(((slot + Math.random()) / slots) * durations[anchor] * 1.4);
    const kill = `${anchor}+${delay}ms`;
    kills.push(kill);
    try {
      await buildUntilKilled(modelFile, cubesDir, anchor, delay);
      // CURRENT names the previous version or the one the child just published, and it loads with every checksum intact.
      const current = (await currentVersion(cubesDir, model.name))!;
      expect(current >= previous, `CURRENT went back to ${current}`).toBe(true);
      if (current !== previous) published++;
      const cube = await readCube(cubesDir, model.name);
      expect(cube.version).toBe(current);
      expect(cube.cuboids.length).toBeGreaterThan(0);
      // Whatever the child left behind does not stop the next build, which cleans it up.
      const next = await buildCube(model, { cubesDir });
      expect((await readCube(cubesDir, model.name)).version).toBe(next.version);
      const entries = await readdir(join(cubesDir, model.name));
      expect(entries.filter((entry) => entry.includes('.tmp')), 'leftovers after the next build').toEqual([]);
      expect(entries.filter((entry) => /^\d{8}T/.test(entry)).length).toBeLessThanOrEqual(2);
      previous = next.version;
    } catch (error) {
      failures.push(`kill at ${kill}: ${(error as Error).message}`);
      previous = (await currentVersion(cubesDir, model.name).catch(() => undefined)) ?? previous;
    }
  }

  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(
    join(ARTIFACTS, 'crash.json'),
    `${JSON.stringify({ trials: TRIALS, survived: TRIALS - failures.length, publishedBeforeKill: published, kills, failures }, null, 2)}\n`,
  );
  expect(failures).toEqual([]);
}, 120_000);
