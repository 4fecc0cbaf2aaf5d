import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
import { CubeEngine } from '../../src/engine/index.ts';
import type { QueryResult } from '../../src/engine/index.ts';
import { loadDefinitions } from '../../src/model/loadDefinitions.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { readCube } from '../../src/store/index.ts';
import { asRanges, canonicalRows, parquetRelation, SSB_QUERIES, ssbSql } from '../../bench/ssb/queries.ts';

/**
 * bench/ssb/ssb.yaml at SSB scale factor 0.1: it loads, builds, and each of the 13
 * standard SSB queries, asked over REST, is answered from a cuboid and equals DuckDB's
 * answer from the standard star join on the same Parquet files.
 */
const DEFINITIONS = fileURLToPath(new URL('../../bench/ssb', import.meta.url));
const DATA = fileURLToPath(new URL('../../../shared/data/ssb-sf0.1', import.meta.url));
const present = await access(join(DATA, 'lineorder.parquet')).then(() => true, () => false);

describe.skipIf(!present)('SSB cube at SF 0.1', () => {
  let dir: string;
  let engine: CubeEngine;
  let app: FastifyInstance;
  let instance: DuckDBInstance;
  let duckdb: DuckDBConnection;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arrowcube-ssb-'));
    const [model, ...others] = await loadDefinitions(DEFINITIONS, { ...process.env, SSB_DATA: DATA });
    expect(others).toHaveLength(0);
    await buildCube(model!, { cubesDir: dir });
    engine = new CubeEngine({ cacheBytes: 0 });
    engine.load(await readCube(dir, 'ssb'));
    app = buildApp({ engine });
    instance = await DuckDBInstance.create(':memory:');
    duckdb = await instance.connect();
  });

  afterAll(async () => {
    await app?.close();
    await engine?.close();
    duckdb?.closeSync();
    instance?.closeSync();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('defines the cube issue 5 names', async () => {
    const [model] = await loadDefinitions(DEFINITIONS, { ...process.env, SSB_DATA: DATA });
    expect(model!.name).toBe('ssb');
    const levels = Object.fromEntries(model!.dimensions.map((dimension) => [dimension.name, dimension.levels.map((level) => level.name)]));
    expect(levels).toEqual({
      date: ['year', 'month', 'day'],
      week: ['week'],
      customer: ['region', 'nation', 'city'],
      supplier: ['region', 'nation', 'city'],
      part: ['mfgr', 'category', 'brand'],
      discount: ['discount'],
      quantity: ['quantity'],
    });
    expect(model!.measures.map((measure) => measure.name).sort()).toEqual(['discount_revenue', 'lines', 'profit', 'revenue']);
  });

  /** At SF 0.1 no supplier is in UNITED KI1 or KI5 (see ../shared/data/README.md). */
  const absentMembers = new Set(['Q3.3', 'Q3.4']);

  it.each(SSB_QUERIES.map((ssb) => [ssb.name, ssb] as const))('%s is answered from a cuboid and equals DuckDB', async (name, ssb) => {
    const ask = (query: object) => app.inject({ method: 'POST', url: '/v1/query', payload: { ...query, limit: 100_000 } });
    let response = await ask(ssb.query);
    if (absentMembers.has(name)) {
      // The member filter names supplier cities this scale lacks: rejected as a likely typo …
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('MEMBER_UNKNOWN');
      // … while the same rows asked as one-member ranges are the (empty) answer.
      response = await ask(asRanges(ssb.query));
    }
    expect(response.statusCode, response.body).toBe(200);
    const result = response.json() as QueryResult;
    expect(result.meta.source).toBe('cuboid');
    expect(result.meta.cuboid).not.toBeNull();
    const expected = (await duckdb.runAndReadAll(ssbSql(ssb, parquetRelation(DATA)))).getRowObjectsJS();
    expect(canonicalRows(result.rows)).toEqual(canonicalRows(expected));
    expect(result.rows.length > 0).toBe(!absentMembers.has(name));
  });
});
