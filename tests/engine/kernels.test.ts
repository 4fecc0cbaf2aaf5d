import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRASH_SLOTS, foldHll, foldLast, foldMax, foldMin, foldNone, foldSum } from '../../src/engine/foldKernels.ts';
import { compareText } from '../../src/engine/filterMask.ts';
import { groupRows, type GroupKey } from '../../src/engine/groupRows.ts';
import { HLL_REGISTERS } from '../../src/model/partials.ts';

/** Kernels against plain reference loops over ordinary arrays. */

const groupsAndValues = fc
  .integer({ min: 1, max: 8 })
  .chain((size) =>
    fc.record({
      size: fc.constant(size),
      rows: fc.array(
        fc.record({
          group: fc.integer({ min: -1, max: size - 1 }),
          value: fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(NaN)),
          period: fc.integer({ min: 0, max: 5 }),
        }),
        { maxLength: 60 },
      ),
    }),
  );

function referenceBy<T>(size: number, rows: { group: number }[], start: T, step: (sofar: T, row: number) => T): T[] {
  const out = Array.from({ length: size }, () => start);
  rows.forEach(({ group }, row) => {
    if (group >= 0) out[group] = step(out[group]!, row);
  });
  return out;
}

describe('fold kernels', () => {
  it('sum, min, max and none agree with reference loops', () => {
    fc.assert(
      fc.property(groupsAndValues, ({ size, rows }) => {
        const groupOf = Int32Array.from(rows, (row) => row.group);
        const finite = rows.map((row) => (Number.isNaN(row.value) ? 0 : row.value));
        const values = Float64Array.from(finite);

        // Value targets carry trash slots after the groups' for left-out rows.
        const sum = new Float64Array(size + TRASH_SLOTS);
        foldSum(values, groupOf, sum);
        const expectedSum = referenceBy(size, rows, 0, (sofar, row) => sofar + finite[row]!);
        expectedSum.forEach((value, group) => expect(sum[group]).toBeCloseTo(value, 6));

        const withNaN = Float64Array.from(rows, (row) => row.value);
        const min = new Float64Array(size + TRASH_SLOTS).fill(NaN);
        const max = new Float64Array(size + TRASH_SLOTS).fill(NaN);
        foldMin(withNaN, groupOf, min);
        foldMax(withNaN, groupOf, max);
        const present = (row: number) => !Number.isNaN(rows[row]!.value);
        const expectedMin = referenceBy(size, rows, NaN, (sofar, row) =>
          !present(row) ? sofar : Number.isNaN(sofar) ? rows[row]!.value : Math.min(sofar, rows[row]!.value),
        );
        const expectedMax = referenceBy(size, rows, NaN, (sofar, row) =>
          !present(row) ? sofar : Number.isNaN(sofar) ? rows[row]!.value : Math.max(sofar, rows[row]!.value),
        );
        expect(Array.from(min.subarray(0, size))).toEqual(expectedMin);
        expect(Array.from(max.subarray(0, size))).toEqual(expectedMax);

        const none = new Float64Array(size).fill(NaN);
        foldNone(values, groupOf, none);
        const counts = referenceBy(size, rows, 0, (sofar) => sofar + 1);
        counts.forEach((count, group) => {
          if (count === 1) expect(none[group]).toBe(finite[rows.findIndex((row) => row.group === group)]);
          else expect(none[group]).toBeNaN();
        });
      }),
    );
  });

  it('last keeps the sum of the values at the latest period of each group', () => {
    fc.assert(
      fc.property(groupsAndValues, ({ size, rows }) => {
        const groupOf = Int32Array.from(rows, (row) => row.group);
        const values = Float64Array.from(rows, (row) => (Number.isNaN(row.value) ? 1 : row.value));
        const periods = Float64Array.from(rows, (row) => row.period);
        const value = new Float64Array(size + TRASH_SLOTS);
        const period = new Float64Array(size + TRASH_SLOTS).fill(-Infinity);
        foldLast(values, periods, groupOf, value, period);
        for (let group = 0; group < size; group++) {
          const members = rows.map((row, index) => ({ ...row, index })).filter((row) => row.group === group);
          if (members.length === 0) continue;
          const latest = Math.max(...members.map((row) => row.period));
          const expected = members.filter((row) => row.period === latest).reduce((total, row) => total + values[row.index]!, 0);
          expect(period[group]).toBe(latest);
          expect(value[group]).toBeCloseTo(expected, 6);
        }
      }),
    );
  });

  it('merges HLL registers by a per-register maximum', () => {
    const rows = 5;
    const source = Uint8Array.from({ length: rows * HLL_REGISTERS }, (_, index) => (index * 37) % 23);
    const groupOf = Int32Array.from([0, 1, 0, -1, 1]);
    const target = new Uint8Array(2 * HLL_REGISTERS);
    foldHll(source, groupOf, target);
    for (let register = 0; register < HLL_REGISTERS; register++) {
      const at = (row: number) => source[row * HLL_REGISTERS + register]!;
      expect(target[register]).toBe(Math.max(at(0), at(2)));
      expect(target[HLL_REGISTERS + register]).toBe(Math.max(at(1), at(4)));
    }
  });
});

describe('groupRows', () => {
  const keysArbitrary = fc
    .array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 3 })
    .chain((cardinalities) =>
      fc.record({
        cardinalities: fc.constant(cardinalities),
        rows: fc.array(fc.tuple(...cardinalities.map((cardinality) => fc.integer({ min: 0, max: cardinality - 1 }))), {
          maxLength: 80,
        }),
        maskBits: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        rejectEvery: fc.integer({ min: 0, max: 5 }),
        // 0: the first key is grouped as stored; otherwise rolled up to `code % rollTo`.
        rollTo: fc.integer({ min: 0, max: 3 }),
      }),
    );

  /**
   * Reference: group rows by their (rolled-up) codes in a Map keyed by text. `compacted`
   * puts the mask on the last key's own codes, with a key space too large to index
   * directly until the mask narrows it; `settled` also leaves the rows it drops out of
   * the scanned ranges, as narrowing by sort order does.
   */
  function check(force: 'direct' | 'hashed' | 'compacted' | 'settled') {
    fc.assert(
      fc.property(keysArbitrary, ({ cardinalities, rows, maskBits, rejectEvery, rollTo }) => {
        const map = rollTo === 0 ? null : Int32Array.from({ length: 6 }, (_, code) => code % rollTo);
        const last = cardinalities.length - 1;
        const keys: GroupKey[] = cardinalities.map((cardinality, k) => ({
          codes: Int32Array.from(rows, (row) => (row as number[])[k]!),
          map: k === 0 ? map : null,
          // A huge declared cardinality on the last key forces the hashed path.
          cardinality: force !== 'direct' && k === last ? (force === 'hashed' ? 1 << 24 : 70_000) : k === 0 && rollTo > 0 ? rollTo : cardinality,
        }));
        const onKey = (force === 'compacted' || force === 'settled') && last > 0;
        const mask = Uint8Array.from(maskBits, Number);
        const maskCodes = onKey ? keys[last]!.codes : Int32Array.from(rows, (_, index) => index % 6);
        const masked = (index: number) => maskBits[maskCodes[index]!]!;
        // Without a reject step a single key and mask take the fused path; with one, the general one.
        const reject = (target: Int32Array) => {
          for (let row = 0; row < target.length; row += rejectEvery) target[row] = -1;
        };
        const settled = force === 'settled' && onKey;
        const ranges = Int32Array.from(rows.flatMap((_, index) => (!settled || masked(index) ? [index, index + 1] : [])));
        const grouping = groupRows(
          keys,
          rows.length,
          {
            masks: settled ? [] : [{ codes: maskCodes, mask }],
            settled: settled ? [{ codes: maskCodes, mask }] : [],
            ...(rejectEvery > 0 ? { reject } : {}),
          },
          new Int32Array(rows.length),
          ranges,
        );

        const expected = new Map<string, number[]>();
        rows.forEach((row, index) => {
          if (rejectEvery > 0 && index % rejectEvery === 0) return;
          if (!masked(index)) return;
          const codes = (row as number[]).map((code, k) => (k === 0 && rollTo > 0 ? code % rollTo : code));
          const key = codes.join(',');
          expected.set(key, [...(expected.get(key) ?? []), index]);
        });
        const actual = new Map<string, number[]>();
        rows.forEach((_, index) => {
          if (settled && !masked(index)) return;
          const group = grouping.groupOf[index]!;
          if (group < 0) return;
          const key = grouping.codes.map((codes) => codes[group]).join(',');
          actual.set(key, [...(actual.get(key) ?? []), index]);
        });
        if (cardinalities.length === 0) {
          expect(grouping.size).toBe(1);
        } else {
          expect(grouping.size).toBe(expected.size);
        }
        expect(actual).toEqual(expected);
      }),
    );
  }

  it('groups like a reference Map on the direct path', () => check('direct'));
  it('groups like a reference Map on the hashed path', () => check('hashed'));
  it('groups like a reference Map when a mask on a key makes its space small enough to index', () => check('compacted'));
  it('groups like a reference Map when that mask is settled by the scanned ranges', () => check('settled'));

  it('grows the hash table past its first capacity', () => {
    const rows = 50_000;
    const codes = Int32Array.from({ length: rows }, (_, row) => (row * 7919) % 20_000);
    const grouping = groupRows([{ codes, map: null, cardinality: 1 << 30 }], rows);
    expect(grouping.size).toBe(20_000);
    for (let row = 0; row < rows; row += 997) expect(grouping.codes[0]![grouping.groupOf[row]!]).toBe(codes[row]);
  });
});

describe('compareText', () => {
  it('orders by code point, as UTF-8 bytes do', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        expect(Math.sign(compareText(a, b))).toBe(bytes);
      }),
    );
    expect(compareText('ﬀ', '😀')).toBeLessThan(0);
  });
});
