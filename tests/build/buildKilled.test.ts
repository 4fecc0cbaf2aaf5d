import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
import { currentVersion, readCube } from '../../src/store/index.ts';
import { createTinyWarehouse, tinyCubes } from './fixtures/tinyWarehouse.ts';

const TRIALS = 8;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrowcube-killed-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts a child that builds in a loop and SIGKILLs it `delay` ms after it is ready. */
async function buildUntilKilled(modelFile: string, cubesDir: string, delay: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'buildLoop.ts'), modelFile, cubesDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.startsWith('ready')) resolve();
    });
    child.on('exit', () => reject(new Error(`child exited before it was ready: ${errors}`)));
  });
  await sleep(delay);
  child.kill('SIGKILL');
  await exited;
  expect(errors).toBe('');
}

it(`a build killed at ${TRIALS} random moments leaves the previous version loadable, and the next build succeeds`, async () => {
  const warehouse = join(dir, 'warehouse.duckdb');
  const cubesDir = join(dir, 'cubes');
  await createTinyWarehouse(warehouse, 2000);
  const model = tinyCubes(warehouse).sales;
  const modelFile = join(dir, 'model.json');
  await writeFile(modelFile, JSON.stringify(model));

  const first = await buildCube(model, { cubesDir });
  // Kills spread over about two builds of the child (one random moment per slice), so they land in every phase.
  const window = Math.max(300, first.seconds * 2000);
  let previous = first.version;
  const delays: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const delay = Math.round(((trial + Math.random()) / TRIALS) * window);
    delays.push(delay);
    await buildUntilKilled(modelFile, cubesDir, delay);
    // CURRENT names the previous version or a newer one, and whichever it is loads with every checksum intact.
    const current = (await currentVersion(cubesDir, model.name))!;
    expect(current >= previous, `after a kill at ${delay} ms (delays ${delays.join(', ')}) CURRENT went back to ${current}`).toBe(true);
    const cube = await readCube(cubesDir, model.name);
    expect(cube.version).toBe(current);
    expect(cube.cuboids.length).toBeGreaterThan(0);
    previous = current;
  }

  const last = await buildCube(model, { cubesDir });
  expect((await readCube(cubesDir, model.name)).version).toBe(last.version);
  const entries = await readdir(join(cubesDir, model.name));
  expect(entries.filter((entry) => entry.includes('.tmp')), `leftovers after delays ${delays.join(', ')}`).toEqual([]);
  expect(entries.filter((entry) => /^\d{8}T/.test(entry)).length).toBeLessThanOrEqual(2);
}, 120_000);
