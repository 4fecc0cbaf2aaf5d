import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { narrowBySort, sortOrder } from '../../src/engine/sortedRanges.ts';
import type { CuboidData } from '../../src/model/data.ts';

const DIMENSIONS = ['a', 'b', 'c'];

function cuboidOf(rows: number[][]): CuboidData {
  const codes = Object.fromEntries(DIMENSIONS.map((dimension, k) => [dimension, Int32Array.from(rows, (row) => row[k]!)]));
  return { name: 'a+b+c', levels: { a: 'l', b: 'l', c: 'l' }, rows: rows.length, codes, partials: {}, registers: {}, sortedBy: DIMENSIONS };
}

const lexicographic = (x: number[], y: number[]) => x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;

describe('narrowing by sort order', () => {
  const cardinality = 7;
  const cases = fc.record({
    rows: fc.array(fc.tuple(fc.nat(cardinality - 1), fc.nat(cardinality - 1), fc.nat(cardinality - 1)), { maxLength: 3000 }),
    masks: fc.tuple(...DIMENSIONS.map(() => fc.option(fc.array(fc.boolean(), { minLength: cardinality, maxLength: cardinality }), { nil: undefined }))),
  });

  it('keeps every row the masks keep, and only those wherever it says a mask is settled', () => {
    fc.assert(
      fc.property(cases, ({ rows, masks }) => {
        const cuboid = cuboidOf(rows.sort(lexicographic));
        const byDimension = new Map(
          DIMENSIONS.flatMap((dimension, k) => (masks[k] === undefined ? [] : [[dimension, Uint8Array.from(masks[k]!, Number)] as const])),
        );
        const narrowed = narrowBySort(sortOrder(cuboid), (dimension) => cuboid.codes[dimension]!, byDimension, cuboid.rows);
        if (narrowed === undefined) {
          expect(byDimension.size).toBe(0);
          return;
        }
        const inRanges = new Uint8Array(rows.length);
        for (let r = 0; r < narrowed.ranges.length; r += 2) {
          expect(narrowed.ranges[r]!).toBeLessThan(narrowed.ranges[r + 1]!);
          if (r > 0) expect(narrowed.ranges[r]!).toBeGreaterThan(narrowed.ranges[r - 1]!);
          inRanges.fill(1, narrowed.ranges[r], narrowed.ranges[r + 1]);
        }
        const passes = (row: number, dimensions: Iterable<string>) =>
          [...dimensions].every((dimension) => byDimension.get(dimension)![cuboid.codes[dimension]![row]!] === 1);
        for (let row = 0; row < rows.length; row++) {
          if (passes(row, byDimension.keys())) expect(inRanges[row], `row ${row} passes every mask`).toBe(1);
          if (inRanges[row] === 1) expect(passes(row, narrowed.settled), `row ${row} passes the settled masks`).toBe(true);
        }
        // Within the search budget every mask is settled (the ranges are exact); past it, none.
        if (narrowed.settled.size > 0) expect(narrowed.settled).toEqual(new Set(byDimension.keys()));
      }),
      { numRuns: 300 },
    );
  });

  it('finds exactly the rows of a year × region × brand query', () => {
    // 7 years × 5 regions × 40 brands; one region and the 4 brands of one category kept.
    const rows = Array.from({ length: 7 * 5 * 40 }, (_, row) => [Math.floor(row / 200), Math.floor(row / 40) % 5, row % 40]);
    const cuboid = cuboidOf(rows);
    const region = Uint8Array.from({ length: 5 }, (_, code) => Number(code === 2));
    const category = Uint8Array.from({ length: 40 }, (_, code) => Number(code >= 8 && code < 12));
    const narrowed = narrowBySort(sortOrder(cuboid), (dimension) => cuboid.codes[dimension]!, new Map([['b', region], ['c', category]]), cuboid.rows)!;
    expect(narrowed.settled).toEqual(new Set(['b', 'c']));
    expect([...narrowed.ranges]).toEqual(Array.from({ length: 7 }, (_, year) => [year * 200 + 88, year * 200 + 92]).flat());
  });

  it('settles nothing once the search budget is spent, and still keeps every passing row', () => {
    // Members spread unevenly, so the estimate misjudges the searches: a = 0 holds 10,000 of the 10,099 b runs.
    const rows = [
      ...Array.from({ length: 20_000 }, (_, row) => [0, row >> 1, row & 1]),
      ...Array.from({ length: 99 }, (_, a) => [a + 1, 0, 0]),
    ];
    const cuboid = cuboidOf(rows);
    const first = Uint8Array.from({ length: 100 }, (_, code) => Number(code === 0));
    const odd = Uint8Array.of(0, 1);
    const narrowed = narrowBySort(sortOrder(cuboid), (dimension) => cuboid.codes[dimension]!, new Map([['a', first], ['c', odd]]), cuboid.rows)!;
    expect(narrowed.settled.size).toBe(0);
    const kept = new Uint8Array(rows.length);
    for (let r = 0; r < narrowed.ranges.length; r += 2) kept.fill(1, narrowed.ranges[r], narrowed.ranges[r + 1]);
    rows.forEach((row, index) => {
      if (row[0] === 0 && row[2] === 1) expect(kept[index]).toBe(1);
    });
    expect(kept.indexOf(1)).toBeGreaterThanOrEqual(0);
  });

  it('does not search when the runs it would visit cost more than the rows they spare', () => {
    // 5,000 runs of b, each with c kept by an alternating mask: two searches per four rows.
    const rows = Array.from({ length: 20_000 }, (_, row) => [0, row >> 2, row & 3]);
    const cuboid = cuboidOf(rows);
    const alternate = Uint8Array.from({ length: 4 }, (_, code) => code & 1);
    expect(narrowBySort(sortOrder(cuboid), (dimension) => cuboid.codes[dimension]!, new Map([['c', alternate]]), cuboid.rows)).toBeUndefined();
  });

  it('sorts by as many leading dimensions as the rows bear out', () => {
    expect(sortOrder(cuboidOf([[0, 0, 1], [0, 1, 0], [0, 1, 0], [1, 0, 0]]))).toEqual({ dimensions: ['a', 'b', 'c'], runs: [2, 3, 3] });
    // b falls back within a = 0: rows are sorted by a alone.
    expect(sortOrder(cuboidOf([[0, 1, 0], [0, 0, 0], [1, 0, 0]]))).toEqual({ dimensions: ['a'], runs: [2] });
    expect(sortOrder(cuboidOf([[1, 0, 0], [0, 0, 0]])).dimensions).toEqual([]);
    // A row order the build did not write is never narrowed as if it were sorted.
    const unsorted = cuboidOf([[1, 0, 0], [0, 0, 0], [1, 0, 0]]);
    expect(narrowBySort(sortOrder(unsorted), (dimension) => unsorted.codes[dimension]!, new Map([['a', Uint8Array.of(1, 0)]]), 3)).toBeUndefined();
  });
});
