import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CubeError } from '../errors.ts';
import { MANIFEST_FORMAT, parentMapKey, type CubeData, type Manifest } from '../model/data.ts';
import { cubePartials } from '../model/partials.ts';
import { levelKey, type CubeModel, type DimensionModel, type MeasureModel } from '../model/types.ts';
import { cuboidFromIPC, dictionaryFromIPC, parentMapFromIPC } from './arrowTables.ts';
import { sha256 } from './durableFiles.ts';
import { CURRENT_FILE, MANIFEST_FILE, VERSION_PATTERN, cubeDir, versionDir } from './layout.ts';

/** The version CURRENT points at, or undefined when the cube was never built. */
export async function currentVersion(cubesDir: string, cube: string): Promise<string | undefined> {
  try {
    const version = (await readFile(join(cubeDir(cubesDir, cube), CURRENT_FILE), 'utf8')).trim();
    if (!VERSION_PATTERN.test(version)) {
      throw new CubeError('CUBE_CORRUPT', `cube ${cube}: ${CURRENT_FILE} does not name a version ("${version.slice(0, 80)}")`);
    }
    return version;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Cubes with a current version, by name. */
export async function listCubes(cubesDir: string): Promise<string[]> {
  const entries = await readdir(cubesDir, { withFileTypes: true }).catch(() => []);
  const cubes: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && (await currentVersion(cubesDir, entry.name).catch(() => 'corrupt')) !== undefined) cubes.push(entry.name);
  }
  return cubes.sort();
}

/** Structure checked at the boundary; the model inside was validated when it was built. */
const ManifestShape = z.looseObject({
  format: z.literal(MANIFEST_FORMAT),
  cube: z.string(),
  version: z.string(),
  definitionHash: z.string(),
  builtAt: z.string(),
  sourceRows: z.number(),
  model: z.looseObject({ name: z.string(), dimensions: z.array(z.unknown()), measures: z.array(z.unknown()) }),
  levels: z.array(z.looseObject({ dimension: z.string(), level: z.string(), members: z.number(), file: z.string() })),
  parentMaps: z.array(z.looseObject({ dimension: z.string(), child: z.string(), parent: z.string(), file: z.string() })),
  cuboids: z.array(
    z.looseObject({
      name: z.string(),
      levels: z.record(z.string(), z.string()),
      rows: z.number(),
      partials: z.array(z.string()).optional(),
      sortedBy: z.array(z.string()).optional(),
      file: z.string(),
    }),
  ),
  checksums: z.record(z.string(), z.string()),
});

export async function readManifest(cubesDir: string, cube: string, version?: string): Promise<Manifest> {
  const chosen = version ?? (await requireCurrent(cubesDir, cube));
  const path = join(versionDir(cubesDir, cube, chosen), MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && version !== undefined) throw new CubeError('CUBE_NOT_BUILT', `cube ${cube} has no version ${version}`);
    throw corrupt(cube, chosen, `cannot read ${MANIFEST_FILE} (${code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt(cube, chosen, `${MANIFEST_FILE} is not valid JSON`);
  }
  const checked = ManifestShape.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw corrupt(cube, chosen, `${MANIFEST_FILE} is malformed at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  // A version folder copied or renamed by hand would otherwise serve another version's files under its own name.
  if (checked.data.cube !== cube || checked.data.version !== chosen) {
    throw corrupt(cube, chosen, `${MANIFEST_FILE} describes cube ${checked.data.cube} version ${checked.data.version}`);
  }
  // Manifests written before cuboids listed their partials: every cuboid held every partial.
  const every = cubePartials(checked.data.model.measures as MeasureModel[]).map((partial) => partial.column);
  const dimensions = (checked.data.model.dimensions as DimensionModel[]).map((dimension) => dimension.name);
  const cuboids = checked.data.cuboids.map((cuboid, index) => {
    // Manifests written before cuboids listed their sort keys: rows were sorted by the grouped dimensions in model order.
    const sortedBy = cuboid.sortedBy ?? dimensions.filter((dimension) => cuboid.levels[dimension] !== undefined);
    const stranger = sortedBy.find((dimension) => cuboid.levels[dimension] === undefined);
    if (stranger !== undefined) throw corrupt(cube, chosen, `${MANIFEST_FILE} is malformed at cuboids.${index}.sortedBy: cuboid ${cuboid.name} does not group ${stranger}`);
    return { ...cuboid, partials: cuboid.partials ?? every, sortedBy };
  });
  return { ...checked.data, cuboids } as unknown as Manifest;
}

/** A version in memory, after checking every file against the manifest's sha256. */
export async function readCube(cubesDir: string, cube: string, version?: string): Promise<CubeData> {
  const manifest = await readManifest(cubesDir, cube, version);
  const folder = versionDir(cubesDir, cube, manifest.version);
  const load = async (file: string): Promise<Uint8Array> => {
    const expected = manifest.checksums[file];
    if (expected === undefined) throw corrupt(cube, manifest.version, `${file} has no checksum in the manifest`);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(join(folder, file));
    } catch (error) {
      throw corrupt(cube, manifest.version, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (sha256(bytes) !== expected) throw corrupt(cube, manifest.version, `${file} does not match its checksum`);
    return bytes;
  };
  const decode = async <T>(file: string, parse: (bytes: Uint8Array) => T): Promise<T> => {
    const bytes = await load(file);
    try {
      return parse(bytes);
    } catch (error) {
      throw corrupt(cube, manifest.version, `${file} is not a readable Arrow file (${(error as Error).message})`);
    }
  };

  const dictionaries: CubeData['dictionaries'] = {};
  for (const level of manifest.levels) {
    dictionaries[levelKey(level.dimension, level.level)] = await decode(level.file, dictionaryFromIPC);
  }
  const parentMaps: CubeData['parentMaps'] = {};
  for (const map of manifest.parentMaps) {
    parentMaps[parentMapKey(map.dimension, map.child, map.parent)] = await decode(map.file, parentMapFromIPC);
  }
  const partials = cubePartials(manifest.model.measures);
  const cuboids: CubeData['cuboids'] = [];
  for (const entry of manifest.cuboids) {
    const held = partials.filter((partial) => entry.partials.includes(partial.column));
    const cuboid = await decode(entry.file, (bytes) => cuboidFromIPC(bytes, entry, held));
    if (cuboid.rows !== entry.rows) throw corrupt(cube, manifest.version, `${entry.file} has ${cuboid.rows} rows, the manifest says ${entry.rows}`);
    cuboids.push(cuboid);
  }
  return { model: manifest.model, version: manifest.version, builtAt: manifest.builtAt, dictionaries, parentMaps, cuboids };
}

/** Whether `model` differs from the definition the current version was built from (or nothing is built). */
export async function isStale(cubesDir: string, model: CubeModel): Promise<boolean> {
  try {
    return (await readManifest(cubesDir, model.name)).definitionHash !== model.hash;
  } catch {
    return true;
  }
}

async function requireCurrent(cubesDir: string, cube: string): Promise<string> {
  const version = await currentVersion(cubesDir, cube);
  if (version === undefined) throw new CubeError('CUBE_NOT_BUILT', `cube ${cube} is not built in ${cubesDir}`, { hint: 'run arrowcube build' });
  return version;
}

function corrupt(cube: string, version: string, problem: string): CubeError {
  return new CubeError('CUBE_CORRUPT', `cube ${cube} version ${version} is corrupt: ${problem}`, {
    hint: 'rebuild the cube (arrowcube build --force); the previous version stays in the cube folder',
  });
}
