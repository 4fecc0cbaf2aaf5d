import { describe, expect, it } from 'vitest';
import type { QueryResult } from '../../src/engine/index.ts';
import { resultToCsv } from '../../src/server/formats/csv.ts';
import { parseCsv } from './parseCsv.ts';

function resultOf(rows: QueryResult['rows']): QueryResult {
  return {
    columns: [
      { name: 'region.branch', kind: 'level', type: 'string', dimension: 'region', level: 'branch' },
      { name: 'amount', kind: 'measure', type: 'number', measure: 'amount' },
    ],
    rows,
    total: rows.length,
    meta: { source: 'cuboid', cuboid: 'c0', cubeVersion: 'v1', exact: true, elapsedMs: 0, rowsScanned: 0, cached: false },
  };
}

describe('resultToCsv', () => {
  it('writes a header and CRLF-terminated rows, quoting per RFC 4180', () => {
    const csv = resultToCsv(resultOf([
      { 'region.branch': 'plain', amount: 1.5 },
      { 'region.branch': 'a, "quoted"\nline', amount: null },
      { 'region.branch': null, amount: -12 },
    ]));
    expect(csv).toBe('region.branch,amount\r\nplain,1.5\r\n"a, ""quoted""\nline",\r\n,-12\r\n');
    expect(parseCsv(csv)).toEqual([
      ['region.branch', 'amount'],
      ['plain', '1.5'],
      ['a, "quoted"\nline', ''],
      ['', '-12'],
    ]);
  });

  it.each(['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx'])(
    'defuses the formula-like text cell %j with a leading quote',
    (text) => {
      const [, [cell]] = parseCsv(resultToCsv(resultOf([{ 'region.branch': text, amount: 1 }]))) as string[][];
      expect(cell).toBe(`'${text}`);
    },
  );

  it('leaves negative and non-finite numbers as numbers or empty', () => {
    const csv = resultToCsv(resultOf([{ 'region.branch': 'x', amount: -0.25 }, { 'region.branch': 'y', amount: Number.NaN }]));
    expect(parseCsv(csv).slice(1)).toEqual([['x', '-0.25'], ['y', '']]);
  });
});
