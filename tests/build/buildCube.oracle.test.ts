import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
import type { BuildProgress } from '../../src/build/types.ts';
import type { CubeData } from '../../src/model/data.ts';
import { readCube } from '../../src/store/index.ts';
import { expectOracleMatch, expectStoredInOrder, openOracle } from './fixtures/oracle.ts';
import { TINY_STAR, createTinyWarehouse, tinyCubes } from './fixtures/tinyWarehouse.ts';

let dir: string;
let oracle: DuckDBConnection;
let closeOracle: () => void;
const built: Record<string, CubeData> = {};
const events: BuildProgress[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrowcube-oracle-'));
  const warehouse = join(dir, 'warehouse.duckdb');
  await createTinyWarehouse(warehouse);
  for (const model of Object.values(tinyCubes(warehouse))) {
    await buildCube(model, { cubesDir: join(dir, 'cubes'), onProgress: (event) => events.push(event) });
    built[model.name] = await readCube(join(dir, 'cubes'), model.name);
  }
  ({ oracle, close: closeOracle } = await openOracle(warehouse));
});

afterAll(async () => {
  closeOracle?.();
  await rm(dir, { recursive: true, force: true });
});

describe.each(['sales', 'balances'] as const)('cube %s', (cube) => {
  it('matches an independent GROUP BY in every cell of every cuboid', async () => {
    const data = built[cube]!;
    expect(data.cuboids.length).toBeGreaterThanOrEqual(4);
    const seen = await expectOracleMatch(oracle, data, TINY_STAR[cube]);
    expect(seen.cells).toBeGreaterThan(100);
    // The awkward cases were really exercised: NULL members, and cells whose min/max saw no value.
    expect(seen.nullMembers).toBeGreaterThan(0);
    if (cube === 'sales') expect(seen.noValues).toBeGreaterThan(0);
  });
});

describe('cuboid rows', () => {
  it('are stored sorted by their levels, fewest members first', () => {
    let reordered = 0;
    let reorderedWithRegisters = 0;
    for (const data of Object.values(built)) {
      const modelOrder = data.model.dimensions.map((dimension) => dimension.name);
      for (const cuboid of data.cuboids) {
        const grouped = modelOrder.filter((dimension) => cuboid.levels[dimension] !== undefined);
        const members = (dimension: string) => data.dictionaries[`${dimension}.${cuboid.levels[dimension]}`]!.length;
        const expected = [...grouped].sort((a, b) => members(a) - members(b) || modelOrder.indexOf(a) - modelOrder.indexOf(b));
        expect(cuboid.sortedBy, cuboid.name).toEqual(expected);
        expectStoredInOrder(cuboid, expected);
        if (expected.join() !== grouped.join()) {
          reordered++;
          if (Object.keys(cuboid.registers).length > 0) reorderedWithRegisters++;
        }
      }
    }
    // The order differs from the model's somewhere, HLL registers included (their cells are numbered in it).
    expect(reordered).toBeGreaterThan(0);
    expect(reorderedWithRegisters).toBeGreaterThan(0);
  });
});

describe('dictionaries', () => {
  it('hold NULL as a member of its own, sorted last, and numbers in numeric order', () => {
    const sales = built.sales!;
    expect(sales.dictionaries['store.province']).toEqual(['Guangdong', 'Sichuan', 'Zhejiang', null]);
    expect(sales.dictionaries['channel.channel']).toEqual(['branch', 'mobile', 'online', null]);
    expect(sales.dictionaries['size.qty']).toEqual(Array.from({ length: 12 }, (_, index) => String(index + 1)));
    expect(sales.model.dimensions.find((dimension) => dimension.name === 'size')!.levels[0]!.order).toBe('numeric');
    expect(sales.model.dimensions.find((dimension) => dimension.name === 'time')!.levels[0]!.order).toBe('time');
  });

  it('come with child→parent code maps that agree with the members', async () => {
    const sales = built.sales!;
    const cities = sales.dictionaries['store.city']!;
    const provinces = sales.dictionaries['store.province']!;
    const map = sales.parentMaps['store.city>province']!;
    const reader = await oracle.runAndReadAll(`SELECT DISTINCT ci.city_name, ci.province FROM ${TINY_STAR.sales}`);
    const expected = new Map(reader.getRows().map(([city, province]) => [city as string | null, province as string | null]));
    expect(map.length).toBe(cities.length);
    cities.forEach((city, code) => expect(provinces[map[code]!]).toBe(expected.get(city)));
    expect(Object.keys(sales.parentMaps).sort()).toEqual(
      ['product.product>category', 'store.city>province', 'store.store>city', 'time.day>month', 'time.month>quarter', 'time.quarter>year'].sort(),
    );
  });
});

describe('progress', () => {
  it('reports each phase and every cuboid in order', () => {
    const phases = events.filter((event) => event.cube === 'sales').map((event) => event.phase);
    expect(phases.slice(0, 4)).toEqual(['validate', 'dictionaries', 'plan', 'scan']);
    expect(phases.slice(-2)).toEqual(['write', 'done']);
    const plan = events.find((event) => event.cube === 'sales' && event.phase === 'plan');
    const cuboidEvents = events.filter((event) => event.cube === 'sales' && event.phase === 'cuboid');
    expect(plan?.phase === 'plan' && plan.plan.cuboids.map((cuboid) => cuboid.name)).toEqual(cuboidEvents.map((event) => event.phase === 'cuboid' && event.name));
    const done = events.find((event) => event.cube === 'sales' && event.phase === 'done');
    expect(done?.phase === 'done' && done.summary.cuboids.every((cuboid) => cuboid.rows > 0 && cuboid.bytes > 0 && cuboid.reason.length > 0)).toBe(true);
  });

  it('reports each pass over the source from none to all of its rows read, before any cuboid', () => {
    for (const cube of Object.keys(built)) {
      const ofCube = events.filter((event) => event.cube === cube);
      const plan = ofCube.find((event) => event.phase === 'plan');
      const sourceRows = plan?.phase === 'plan' ? plan.sourceRows : -1;
      const phases = ofCube.map((event) => event.phase);
      const scanned = ofCube.flatMap((event) => (event.phase === 'scanned' ? [event] : []));
      expect(scanned.length).toBeGreaterThan(0);
      expect(phases.indexOf('scanned')).toBe(phases.indexOf('scan') + 1);
      expect(phases.lastIndexOf('scanned')).toBeLessThan(phases.indexOf('cuboid'));
      const passes = scanned[0]!.passes;
      expect(new Set(scanned.map((event) => event.pass))).toEqual(new Set(Array.from({ length: passes }, (_, pass) => pass)));
      expect(scanned.every((event) => event.passes === passes && event.sourceRows === sourceRows)).toBe(true);
      for (let pass = 0; pass < passes; pass++) {
        const reads = scanned.filter((event) => event.pass === pass).map((event) => event.rowsRead);
        expect(reads[0]).toBe(0);
        expect(reads.at(-1)).toBe(sourceRows);
        expect(reads.every((read, index) => index === 0 || read >= reads[index - 1]!)).toBe(true);
      }
    }
  });
});
