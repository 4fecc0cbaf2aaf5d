import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CURRENT_FILE, TMP_PREFIX, VERSION_PATTERN, tmpOwner } from './layout.ts';

/** Complete versions of a cube, oldest first (names sort by build time). */
export async function listVersions(cubeFolder: string): Promise<string[]> {
  const entries = await readdir(cubeFolder).catch(() => [] as string[]);
  return entries.filter((entry) => VERSION_PATTERN.test(entry)).sort();
}

/**
 * Keeps the `keep` newest versions besides `current` and deletes the rest. The
 * current version is never deleted, even if a skewed clock made it sort older.
 */
export async function pruneVersions(cubeFolder: string, current: string, keep: number): Promise<string[]> {
  const others = (await listVersions(cubeFolder)).filter((version) => version !== current);
  const doomed = others.slice(0, Math.max(0, others.length - keep));
  for (const version of doomed) await rm(join(cubeFolder, version), { recursive: true, force: true });
  return doomed;
}

/**
 * Removes what killed writers left behind: `.tmp-<version>-<pid>` folders and
 * `CURRENT.tmp-<pid>` files whose process is gone. A live writer's files are kept.
 */
export async function removeOrphans(cubeFolder: string): Promise<string[]> {
  const entries = await readdir(cubeFolder).catch(() => [] as string[]);
  const orphans = entries.filter((entry) => {
    const owner = entry.startsWith(TMP_PREFIX)
      ? tmpOwner(entry)
      : entry.startsWith(`${CURRENT_FILE}.tmp-`)
        ? Number(entry.slice(CURRENT_FILE.length + 5))
        : undefined;
    return owner !== undefined && !isAlive(owner);
  });
  for (const entry of orphans) await rm(join(cubeFolder, entry), { recursive: true, force: true });
  return orphans;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
