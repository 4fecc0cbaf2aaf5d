import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import { Reloader } from '../../src/server/reloadCubes.ts';
import { brokenCopy, flipByte, pointCurrentAt as pointAt, someCuboidFile } from './brokenVersions.ts';
import { salesWarehouse, type SalesWarehouse } from './salesWarehouse.ts';

let warehouse: SalesWarehouse;
let good: string;

beforeAll(async () => {
  warehouse = await salesWarehouse();
  good = await warehouse.build();
});

afterAll(async () => {
  await warehouse?.remove();
});

/** Log lines by level, as a FastifyBaseLogger would get them. */
function recordingLog(): { log: FastifyBaseLogger; lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const record = (level: string) => (_object: unknown, message: string) => lines.push({ level, message });
  const log = { info: record('info'), error: record('error'), warn: record('warn') } as unknown as FastifyBaseLogger;
  return { log, lines };
}

const copyOfGood = (change: (folder: string, version: string) => Promise<void>) => brokenCopy(warehouse.cubesDir, 'sales', good, change);
const pointCurrentAt = (version: string) => pointAt(warehouse.cubesDir, 'sales', version);

function reloaderOver(engine: CubeEngine, log: FastifyBaseLogger): Reloader {
  return new Reloader({ engine, cubesDir: warehouse.cubesDir, log: () => log });
}

describe('Reloader', () => {
  it('loads what changed and leaves the rest', async () => {
    const engine = new CubeEngine({});
    const { log, lines } = recordingLog();
    const reloader = reloaderOver(engine, log);
    try {
      expect(await reloader.reload()).toEqual([{ cube: 'sales', version: good, status: 'loaded' }]);
      expect(await reloader.reload()).toEqual([{ cube: 'sales', version: good, status: 'unchanged' }]);
      expect(engine.cube('sales').version).toBe(good);
      expect(lines).toEqual([{ level: 'info', message: `loaded cube sales version ${good}` }]);
    } finally {
      await engine.close();
    }
  });

  it('runs one reload at a time; requests made meanwhile share the next one', async () => {
    const engine = new CubeEngine({});
    const reloader = reloaderOver(engine, recordingLog().log);
    try {
      const running = reloader.reload();
      const queued = reloader.reload();
      expect(reloader.reload()).toBe(queued);
      expect(queued).not.toBe(running);
      // Had they overlapped, both would have found the version not yet served and loaded it.
      expect((await running)[0]!.status).toBe('loaded');
      expect((await queued)[0]!.status).toBe('unchanged');
    } finally {
      await engine.close();
    }
  });

  const broken: [string, (folder: string, version: string) => Promise<void>, RegExp][] = [
    ['a cuboid file with a flipped byte', async (folder) => flipByte(await someCuboidFile(folder)), /^corrupt: cuboids\/.+\.arrow does not match its checksum$/],
    ['a missing cuboid file (a partial copy)', async (folder) => rm(await someCuboidFile(folder)), /^corrupt: cannot read cuboids\/.+\.arrow \(ENOENT\)$/],
    ['no manifest (a partial copy)', async (folder) => rm(join(folder, 'manifest.json')), /^cube sales has no version /],
    ['a manifest that is not JSON', async (folder) => writeFile(join(folder, 'manifest.json'), '{"format":'), /^corrupt: manifest.json is not valid JSON$/],
    ['a manifest missing its checksums', async (folder) => {
      const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'));
      delete manifest.checksums;
      await writeFile(join(folder, 'manifest.json'), JSON.stringify(manifest));
    }, /^corrupt: manifest.json is malformed at checksums/],
    ['a manifest of another version', async (folder, version) => {
      const path = join(folder, 'manifest.json');
      await writeFile(path, (await readFile(path, 'utf8')).replaceAll(version, good));
    }, /^corrupt: manifest.json describes cube sales version /],
  ];

  it.each(broken)('refuses %s with one log line and keeps serving the previous version', async (_name, breakIt, reason) => {
    const engine = new CubeEngine({});
    const { log, lines } = recordingLog();
    const reloader = reloaderOver(engine, log);
    try {
      await reloader.reload();
      const before = await engine.query({ cube: 'sales', measures: ['amount'] });
      const version = await copyOfGood(breakIt);
      await pointCurrentAt(version);

      const [outcome] = await reloader.reload();
      expect(outcome).toMatchObject({ cube: 'sales', version, status: 'refused' });
      expect(outcome!.reason).toMatch(reason);
      const refusals = lines.filter((line) => line.level === 'error');
      expect(refusals.map((line) => line.message)).toEqual([`cube sales version ${version} refused: ${outcome!.reason}; still serving ${good}`]);
      expect(await engine.query({ cube: 'sales', measures: ['amount'] })).toMatchObject({ rows: before.rows, meta: { cubeVersion: good } });

      // Versions never change once published: asking again neither rereads nor logs it again.
      expect((await reloader.reload())[0]).toEqual(outcome);
      expect(lines.filter((line) => line.level === 'error')).toHaveLength(1);
    } finally {
      await pointCurrentAt(good);
      await engine.close();
    }
  });

  it('refuses a CURRENT that names no version', async () => {
    const engine = new CubeEngine({});
    const { log, lines } = recordingLog();
    const reloader = reloaderOver(engine, log);
    try {
      await reloader.reload();
      await pointCurrentAt('../../etc');
      const [outcome] = await reloader.reload();
      expect(outcome).toMatchObject({ cube: 'sales', version: null, status: 'refused' });
      expect(lines.at(-1)).toEqual({ level: 'error', message: `cube sales version (unreadable CURRENT) refused: ${outcome!.reason}; still serving ${good}` });
      expect(engine.cube('sales').version).toBe(good);
    } finally {
      await pointCurrentAt(good);
      await engine.close();
    }
  });
});
