import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** The installed command, as a user runs it. */
async function arrowcube(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/arrowcube.js', ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('arrowcube command', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arrowcube-cli-'));
    env = { ARROWCUBE_WAREHOUSE: join(dir, 'bank.duckdb') };
    const seeded = await arrowcube(['seed', '--rows', '20000', '--seed', '3'], env);
    expect(seeded.code).toBe(0);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds, skips an unchanged cube, and answers a query as DuckDB does on the raw tables', async () => {
    const cubes = join(dir, 'cubes');
    const built = await arrowcube(['build', '--cubes', cubes, '--cube', 'transactions'], env);
    expect(built.code).toBe(0);
    expect(built.stderr).toMatch(/cube transactions version \S+: \d+ cuboids/);
    expect(built.stderr).toContain('explicit');

    const again = await arrowcube(['build', '--cubes', cubes, '--cube', 'transactions'], env);
    expect(again.stderr).toContain('cube transactions is up to date');

    const query = { cube: 'transactions', measures: ['amount', 'transactions'], levels: { segment: 'tier' } };
    const answered = await arrowcube(['query', '--cubes', cubes, JSON.stringify(query)], env);
    expect(answered.code).toBe(0);
    const result = JSON.parse(answered.stdout) as { rows: Array<Record<string, string | number>>; meta: { source: string } };
    expect(result.meta.source).toBe('cuboid');

    const instance = await DuckDBInstance.create(env.ARROWCUBE_WAREHOUSE!, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    const oracle = (
      await connection.runAndReadAll(`SELECT c.value_tier AS tier, sum(f.amount)::DOUBLE AS amount, count(*)::DOUBLE AS n
        FROM fact_transactions f JOIN dim_customer c USING (customer_id) GROUP BY ALL`)
    ).getRowObjects();
    connection.closeSync();
    instance.closeSync();
    expect(result.rows).toHaveLength(oracle.length);
    for (const expected of oracle) {
      const row = result.rows.find((candidate) => candidate['segment.tier'] === expected.tier)!;
      expect(row.amount as number).toBeCloseTo(expected.amount as number, 2);
      expect(row.transactions).toBe(expected.n);
    }
  });

  it('reports a bad definition at its file and line, and leaves built cubes alone', async () => {
    const definitions = join(dir, 'bad-definitions');
    await mkdir(definitions, { recursive: true });
    const text = (await readFile('definitions/bank.yaml', 'utf8')).replace('amount: { agg: sum,', 'amount: { agg: summ,');
    await writeFile(join(definitions, 'bank.yaml'), text);
    const current = join(dir, 'cubes', 'transactions', 'CURRENT');
    const before = await readFile(current, 'utf8');
    const failed = await arrowcube(['build', '--definitions', definitions, '--cubes', join(dir, 'cubes')], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^arrowcube: DEFINITION_INVALID: .*bank\.yaml:\d+:\d+ cubes\.transactions\.measures\.amount\.agg: expected one of sum, count/);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(current, 'utf8')).toBe(before);
  });

  it('rejects bad flags and commands with usage (exit 2)', async () => {
    for (const args of [['frobnicate'], ['seed', '--rows', '0'], ['serve', '--port', '70000'], ['build', '--colour'], ['query', '{not json']]) {
      const outcome = await arrowcube(args);
      expect(outcome.code, args.join(' ')).toBe(2);
      expect(outcome.stderr).toContain('usage: arrowcube');
    }
  });

  it('prints the committed definition JSON Schema', async () => {
    const printed = await arrowcube(['schema']);
    expect(JSON.parse(printed.stdout)).toEqual(JSON.parse(await readFile('schema/definition.schema.json', 'utf8')));
  });
});
