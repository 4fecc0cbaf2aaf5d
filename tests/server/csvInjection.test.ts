import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
import { CubeEngine } from '../../src/engine/index.ts';
import { parseDefinition } from '../../src/model/loadDefinitions.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { readCube } from '../../src/store/index.ts';
import { parseCsv } from './parseCsv.ts';

/** Members a spreadsheet would run as formulas, beside harmless ones and negative amounts. */
const ACCOUNTS: [string, number][] = [
  ['=HYPERLINK("http://evil.example","x")', 10],
  ['+1+1', -5],
  ['-2+3', 3],
  ['@SUM(A1:A9)', 4],
  ['plain, with "quotes"', -2.5],
];

let dir: string;
let engine: CubeEngine;
let app: FastifyInstance;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrowcube-csv-'));
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  await writeFile(join(dir, 'accounts.csv'), ['name,amount', ...ACCOUNTS.map(([name, amount]) => `${quote(name)},${amount}`)].join('\n'));
  const [model] = parseDefinition(
    `cubes:
  risky:
    source: { csv: ${JSON.stringify(join(dir, 'accounts.csv'))}, alias: f }
    dimensions:
      account: { levels: { name: f.name } }
    measures:
      amount: { agg: sum, expr: f.amount }
`,
    join(dir, 'risky.yaml'),
  );
  const cubesDir = join(dir, 'cubes');
  await buildCube(model!, { cubesDir });
  engine = new CubeEngine({});
  engine.load(await readCube(cubesDir, 'risky'));
  app = buildApp({ engine });
});

afterAll(async () => {
  await app?.close();
  await engine?.close();
  await rm(dir, { recursive: true, force: true });
});

it('CSV defuses formula-like members but keeps negative numbers; JSON keeps members as they are', async () => {
  const query = { cube: 'risky', measures: ['amount'], levels: { account: 'name' } };
  const csv = await app.inject({ method: 'POST', url: '/v1/query', payload: query, headers: { accept: 'text/csv' } });
  expect(csv.statusCode, csv.body).toBe(200);
  const [header, ...records] = parseCsv(csv.body);
  expect(header).toEqual(['account.name', 'amount']);
  const defused = (name: string) => (/^[=+\-@]/.test(name) ? `'${name}` : name);
  expect(records.sort()).toEqual(ACCOUNTS.map(([name, amount]) => [defused(name), String(amount)]).sort());

  const json = (await app.inject({ method: 'POST', url: '/v1/query', payload: query })).json();
  expect(json.rows.map((row: any) => row['account.name']).sort()).toEqual(ACCOUNTS.map(([name]) => name).sort());
});
