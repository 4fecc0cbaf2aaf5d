import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
import type { CubeData } from '../../src/model/data.ts';
import { hllEstimate } from '../../src/model/hll.ts';
import { parseDefinition } from '../../src/model/loadDefinitions.ts';
import { HLL_REGISTERS, HLL_RELATIVE_ERROR } from '../../src/model/partials.ts';
import { readCube } from '../../src/store/index.ts';

/** Registers built in DuckDB estimate large counts within 3 standard errors, and merge by max. */
let dir: string;
let cube: CubeData;
const exact = new Map<string | null, number>();
let union = 0;
let everyone = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrowcube-hll-'));
  const warehouse = join(dir, 'warehouse.duckdb');
  const instance = await DuckDBInstance.create(warehouse);
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE visits AS
    SELECT CASE i % 3 WHEN 0 THEN 'north' WHEN 1 THEN 'south' ELSE 'west' END AS area,
      'visitor-' || CAST(hash(i * 7 + 1) % (CASE i % 3 WHEN 0 THEN 120000 WHEN 1 THEN 30000 ELSE 5000 END) AS VARCHAR) AS visitor
    FROM range(300000) AS t(i)`);
  for (const [area, count] of (await connection.runAndReadAll('SELECT area, count(DISTINCT visitor) FROM visits GROUP BY area')).getRows()) {
    exact.set(area as string, Number(count));
  }
  union = Number((await connection.runAndReadAll(`SELECT count(DISTINCT visitor) FROM visits WHERE area IN ('north', 'south')`)).getRows()[0]![0]);
  everyone = Number((await connection.runAndReadAll('SELECT count(DISTINCT visitor) FROM visits')).getRows()[0]![0]);
  connection.closeSync();
  instance.closeSync();
  const [model] = parseDefinition(
    `cubes:
  visits:
    source: { database: ${JSON.stringify(warehouse)}, table: visits, alias: v }
    dimensions:
      area: { levels: { area: v.area } }
    measures:
      visitors: { agg: count_distinct_approx, expr: v.visitor }
    aggregation:
      cuboids: [{}, { area: area }]
      auto: false
`,
    'tests/visits.yaml',
    {},
  );
  await buildCube(model!, { cubesDir: join(dir, 'cubes') });
  cube = await readCube(join(dir, 'cubes'), 'visits');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('estimates every cell within 3 standard errors', () => {
  const byArea = cube.cuboids.find((cuboid) => cuboid.name === 'area.area')!;
  const members = cube.dictionaries['area.area']!;
  expect(byArea.rows).toBe(3);
  for (let row = 0; row < byArea.rows; row++) {
    const truth = exact.get(members[byArea.codes.area![row]!]!)!;
    const estimate = hllEstimate(byArea.registers.visitors__hll!, row * HLL_REGISTERS);
    expect(Math.abs(estimate - truth), `${members[row]}: ${estimate} vs ${truth}`).toBeLessThanOrEqual(3 * HLL_RELATIVE_ERROR * truth);
  }
  const apex = cube.cuboids.find((cuboid) => cuboid.name === 'apex')!;
  expect(Math.abs(hllEstimate(apex.registers.visitors__hll!, 0) - everyone)).toBeLessThanOrEqual(3 * HLL_RELATIVE_ERROR * everyone);
});

it('merges cells by the per-register maximum', () => {
  const byArea = cube.cuboids.find((cuboid) => cuboid.name === 'area.area')!;
  const members = cube.dictionaries['area.area']!;
  const registers = byArea.registers.visitors__hll!;
  const merged = new Uint8Array(HLL_REGISTERS);
  for (let row = 0; row < byArea.rows; row++) {
    if (members[byArea.codes.area![row]!] === 'west') continue;
    for (let index = 0; index < HLL_REGISTERS; index++) merged[index] = Math.max(merged[index]!, registers[row * HLL_REGISTERS + index]!);
  }
  expect(Math.abs(hllEstimate(merged, 0) - union)).toBeLessThanOrEqual(3 * HLL_RELATIVE_ERROR * union);
});

it('estimates no values as zero', () => {
  expect(hllEstimate(new Uint8Array(2 * HLL_REGISTERS), HLL_REGISTERS)).toBe(0);
});
