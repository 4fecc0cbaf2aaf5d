import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchCubes, type CubesWatcher } from '../../src/server/watchCubes.ts';

const DEBOUNCE_MS = 50;
const settle = () => new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 10));

/** Publishes CURRENT the way the store does: written beside, then renamed into place. */
async function publish(cubeFolder: string, version: string): Promise<void> {
  await writeFile(join(cubeFolder, 'CURRENT.tmp'), version);
  await rename(join(cubeFolder, 'CURRENT.tmp'), join(cubeFolder, 'CURRENT'));
}

describe('watching the cubes folder', () => {
  let watcher: CubesWatcher | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    watcher?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('hears a new CURRENT in a cube folder that existed, in one made later, and in one removed and made again', async () => {
    dir = await mkdtemp(join(tmpdir(), 'arrowcube-watch-'));
    const sales = join(dir, 'sales');
    await mkdir(sales);
    let changes = 0;
    watcher = await watchCubes(dir, () => changes++, DEBOUNCE_MS);

    const heard = async (action: () => Promise<void>) => {
      await settle();
      changes = 0;
      await action();
      await settle();
      return changes;
    };
    expect(await heard(() => publish(sales, 'v1'))).toBeGreaterThan(0);

    const stock = join(dir, 'stock');
    await mkdir(stock);
    expect(await heard(() => publish(stock, 'v1'))).toBeGreaterThan(0);

    await rm(sales, { recursive: true });
    await mkdir(sales);
    // Published well after the folder came back, so only the folder's own watch can hear it.
    expect(await heard(() => publish(sales, 'v2'))).toBeGreaterThan(0);
    expect(await heard(async () => {})).toBe(0);
  });
});
