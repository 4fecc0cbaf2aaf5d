import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LevelIndex } from '../../src/engine/levelIndex.ts';
import { orderRows } from '../../src/engine/orderRows.ts';
import type { ResolvedOrder } from '../../src/engine/resolveQuery.ts';
import { OTHERS_CODE } from '../../src/engine/rowTable.ts';
import type { DimensionModel, LevelModel } from '../../src/model/types.ts';

const level: LevelModel = { name: 'member', expr: 'm', sortExpr: 'm', order: 'text' };
const dimension: DimensionModel = { name: 'd', levels: [level], hierarchies: [{ name: 'd', levels: ['member'] }], finest: 'member', parents: { member: [] }, isTime: false };

describe('orderRows', () => {
  it('puts the same rows first when asked for only the first page', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ code: fc.integer({ min: 0, max: 9 }), value: fc.oneof(fc.double({ noNaN: true, min: -5, max: 5 }), fc.constant(Number.NaN), fc.integer({ min: -3, max: 3 })) }), { maxLength: 400 }),
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        (rows, wanted, desc) => {
          const members = ['a', 'b', null, 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
          const index = new LevelIndex(dimension, level, members);
          const table = {
            size: rows.length,
            codes: [Int32Array.from(rows, (row) => row.code)],
            columns: [Float64Array.from(rows, (row) => row.value)],
          };
          const order: ResolvedOrder[] = [{ kind: 'measure', column: 0, desc }];
          const full = Array.from(orderRows(order, [index], table));
          const first = Array.from(orderRows(order, [index], table, wanted));
          expect(first.length).toBeGreaterThanOrEqual(Math.min(wanted, rows.length));
          expect(first.slice(0, wanted)).toEqual(full.slice(0, wanted));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('orders members naturally either way, with NULL and Others last, and breaks ties by level', () => {
    const index = new LevelIndex(dimension, level, ['a', 'b', 'c', null]);
    const codes = Int32Array.of(1, 3, OTHERS_CODE, 0, 2);
    const table = { size: 5, codes: [codes], columns: [Float64Array.of(5, 1, 5, Number.NaN, 5)] };
    const membersOf = (rows: Int32Array) => Array.from(rows, (row) => (codes[row] === OTHERS_CODE ? 'Others' : index.members[codes[row]!]));
    expect(membersOf(orderRows([{ kind: 'level', group: 0, desc: false }], [index], table))).toEqual(['a', 'b', 'c', null, 'Others']);
    expect(membersOf(orderRows([{ kind: 'level', group: 0, desc: true }], [index], table))).toEqual(['c', 'b', 'a', null, 'Others']);
    // Equal measures fall back to the members' natural order; a null measure comes last either way.
    expect(membersOf(orderRows([{ kind: 'measure', column: 0, desc: true }], [index], table))).toEqual(['b', 'c', 'Others', null, 'a']);
    expect(membersOf(orderRows([{ kind: 'measure', column: 0, desc: false }], [index], table))).toEqual([null, 'b', 'c', 'Others', 'a']);
  });
});
