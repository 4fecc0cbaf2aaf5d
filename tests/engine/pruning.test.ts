import { describe, expect, it } from 'vitest';
import { foldCells } from '../../src/engine/cells.ts';
import { FOLD_IDENTITY, TRASH_SLOTS, foldHll, foldLast, foldMax, foldMin, foldNone, foldSum } from '../../src/engine/foldKernels.ts';
import { compileFilters, conjuncts, rowFilter } from '../../src/engine/filterProgram.ts';
import { groupRows } from '../../src/engine/groupRows.ts';
import { LoadedCube } from '../../src/engine/loadedCube.ts';
import { rowsIn } from '../../src/engine/rowRanges.ts';
import { BLOCK_ROWS, keptRanges } from '../../src/engine/zoneMaps.ts';
import type { CubeData, CuboidData } from '../../src/model/data.ts';
import type { Filter } from '../../src/model/query.ts';
import { HLL_REGISTERS } from '../../src/model/partials.ts';
import type { CubeModel, DimensionModel } from '../../src/model/types.ts';

/**
 * A cuboid of month × city, stored sorted as the build stores cuboids: 12 months (the
 * sort-major key), 8 cities in 4 provinces (city c is in province c >> 1), 640 rows per
 * month and city: a month is five blocks of 1024 rows, each spanning two or three cities.
 */
const MONTHS = 12;
const CITIES = 8;
const ROWS_PER_CELL = 640;
const ROWS = MONTHS * CITIES * ROWS_PER_CELL;

const level = (name: string) => ({ name, expr: name, sortExpr: name, order: 'text' as const });
const dimension = (name: string, levels: string[], parents: Record<string, string[]>): DimensionModel => ({
  name,
  levels: levels.map(level),
  hierarchies: [],
  finest: levels.at(-1)!,
  parents,
  isTime: false,
});
const model = {
  name: 'pruned',
  dimensions: [dimension('time', ['month'], {}), dimension('store', ['province', 'city'], { city: ['province'] })],
  measures: [],
} as unknown as CubeModel;

const month = new Int32Array(ROWS);
const city = new Int32Array(ROWS);
const amount = new Float64Array(ROWS);
for (let row = 0; row < ROWS; row++) {
  month[row] = Math.floor(row / (CITIES * ROWS_PER_CELL));
  city[row] = Math.floor(row / ROWS_PER_CELL) % CITIES;
  amount[row] = (row % 7) + 1;
}
const cuboid: CuboidData = {
  name: 'time.month+store.city',
  levels: { time: 'month', store: 'city' },
  rows: ROWS,
  codes: { time: month, store: city },
  partials: { amount },
  registers: {},
  sortedBy: ['time', 'store'],
};
const names = (prefix: string, count: number) => Array.from({ length: count }, (_, code) => `${prefix}${String(code).padStart(2, '0')}`);
const data: CubeData = {
  model,
  version: 'v1',
  builtAt: '',
  dictionaries: { 'time.month': names('m', MONTHS), 'store.city': names('c', CITIES), 'store.province': names('p', CITIES / 2) },
  parentMaps: { 'store.city>province': Int32Array.from({ length: CITIES }, (_, code) => code >> 1) },
  cuboids: [cuboid],
};
const cube = new LoadedCube(data);
const columns = (name: string) => cuboid.codes[name]!;
const compile = (filters: Filter[]) => compileFilters(cube, filters, (dimension) => cuboid.levels[dimension.name]!);

/** Sums by month with pruning, and the rows it scanned. */
function sumsByMonth(filters: Filter[]): { sums: number[]; scanned: number } {
  const program = compile(filters);
  const ranges = keptRanges(program, columns, ROWS);
  // A dirty buffer: rows outside the ranges must never be read.
  const scratch = new Int32Array(ROWS).fill(12345);
  const grouping = groupRows([{ codes: month, map: null, cardinality: MONTHS }], ROWS, rowFilter(conjuncts(program), columns), scratch, ranges);
  const cells = foldCells([{ column: 'amount', fold: 'sum' } as never], { values: cuboid.partials, registers: {} }, grouping);
  const sums = new Array<number>(MONTHS).fill(0);
  for (let cell = 0; cell < cells.size; cell++) sums[cells.codes[0]![cell]!] = cells.values.amount![cell]!;
  return { sums, scanned: rowsIn(ranges) };
}

/** The same sums row by row, from a predicate on (month, city): the oracle. */
function expectedSums(keeps: (month: number, city: number) => boolean): number[] {
  const sums = new Array<number>(MONTHS).fill(0);
  for (let row = 0; row < ROWS; row++) if (keeps(month[row]!, city[row]!)) sums[month[row]!] += amount[row]!;
  return sums;
}

const months = (...codes: number[]): Filter => ({ dimension: 'time', level: 'month', op: 'in', values: codes.map((code) => names('m', MONTHS)[code]!) });
const cities = (op: 'in' | 'notIn' | 'ne', ...codes: number[]): Filter => ({ dimension: 'store', level: 'city', op, values: codes.map((code) => names('c', CITIES)[code]!) });
const blockOf = (row: number) => Math.floor(row / BLOCK_ROWS);
const monthRows = CITIES * ROWS_PER_CELL;

describe('row-range pruning by zone maps', () => {
  it.each([
    ['the start', 0],
    ['the middle', 5],
    ['the end', MONTHS - 1],
  ])('scans only the blocks of a month at %s', (_, code) => {
    const { sums, scanned } = sumsByMonth([months(code)]);
    expect(sums).toEqual(expectedSums((m) => m === code));
    const first = blockOf(code * monthRows) * BLOCK_ROWS;
    const end = Math.min(ROWS, (blockOf((code + 1) * monthRows - 1) + 1) * BLOCK_ROWS);
    expect(keptRanges(compile([months(code)]), columns, ROWS)).toEqual(Int32Array.of(first, end));
    expect(scanned).toBe(end - first);
  });

  it('scans nothing when no member is kept, and everything without filters', () => {
    const none: Filter = { dimension: 'time', level: 'month', op: 'in', values: [] };
    expect(sumsByMonth([none])).toEqual({ sums: expectedSums(() => false), scanned: 0 });
    expect(sumsByMonth([])).toEqual({ sums: expectedSums(() => true), scanned: ROWS });
  });

  it('merges adjacent kept blocks and skips the gaps between months', () => {
    const ranges = keptRanges(compile([months(1, 2, 9)]), columns, ROWS);
    expect(ranges.length).toBe(4);
    expect(sumsByMonth([months(1, 2, 9)]).sums).toEqual(expectedSums((m) => m === 1 || m === 2 || m === 9));
  });

  it('prunes a later dimension where its blocks span few members', () => {
    const { sums, scanned } = sumsByMonth([cities('in', 0)]);
    expect(sums).toEqual(expectedSums((_, c) => c === 0));
    // City 0 lies in the first block of each month.
    expect(scanned).toBe(MONTHS * BLOCK_ROWS);
  });

  it('keeps a block when any branch of an or spanning dimensions may pass', () => {
    const either: Filter = { or: [months(3), cities('in', 7)] };
    const { sums, scanned } = sumsByMonth([either]);
    expect(sums).toEqual(expectedSums((m, c) => m === 3 || c === 7));
    expect(scanned).toBeLessThan(ROWS);
    const both: Filter = { and: [months(3, 4), cities('in', 7)] };
    expect(sumsByMonth([both]).sums).toEqual(expectedSums((m, c) => (m === 3 || m === 4) && c === 7));
  });

  it('prunes by a filter on a coarser level through the parent map', () => {
    const province: Filter = { dimension: 'store', level: 'province', op: 'eq', values: ['p03'] };
    const { sums, scanned } = sumsByMonth([province, months(6, 7)]);
    expect(sums).toEqual(expectedSums((m, c) => c >> 1 === 3 && (m === 6 || m === 7)));
    // Cities 6 and 7 lie in the last two blocks of each month.
    expect(scanned).toBe(2 * 2 * BLOCK_ROWS);
  });

  it('answers ne and notIn filters that keep most rows exactly', () => {
    expect(sumsByMonth([cities('ne', 2)]).sums).toEqual(expectedSums((_, c) => c !== 2));
    const { sums, scanned } = sumsByMonth([cities('notIn', 0, 1, 2)]);
    expect(sums).toEqual(expectedSums((_, c) => c > 2));
    expect(scanned).toBeGreaterThan(ROWS / 2);
  });
});

describe('fold kernels over row ranges', () => {
  // Rows 2…4 and 7…8 are scanned; the others hold a group that must not be folded.
  const ranges = Int32Array.of(2, 5, 7, 9);
  const groupOf = Int32Array.from([0, 1, 0, 1, -1, 0, 1, 1, 0, 0]);
  const scanned = [2, 3, 4, 7, 8];
  const compact = (column: Float64Array) => Float64Array.from(scanned, (row) => column[row]!);
  const compactGroupOf = Int32Array.from(scanned, (row) => groupOf[row]!);
  const values = Float64Array.from([5, 9, 1, 4, 7, 2, 8, 3, 6, 0]);
  const periods = Float64Array.from([1, 2, 1, 3, 2, 3, 3, 3, 1, 2]);
  const target = (fold: keyof typeof FOLD_IDENTITY) => new Float64Array(2 + TRASH_SLOTS).fill(FOLD_IDENTITY[fold]);

  it('fold only the scanned rows, as over those rows alone', () => {
    for (const [fold, kernel] of [['sum', foldSum], ['min', foldMin], ['max', foldMax], ['none', foldNone]] as const) {
      const pruned = target(fold);
      kernel(values, groupOf, pruned, ranges);
      const alone = target(fold);
      kernel(compact(values), compactGroupOf, alone);
      expect([...pruned.subarray(0, 2)], fold).toEqual([...alone.subarray(0, 2)]);
    }
    const [value, period, aloneValue, alonePeriod] = [target('last'), target('period'), target('last'), target('period')];
    foldLast(values, periods, groupOf, value, period, ranges);
    foldLast(compact(values), compact(periods), compactGroupOf, aloneValue, alonePeriod);
    expect([...value.subarray(0, 2), ...period.subarray(0, 2)]).toEqual([...aloneValue.subarray(0, 2), ...alonePeriod.subarray(0, 2)]);
  });

  it('merge HLL registers of the scanned rows only', () => {
    const registers = Uint8Array.from({ length: groupOf.length * HLL_REGISTERS }, (_, index) => (index * 37) % 23);
    const pruned = new Uint8Array(2 * HLL_REGISTERS);
    foldHll(registers, groupOf, pruned, ranges);
    const alone = new Uint8Array(2 * HLL_REGISTERS);
    const compactRegisters = new Uint8Array(scanned.length * HLL_REGISTERS);
    scanned.forEach((row, index) => compactRegisters.set(registers.subarray(row * HLL_REGISTERS, (row + 1) * HLL_REGISTERS), index * HLL_REGISTERS));
    foldHll(compactRegisters, compactGroupOf, alone);
    expect(pruned).toEqual(alone);
  });
});
