import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LevelIndex } from '../../src/engine/levelIndex.ts';
import { orderRows } from '../../src/engine/orderRows.ts';
import type { ResolvedOrder } from '../../src/engine/resolveQuery.ts';
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
});
