import { join } from 'node:path';

/**
 * The disk layout of built cubes, in one place:
 *
 *   cubes/<cube>/CURRENT                      name of the version being served
 *   cubes/<cube>/<version>/manifest.json      Manifest (src/model/data.ts)
 *   cubes/<cube>/<version>/cuboids/<name>.arrow
 *   cubes/<cube>/<version>/dictionaries/<dimension>.<level>.arrow
 *   cubes/<cube>/<version>/parents/<dimension>.<child>.<parent>.arrow
 *   cubes/<cube>/.tmp-<version>-<pid>/        a version being written
 *
 * Versions are `<UTC timestamp>-<first 8 hex of the definition hash>`: they sort by
 * build time and say which definition they came from.
 */
export const CURRENT_FILE = 'CURRENT';
export const MANIFEST_FILE = 'manifest.json';
export const TMP_PREFIX = '.tmp-';
export const VERSION_PATTERN = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

export function cubeDir(cubesDir: string, cube: string): string {
  return join(cubesDir, cube);
}

export function versionDir(cubesDir: string, cube: string, version: string): string {
  return join(cubesDir, cube, version);
}

export function versionName(definitionHash: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${definitionHash.slice(0, 8)}`;
}

/** `.tmp-<version>-<pid>`: the pid tells a later build whether its writer is still alive. */
export function tmpName(version: string, pid: number): string {
  return `${TMP_PREFIX}${version}-${pid}`;
}

export function tmpOwner(name: string): number | undefined {
  const match = /-(\d+)$/.exec(name);
  return name.startsWith(TMP_PREFIX) && match ? Number(match[1]) : undefined;
}

export function cuboidFile(name: string): string {
  return `cuboids/${name}.arrow`;
}

export function dictionaryFile(dimension: string, level: string): string {
  return `dictionaries/${dimension}.${level}.arrow`;
}

export function parentMapFile(dimension: string, child: string, parent: string): string {
  return `parents/${dimension}.${child}.${parent}.arrow`;
}

export const VERSION_FOLDERS = ['cuboids', 'dictionaries', 'parents'] as const;
