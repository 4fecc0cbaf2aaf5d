import { cp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

let copies = 0;

/**
 * Publishes nothing yet: copies version `from` of a cube to a later version name (its
 * manifest renamed to match) and lets `change` break the copy. Point CURRENT at it to publish.
 */
export async function brokenCopy(
  cubesDir: string,
  cube: string,
  from: string,
  change: (folder: string, version: string) => Promise<void>,
): Promise<string> {
  const version = `2999${String(++copies).padStart(4, '0')}T000000000Z-${from.slice(-8)}`;
  const folder = join(cubesDir, cube, version);
  await cp(join(cubesDir, cube, from), folder, { recursive: true });
  const manifest = join(folder, 'manifest.json');
  await writeFile(manifest, (await readFile(manifest, 'utf8')).replaceAll(from, version));
  await change(folder, version);
  return version;
}

/** Replaces CURRENT the way the store does: a rename over it. */
export async function pointCurrentAt(cubesDir: string, cube: string, version: string): Promise<void> {
  const current = join(cubesDir, cube, 'CURRENT');
  await writeFile(`${current}.next`, `${version}\n`);
  await rename(`${current}.next`, current);
}

export async function flipByte(file: string): Promise<void> {
  const bytes = await readFile(file);
  bytes[bytes.length >> 1] ^= 0xff;
  await writeFile(file, bytes);
}

export async function someCuboidFile(folder: string): Promise<string> {
  return join(folder, 'cuboids', (await readdir(join(folder, 'cuboids')))[0]!);
}
