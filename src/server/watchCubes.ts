import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { CURRENT_FILE, cubeDir } from '../store/index.ts';

export interface CubesWatcher {
  close(): void;
}

/**
 * Calls `onChange` once things settle (after `debounceMs` without events) whenever a
 * cube's CURRENT may have changed. One non-recursive watch on the cubes folder (cube
 * folders appearing) and one per cube folder (CURRENT replaced by a rename): recursive
 * fs.watch is emulated on Linux under Node 20, and a build writes thousands of files
 * nobody needs to hear about. Resolves once every cube folder there is watched;
 * throws when the cubes folder cannot be watched.
 */
export async function watchCubes(cubesDir: string, onChange: () => void, debounceMs = 200): Promise<CubesWatcher> {
  const cubes = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const changed = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const watchCube = (name: string) => {
    if (cubes.has(name)) return;
    try {
      const watcher = watch(cubeDir(cubesDir, name), (_event, file) => {
        if (file === null || file === CURRENT_FILE) changed();
      });
      watcher.on('error', () => forget(name));
      cubes.set(name, watcher);
    } catch {
      // Not a folder, or gone again already.
    }
  };
  const forget = (name: string) => {
    cubes.get(name)?.close();
    cubes.delete(name);
  };
  const scan = async () => {
    const entries = await readdir(cubesDir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory() && !closed) watchCube(entry.name);
  };

  const root = watch(cubesDir, (_event, name) => {
    // A removed folder's watch goes quiet without an error on Linux, and a folder made
    // again under the same name is a new one: whatever happened to `name`, watch it afresh.
    if (name !== null) forget(name);
    // A new cube folder may have got its CURRENT before its watch started: always reload after a scan.
    void scan().then(changed);
  });
  root.on('error', () => root.close());
  await scan();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      root.close();
      for (const watcher of cubes.values()) watcher.close();
      cubes.clear();
    },
  };
}
