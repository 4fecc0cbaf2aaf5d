import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCube } from '../../src/build/index.ts';
import { keyFromWords, sortWords, unpackWord, wordColumn, wordSql, type SortKey } from '../../src/build/sortWords.ts';
import { parseDefinition } from '../../src/model/loadDefinitions.ts';
import { readCube } from '../../src/store/index.ts';
import { expectOracleMatch, expectStoredInOrder, openOracle } from './fixtures/oracle.ts';
import { createTinyWarehouse } from './fixtures/tinyWarehouse.ts';

const key = (dimension: string, members: number): SortKey => ({ dimension, column: `c_${dimension}`, members });
const dimensionsOf = (words: SortKey[][]) => words.map((word) => word.map((item) => item.dimension));

describe('sort words', () => {
  it('pack consecutive keys while their member counts multiply to at most 2^31', () => {
    expect(dimensionsOf(sortWords([key('a', 4), key('b', 1000), key('c', 2 ** 20)]))).toEqual([['a', 'b'], ['c']]);
    expect(dimensionsOf(sortWords([key('a', 2 ** 16), key('b', 2 ** 15)]))).toEqual([['a', 'b']]);
    expect(dimensionsOf(sortWords([key('a', 2 ** 16), key('b', 2 ** 15 + 1), key('c', 3)]))).toEqual([['a'], ['b', 'c']]);
    expect(sortWords([])).toEqual([]);
  });

  describe('evaluated by DuckDB', () => {
    let instance: DuckDBInstance;
    let connection: DuckDBConnection;
    beforeAll(async () => {
      instance = await DuckDBInstance.create(':memory:');
      connection = await instance.connect();
    });
    afterAll(() => {
      connection.closeSync();
      instance.closeSync();
    });

    it('order rows as their keys do, and unpack (here and in SQL) to the codes they were packed from', async () => {
      const rowsOf = (members: number[]) => fc.array(fc.tuple(...members.map((count) => fc.integer({ min: 0, max: count - 1 }))), { minLength: 1, maxLength: 40 });
      const cases = fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 5 }).chain((members) => fc.tuple(fc.constant(members), rowsOf(members)));
      await fc.assert(
        fc.asyncProperty(cases, async ([members, rows]) => {
          const keys = members.map((count, index) => key(`d${index}`, count));
          const words = sortWords(keys);
          const values = rows.map((codes) => `(${codes.join(', ')})`).join(', ');
          const packed = `SELECT ${words.map((word, index) => `${wordSql(word, (item) => `t.${item.column}`)} AS ${wordColumn(index)}`).join(', ')}
            FROM (VALUES ${values}) AS t(${keys.map((item) => item.column).join(', ')})`;
          const reader = await connection.runAndReadAll(`SELECT *, ${keys.map((item) => keyFromWords(words, item.column)!).join(', ')}
            FROM (${packed}) ORDER BY ${words.map((_, index) => wordColumn(index)).join(', ')}`);
          const columns = reader.getColumns();
          const codes: Record<string, Int32Array> = {};
          words.forEach((word, index) => unpackWord(word, Int32Array.from(columns[index]!, Number), codes));
          const unpacked = rows.map((_, row) => keys.map((item) => codes[item.dimension]![row]!));
          const unpackedInSql = rows.map((_, row) => keys.map((_, index) => Number(columns[words.length + index]![row])));
          const sorted = [...rows].sort((a, b) => a.reduce((order, code, index) => order || code - b[index]!, 0));
          expect(unpacked).toEqual(sorted);
          expect(unpackedInSql).toEqual(sorted);
        }),
        { numRuns: 150 },
      );
    });
  });
});

describe('cuboids whose keys need more than one word', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arrowcube-words-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('are built equal to an independent GROUP BY, stored in key order, with folded, exact and approximate distinct partials', async () => {
    const warehouse = join(dir, 'warehouse.duckdb');
    await createTinyWarehouse(warehouse);
    // Sales, amounts and days have thousands of members each: any three of them overflow one 31-bit word.
    const [model] = parseDefinition(
      `
cubes:
  wide:
    source: { database: ${JSON.stringify(warehouse)}, table: fact_sales, alias: f }
    dimensions:
      time: { date: f.sale_date, levels: [month, day] }
      sale: { levels: { sale: f.sale_id } }
      amount: { levels: { amount: f.amount } }
      customer: { levels: { customer: f.customer_id } }
    measures:
      amount_total: { agg: sum, expr: f.amount }
      customers: { agg: count_distinct, expr: f.customer_id }
      customers_approx: { agg: count_distinct_approx, expr: f.product_id }
      last_qty: { agg: sum, expr: f.qty, semiAdditive: { dimension: time } }
    aggregation:
      auto: false
      cuboids:
        - { time: day, sale: sale, amount: amount, customer: customer }
        - { time: month, sale: sale, amount: amount, customer: customer }
        # Folds the days of the set the next one groups by, so reads its words repacked.
        - { sale: sale, amount: amount }
        - { time: day, sale: sale, amount: amount }
`,
      'tests/wide.yaml',
      {},
    );
    await buildCube(model!, { cubesDir: join(dir, 'cubes') });
    const data = await readCube(join(dir, 'cubes'), 'wide');

    const { oracle, close } = await openOracle(warehouse);
    try {
      const seen = await expectOracleMatch(oracle, data, 'warehouse.fact_sales AS f');
      expect(seen.cells).toBeGreaterThan(5000);
    } finally {
      close();
    }
    let multiWord = 0;
    for (const cuboid of data.cuboids) {
      const members = cuboid.sortedBy.map((dimension) => data.dictionaries[`${dimension}.${cuboid.levels[dimension]}`]!.length);
      if (members.reduce((product, count) => product * count, 1) > 2 ** 31) multiWord++;
      expectStoredInOrder(cuboid, cuboid.sortedBy);
    }
    // Both four-level cuboids, one of them folded to months, and the days × sales × amounts really needed two words.
    expect(multiWord).toBe(3);
  });
});
