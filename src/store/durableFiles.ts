import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes that survive a crash at any moment: data is fsynced before the rename that
 * publishes it, and the folder is fsynced after, so a reader sees the old state or
 * the complete new one, never a torn file.
 */
export type FileBytes = Uint8Array | string | readonly Uint8Array[];

/** `bytes`: the content, or its pieces in order. */
export async function writeFileSynced(path: string, bytes: FileBytes): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    // Each writeFile continues from where the last one ended.
    for (const piece of piecesOf(bytes)) await handle.writeFile(piece);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` atomically with `text` via a synced sibling temp file. */
export async function replaceFileSynced(path: string, text: string, pid: number): Promise<void> {
  const temp = `${path}.tmp-${pid}`;
  // Left by a killed writer whose pid has come round again.
  await rm(temp, { force: true });
  await writeFileSynced(temp, text);
  await rename(temp, path);
  await syncFolder(dirname(path));
}

export function sha256(bytes: FileBytes): string {
  const hash = createHash('sha256');
  for (const piece of piecesOf(bytes)) hash.update(piece);
  return hash.digest('hex');
}

function piecesOf(bytes: FileBytes): readonly (Uint8Array | string)[] {
  return typeof bytes === 'string' || bytes instanceof Uint8Array ? [bytes] : bytes;
}
