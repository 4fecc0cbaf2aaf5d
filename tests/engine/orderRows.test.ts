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

  it('sorts like a reference comparison of members and values', () => {
    const members = [['x', null, 'y', 'z'], ['p', 'q', 'r', 's', 't', null]];
    const indexes = members.map((list) => new LevelIndex(dimension, level, list));
    const rank = (group: number, code: number) => (code === OTHERS_CODE ? members[group]!.length + 1 : indexes[group]!.rank[code]!);
    const real = (group: number) => members[group]!.filter((member) => member !== null).length;
    const entry = fc.oneof(
      fc.record({ kind: fc.constant('level' as const), group: fc.nat(1), desc: fc.boolean() }),
      fc.record({ kind: fc.constant('measure' as const), column: fc.nat(1), desc: fc.boolean() }),
    );
    const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(Number.NaN), fc.constant(-0), fc.constant(Number.POSITIVE_INFINITY), fc.double({ noNaN: true }));
    const row = fc.tuple(fc.integer({ min: -1, max: 3 }), fc.integer({ min: -1, max: 5 }), value, value);
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), fc.array(entry, { maxLength: 3 }), fc.nat(40), (rows, order, wanted) => {
        const table = {
          size: rows.length,
          codes: [Int32Array.from(rows, (r) => r[0]), Int32Array.from(rows, (r) => r[1])],
          columns: [Float64Array.from(rows, (r) => r[2]), Float64Array.from(rows, (r) => r[3])],
        };
        const compareLevel = (group: number, desc: boolean, a: number, b: number) => {
          const [x, y] = [rank(group, table.codes[group]![a]!), rank(group, table.codes[group]![b]!)];
          return desc && x < real(group) && y < real(group) ? y - x : x - y;
        };
        const compareValue = (column: number, desc: boolean, a: number, b: number) => {
          const [x, y] = [table.columns[column]![a]!, table.columns[column]![b]!];
          if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
          return (desc ? -1 : 1) * (x < y ? -1 : x > y ? 1 : 0);
        };
        const reference = rows
          .map((_, index) => index)
          .sort((a, b) => {
            for (const e of order) {
              const difference = e.kind === 'level' ? compareLevel(e.group, e.desc, a, b) : compareValue(e.column, e.desc, a, b);
              if (difference !== 0) return difference;
            }
            return compareLevel(0, false, a, b) || compareLevel(1, false, a, b) || a - b;
          });
        expect(Array.from(orderRows(order, indexes, table))).toEqual(reference);
        expect(Array.from(orderRows(order, indexes, table, wanted)).slice(0, wanted)).toEqual(reference.slice(0, wanted));
      }),
      { numRuns: 500 },
    );
  });
});
