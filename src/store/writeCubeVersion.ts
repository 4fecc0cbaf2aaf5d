import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FORMAT, parentMapKey, type CubeData, type CuboidData, type Manifest, type ManifestCuboid } from '../model/data.ts';
import { levelKey } from '../model/types.ts';
import { cuboidToIPC, dictionaryToIPC, parentMapToIPC } from './arrowTables.ts';
import { replaceFileSynced, sha256, syncFolder, writeFileSynced, type FileBytes } from './durableFiles.ts';
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
  data: VersionData;
  cuboids: NewCuboid[];
  sourceRows: number;
  buildSeconds: number;
}

/** What a build knows before its cuboids: the model, dictionaries and parent maps. */
export type VersionData = Omit<CubeData, 'version' | 'builtAt' | 'cuboids'>;
export type NewCuboid = CuboidData & { estimatedRows: number; reason: string };

/** Versions kept besides the current one, so a server still on the previous one can reload it. */
export const KEEP_PREVIOUS_VERSIONS = 1;

/**
 * A version being written while the build still computes its cuboids. Files are
 * encoded and hashed in the order they are added, as soon as the caller yields (to
 * wait for DuckDB, say), and written and fsynced one after another meanwhile.
 */
export interface CubeVersionWriter {
  /** Queues the file of the cuboid listed `position`th in the manifest; a failure to write it surfaces at commit. */
  addCuboid(cuboid: NewCuboid, position: number): void;
  /** Waits for the queued files, writes the manifest and makes the version current. */
  commit(totals: { sourceRows: number; buildSeconds: number }): Promise<Manifest>;
  /** Waits for the queued files and removes the unfinished version. */
  abort(): Promise<void>;
}

/** Writes a whole version at once (see openCubeVersion). */
export async function writeCubeVersion(cubesDir: string, input: NewCubeVersion, now = new Date()): Promise<Manifest> {
  const writer = await openCubeVersion(cubesDir, input.data, now);
  input.cuboids.forEach((cuboid, position) => writer.addCuboid(cuboid, position));
  return writer.commit(input);
}

/**
 * Starts a new version of a cube, made current atomically by `commit`: everything goes
 * into `.tmp-<version>-<pid>/` (files and folders fsynced), which is renamed to the
 * version folder, and only then is CURRENT replaced. Until that last rename readers
 * get the previous version; a writer killed earlier leaves an orphan folder that the
 * next write removes.
 */
export async function openCubeVersion(cubesDir: string, data: VersionData, now = new Date()): Promise<CubeVersionWriter> {
  const cube = data.model.name;
  const folder = cubeDir(cubesDir, cube);
  await mkdir(folder, { recursive: true });
  await removeOrphans(folder);

  let version = versionName(data.model.hash, now);
  // Two builds of one definition within a millisecond: the later one sorts later.
  while (await exists(versionDir(cubesDir, cube, version))) {
    now = new Date(now.getTime() + 1);
    version = versionName(data.model.hash, now);
  }
  const temp = join(folder, tmpName(version, process.pid));
  await rm(temp, { recursive: true, force: true });
  for (const sub of VERSION_FOLDERS) await mkdir(join(temp, sub), { recursive: true });

  const digests = new Map<string, string>();
  let failure: { error: unknown } | undefined;
  let encoding: Promise<void> = Promise.resolve();
  let writing: Promise<void> = Promise.resolve();
  /**
   * Encoding waits only for the caller's current step, writing for the file before:
   * one file at a time keeps libuv's threads free for DuckDB's calls. Neither chain
   * ever rejects: the first error is kept for commit, and later files are skipped.
   */
  const put = (file: string, encode: () => FileBytes | Promise<FileBytes>): void => {
    encoding = encoding.then(async () => {
      if (failure !== undefined) return;
      try {
        const bytes = await encode();
        digests.set(file, sha256(bytes));
        writing = writing
          .then(() => (failure === undefined ? writeFileSynced(join(temp, file), bytes) : undefined))
          .catch((error: unknown) => void (failure ??= { error }));
      } catch (error) {
        failure ??= { error };
      }
    });
  };
  const drain = async (): Promise<void> => {
    await encoding;
    await writing;
    if (failure !== undefined) throw failure.error;
  };

  const model = data.model;
  const levels: Manifest['levels'] = [];
  for (const dimension of model.dimensions) {
    for (const level of dimension.levels) {
      const members = data.dictionaries[levelKey(dimension.name, level.name)]!;
      const file = dictionaryFile(dimension.name, level.name);
      put(file, () => dictionaryToIPC(members));
      levels.push({ dimension: dimension.name, level: level.name, members: members.length, file });
    }
  }
  const parentMaps: Manifest['parentMaps'] = [];
  for (const dimension of model.dimensions) {
    for (const [child, parents] of Object.entries(dimension.parents)) {
      for (const parent of parents) {
        const file = parentMapFile(dimension.name, child, parent);
        put(file, () => parentMapToIPC(data.parentMaps[parentMapKey(dimension.name, child, parent)]!));
        parentMaps.push({ dimension: dimension.name, child, parent, file });
      }
    }
  }
  const cuboids: ManifestCuboid[] = [];

  return {
    addCuboid(cuboid, position) {
      const file = cuboidFile(cuboid.name);
      const partials = [...Object.keys(cuboid.partials), ...Object.keys(cuboid.registers)];
      const { name, levels, rows, estimatedRows, reason, sortedBy } = cuboid;
      const entry: ManifestCuboid = { name, levels, rows, estimatedRows, reason, partials, file, bytes: 0, sortedBy };
      cuboids[position] = entry;
      put(file, async () => {
        const pieces = await cuboidToIPC(cuboid);
        entry.bytes = pieces.reduce((total, piece) => total + piece.byteLength, 0);
        return pieces;
      });
    },

    async commit({ sourceRows, buildSeconds }) {
      await drain();
      if (Object.keys(cuboids).length !== cuboids.length) throw new Error(`cube ${cube}: a cuboid of the manifest was never added`);
      // Files are written in the order they come; the manifest lists them in its own.
      const files = [...levels, ...parentMaps, ...cuboids].map((entry) => entry.file);
      const checksums = Object.fromEntries(files.map((file) => [file, digests.get(file)!]));
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        cube,
        version,
        definitionHash: model.hash,
        builtAt: now.toISOString(),
        buildSeconds,
        sourceRows,
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
    },

    async abort() {
      await drain().catch(() => undefined);
      await rm(temp, { recursive: true, force: true });
    },
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
