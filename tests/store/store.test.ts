import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CubeError } from '../../src/errors.ts';
import { currentVersion, isStale, listCubes, readCube, readManifest, writeCubeVersion } from '../../src/store/index.ts';
import { storeModel, storeVersion } from './fixtures.ts';

let cubesDir: string;

beforeEach(async () => {
  cubesDir = await mkdtemp(join(tmpdir(), 'arrowcube-store-'));
});

afterEach(async () => {
  await rm(cubesDir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<CubeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CubeError);
  return error as CubeError;
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('writing and reading a version', () => {
  it('round-trips codes, partials, HLL registers, dictionaries with NULL and parent maps', async () => {
    const input = storeVersion();
    const manifest = await writeCubeVersion(cubesDir, input, new Date('2024-05-06T07:08:09.010Z'));
    expect(manifest.version).toBe(`20240506T070809010Z-${'ab'.repeat(4)}`);
    const cube = await readCube(cubesDir, 'shop');
    expect(cube.version).toBe(manifest.version);
    expect(cube.dictionaries).toEqual(input.data.dictionaries);
    expect(cube.parentMaps['region.city>province']).toEqual(Int32Array.from([0, 0, 1, 2]));
    const [cuboid, apex] = cube.cuboids;
    expect(cuboid!.codes).toEqual(input.cuboids[0]!.codes);
    expect(cuboid!.partials.amount__sum).toEqual(input.cuboids[0]!.partials.amount__sum);
    expect(cuboid!.registers.customers__hll).toEqual(input.cuboids[0]!.registers.customers__hll);
    expect(cuboid!.sortedBy).toEqual(['channel', 'region']);
    expect(apex).toMatchObject({ name: 'apex', rows: 1, codes: {}, sortedBy: [] });
    expect(manifest.cuboids.map((entry) => [entry.file, entry.estimatedRows, entry.reason])).toEqual([
      ['cuboids/region.province+channel.channel.arrow', 4, 'explicit'],
      ['cuboids/apex.arrow', 1, 'auto: benefit 1.0e+1 rows / 1 rows'],
    ]);
    expect(Object.keys(manifest.checksums).sort()).toEqual([
      'cuboids/apex.arrow',
      'cuboids/region.province+channel.channel.arrow',
      'dictionaries/channel.channel.arrow',
      'dictionaries/region.city.arrow',
      'dictionaries/region.province.arrow',
      'parents/region.city.province.arrow',
    ]);
    expect(await listCubes(cubesDir)).toEqual(['shop']);
  });
});

describe('checksums', () => {
  it.each(['cuboids/region.province+channel.channel.arrow', 'dictionaries/region.city.arrow', 'parents/region.city.province.arrow'])(
    'detect one flipped byte in %s',
    async (file) => {
      const { version } = await writeCubeVersion(cubesDir, storeVersion());
      const path = join(cubesDir, 'shop', version, file);
      const bytes = await readFile(path);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      await writeFile(path, bytes);
      const error = await rejection(readCube(cubesDir, 'shop'));
      expect(error.code).toBe('CUBE_CORRUPT');
      expect(error.message).toBe(`cube shop version ${version} is corrupt: ${file} does not match its checksum`);
    },
  );

  it('report a missing file and a truncated manifest as corrupt', async () => {
    const { version } = await writeCubeVersion(cubesDir, storeVersion());
    const folder = join(cubesDir, 'shop', version);
    await rm(join(folder, 'cuboids', 'apex.arrow'));
    expect((await rejection(readCube(cubesDir, 'shop'))).message).toContain('cannot read cuboids/apex.arrow (ENOENT)');
    const manifest = await readFile(join(folder, 'manifest.json'), 'utf8');
    await writeFile(join(folder, 'manifest.json'), manifest.slice(0, manifest.length / 2));
    const error = await rejection(readCube(cubesDir, 'shop'));
    expect(error.code).toBe('CUBE_CORRUPT');
    expect(error.message).toContain('manifest.json is not valid JSON');
  });

  it('read a manifest without sort keys as sorted in model order, and refuse sort keys a cuboid does not group', async () => {
    const { version } = await writeCubeVersion(cubesDir, storeVersion());
    const path = join(cubesDir, 'shop', version, 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8'));
    for (const cuboid of manifest.cuboids) delete cuboid.sortedBy;
    await writeFile(path, JSON.stringify(manifest));
    expect((await readCube(cubesDir, 'shop')).cuboids.map((cuboid) => cuboid.sortedBy)).toEqual([['region', 'channel'], []]);
    manifest.cuboids[0].sortedBy = ['channel', 'product'];
    await writeFile(path, JSON.stringify(manifest));
    const error = await rejection(readCube(cubesDir, 'shop'));
    expect(error.code).toBe('CUBE_CORRUPT');
    expect(error.message).toBe(
      `cube shop version ${version} is corrupt: manifest.json is malformed at cuboids.0.sortedBy: cuboid region.province+channel.channel does not group product`,
    );
  });

  it('say a cube that was never built is not built', async () => {
    expect((await rejection(readCube(cubesDir, 'shop'))).code).toBe('CUBE_NOT_BUILT');
    await writeCubeVersion(cubesDir, storeVersion());
    expect((await rejection(readCube(cubesDir, 'shop', '20000101T000000000Z-00000000'))).code).toBe('CUBE_NOT_BUILT');
  });
});

describe('versions', () => {
  it('switch CURRENT to the new version, keep the previous one loadable and prune older ones', async () => {
    const first = await writeCubeVersion(cubesDir, storeVersion(storeModel(), 1), new Date('2024-01-01T00:00:00Z'));
    const second = await writeCubeVersion(cubesDir, storeVersion(storeModel(), 2), new Date('2024-01-02T00:00:00Z'));
    expect(await currentVersion(cubesDir, 'shop')).toBe(second.version);
    expect((await readCube(cubesDir, 'shop')).cuboids[0]!.partials.amount__sum![0]).toBe(3);
    expect((await readCube(cubesDir, 'shop', first.version)).cuboids[0]!.partials.amount__sum![0]).toBe(1.5);

    const third = await writeCubeVersion(cubesDir, storeVersion(storeModel(), 3), new Date('2024-01-03T00:00:00Z'));
    const entries = (await readdir(join(cubesDir, 'shop'))).sort();
    expect(entries).toEqual([second.version, third.version, 'CURRENT'].sort());
    expect((await readManifest(cubesDir, 'shop')).version).toBe(third.version);
  });

  it('never prune the current version, even when a skewed clock sorts it first', async () => {
    await writeCubeVersion(cubesDir, storeVersion(), new Date('2024-01-02T00:00:00Z'));
    await writeCubeVersion(cubesDir, storeVersion(), new Date('2024-01-03T00:00:00Z'));
    const skewed = await writeCubeVersion(cubesDir, storeVersion(), new Date('2024-01-01T00:00:00Z'));
    expect(await currentVersion(cubesDir, 'shop')).toBe(skewed.version);
    expect((await readCube(cubesDir, 'shop')).version).toBe(skewed.version);
  });

  it('give two builds within one millisecond distinct versions', async () => {
    const now = new Date('2024-01-01T00:00:00Z');
    const a = await writeCubeVersion(cubesDir, storeVersion(), now);
    const b = await writeCubeVersion(cubesDir, storeVersion(), now);
    expect(b.version > a.version).toBe(true);
  });

  it('tell a stale definition from the one the current version was built from', async () => {
    const model = storeModel();
    expect(await isStale(cubesDir, model)).toBe(true);
    await writeCubeVersion(cubesDir, storeVersion(model));
    expect(await isStale(cubesDir, model)).toBe(false);
    expect(await isStale(cubesDir, storeModel('cd'.repeat(32)))).toBe(true);
  });
});

describe('leftovers of killed writers', () => {
  it('are removed when their process is gone, and kept while it lives', async () => {
    await writeCubeVersion(cubesDir, storeVersion());
    const folder = join(cubesDir, 'shop');
    const dead = deadPid();
    const orphan = `.tmp-20240101T000000000Z-abababab-${dead}`;
    const live = `.tmp-20240101T000000000Z-abababab-${process.ppid}`;
    for (const name of [orphan, live]) {
      await mkdir(join(folder, name, 'cuboids'), { recursive: true });
      await writeFile(join(folder, name, 'cuboids', 'half.arrow'), 'partial');
    }
    await writeFile(join(folder, `CURRENT.tmp-${dead}`), 'garbage');
    expect((await readCube(cubesDir, 'shop')).cuboids.length).toBe(2);

    const next = await writeCubeVersion(cubesDir, storeVersion());
    const entries = await readdir(folder);
    expect(entries).not.toContain(orphan);
    expect(entries).not.toContain(`CURRENT.tmp-${dead}`);
    expect(entries).toContain(live);
    expect(await currentVersion(cubesDir, 'shop')).toBe(next.version);
  });

  it('never make a half-written version current', async () => {
    const { version } = await writeCubeVersion(cubesDir, storeVersion());
    // What a writer killed before its rename leaves: a complete-looking folder under a tmp name.
    await mkdir(join(cubesDir, 'shop', `.tmp-29990101T000000000Z-abababab-${deadPid()}`));
    expect(await currentVersion(cubesDir, 'shop')).toBe(version);
    expect(await listCubes(cubesDir)).toEqual(['shop']);
  });
});
