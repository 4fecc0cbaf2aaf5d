import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FORMAT, parentMapKey, type CubeData, type CuboidData, type Manifest, type ManifestCuboid } from '../model/data.ts';
import { levelKey } from '../model/types.ts';
import { cuboidToIPC, dictionaryToIPC, parentMapToIPC } from './arrowTables.ts';
import { replaceFileSynced, sha256, syncFolder, writeFileSynced } from './durableFiles.ts';
import {
  CURRENT_FILE,
  MANIFEST_FILE,
  VERSION_FOLDERS,
  cubeDir,
  cuboidFile,
  dictionaryFile,
  parentMapFile,
  tmpName,
  versionDir,
  versionName,
} from './layout.ts';
import { pruneVersions, removeOrphans } from './versions.ts';

/** What a build hands the store: the cube in memory plus what only the build knows. */
export interface NewCubeVersion {
  data: Omit<CubeData, 'version' | 'builtAt' | 'cuboids'>;
  cuboids: (CuboidData & { estimatedRows: number; reason: string })[];
  sourceRows: number;
  buildSeconds: number;
}

/** Versions kept besides the current one, so a server still on the previous one can reload it. */
export const KEEP_PREVIOUS_VERSIONS = 1;

/**
 * Writes a new version of a cube and makes it current, atomically: everything goes
 * into `.tmp-<version>-<pid>/` (files and folders fsynced), which is renamed to the
 * version folder, and only then is CURRENT replaced. Until that last rename readers
 * get the previous version; a writer killed earlier leaves an orphan folder that the
 * next write removes.
 */
export async function writeCubeVersion(cubesDir: string, input: NewCubeVersion, now = new Date()): Promise<Manifest> {
  const cube = input.data.model.name;
  const folder = cubeDir(cubesDir, cube);
  await mkdir(folder, { recursive: true });
  await removeOrphans(folder);

  let version = versionName(input.data.model.hash, now);
  // Two builds of one definition within a millisecond: the later one sorts later.
  while (await exists(versionDir(cubesDir, cube, version))) {
    now = new Date(now.getTime() + 1);
    version = versionName(input.data.model.hash, now);
  }
  const temp = join(folder, tmpName(version, process.pid));
  await rm(temp, { recursive: true, force: true });
  for (const sub of VERSION_FOLDERS) await mkdir(join(temp, sub), { recursive: true });

  const checksums: Record<string, string> = {};
  const write = async (file: string, bytes: Uint8Array): Promise<number> => {
    await writeFileSynced(join(temp, file), bytes);
    checksums[file] = sha256(bytes);
    return bytes.byteLength;
  };

  const model = input.data.model;
  const levels: Manifest['levels'] = [];
  for (const dimension of model.dimensions) {
    for (const level of dimension.levels) {
      const members = input.data.dictionaries[levelKey(dimension.name, level.name)]!;
      const file = dictionaryFile(dimension.name, level.name);
      await write(file, dictionaryToIPC(members));
      levels.push({ dimension: dimension.name, level: level.name, members: members.length, file });
    }
  }
  const parentMaps: Manifest['parentMaps'] = [];
  for (const dimension of model.dimensions) {
    for (const [child, parents] of Object.entries(dimension.parents)) {
      for (const parent of parents) {
        const file = parentMapFile(dimension.name, child, parent);
        await write(file, parentMapToIPC(input.data.parentMaps[parentMapKey(dimension.name, child, parent)]!));
        parentMaps.push({ dimension: dimension.name, child, parent, file });
      }
    }
  }
  const cuboids: ManifestCuboid[] = [];
  for (const cuboid of input.cuboids) {
    const file = cuboidFile(cuboid.name);
    const bytes = await write(file, cuboidToIPC(cuboid));
    const partials = [...Object.keys(cuboid.partials), ...Object.keys(cuboid.registers)];
    cuboids.push({ name: cuboid.name, levels: cuboid.levels, rows: cuboid.rows, estimatedRows: cuboid.estimatedRows, reason: cuboid.reason, partials, file, bytes });
  }

  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    cube,
    version,
    definitionHash: model.hash,
    builtAt: now.toISOString(),
    buildSeconds: input.buildSeconds,
    sourceRows: input.sourceRows,
    model,
    levels,
    parentMaps,
    cuboids,
    checksums,
  };
  await writeFileSynced(join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const sub of VERSION_FOLDERS) await syncFolder(join(temp, sub));
  await syncFolder(temp);

  await rename(temp, versionDir(cubesDir, cube, version));
  await syncFolder(folder);
  await replaceFileSynced(join(folder, CURRENT_FILE), `${version}\n`, process.pid);
  await pruneVersions(folder, version, KEEP_PREVIOUS_VERSIONS);
  return manifest;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
