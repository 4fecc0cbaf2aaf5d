import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dice, drillDown, rollUp, slice } from '../../src/engine/index.ts';
import { CubeError } from '../../src/errors.ts';
import { CubeQuerySchema, type CubeQuery, type CubeQueryInput } from '../../src/model/query.ts';
import { shopCubes } from './fixtures/shopWarehouse.ts';

const model = shopCubes('unused.duckdb').find((cube) => cube.name === 'sales')!;
const query = (input: Partial<CubeQueryInput> = {}): CubeQuery => CubeQuerySchema.parse({ cube: 'sales', measures: ['amount'], ...input });

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function errorOf(run: () => unknown): CubeError {
  try {
    run();
  } catch (error) {
    if (error instanceof CubeError) return error;
    throw error;
  }
  throw new Error('expected a CubeError');
}

describe('drillDown', () => {
  it('goes from all to the top level, then one level finer along the first hierarchy', () => {
    let current = deepFreeze(query());
    const path: string[] = [];
    for (let step = 0; step < 4; step++) {
      current = drillDown(current, model, { dimension: 'time' });
      path.push(current.levels.time!);
    }
    expect(path).toEqual(['year', 'quarter', 'month', 'day']);
    const error = errorOf(() => drillDown(current, model, { dimension: 'time' }));
    expect(error.code).toBe('OPERATION_INVALID');
  });

  it('follows a named hierarchy', () => {
    const week = drillDown(query(), model, { dimension: 'time', hierarchy: 'iso_week' });
    expect(week.levels).toEqual({ time: 'week' });
    expect(drillDown(week, model, { dimension: 'time' }).levels).toEqual({ time: 'day' });
    expect(errorOf(() => drillDown(query({ levels: { time: 'month' } }), model, { dimension: 'time', hierarchy: 'iso_week' })).code).toBe(
      'OPERATION_INVALID',
    );
    expect(errorOf(() => drillDown(query(), model, { dimension: 'time', hierarchy: 'fiscal' })).hint).toContain('calendar');
  });

  it('drills into a member with an eq filter on the current level, keeping level order', () => {
    const start = deepFreeze(query({ levels: { store: 'province', channel: 'channel' }, order: [{ by: 'store.province', desc: true }] }));
    const drilled = drillDown(start, model, { dimension: 'store', member: 'Zhejiang' });
    expect(Object.entries(drilled.levels)).toEqual([
      ['store', 'city'],
      ['channel', 'channel'],
    ]);
    expect(drilled.filters).toEqual([{ dimension: 'store', level: 'province', op: 'eq', values: ['Zhejiang'] }]);
    expect(drilled.order).toEqual([{ by: 'store.city', desc: true }]);
    expect(rollUp(drilled, model, { dimension: 'store' })).toEqual(start);
    expect(errorOf(() => drillDown(query(), model, { dimension: 'store', member: 'Zhejiang' })).code).toBe('OPERATION_INVALID');
  });

  it('names the closest dimensions when one is unknown', () => {
    const error = errorOf(() => drillDown(query(), model, { dimension: 'stores' }));
    expect(error).toMatchObject({ code: 'DIMENSION_UNKNOWN', path: 'dimension' });
    expect(error.hint).toContain('store');
  });
});

describe('rollUp', () => {
  it('goes one level coarser, then to all, dropping orders and topN on the dimension', () => {
    const start = query({
      levels: { store: 'city', time: 'year' },
      order: [{ by: 'store', desc: false }, { by: 'amount', desc: true }],
      topN: { dimension: 'store', n: 3, by: 'amount' },
    });
    const province = rollUp(start, model, { dimension: 'store' });
    expect(province.levels).toEqual({ store: 'province', time: 'year' });
    expect(province.topN).toBeDefined();
    const all = rollUp(province, model, { dimension: 'store' });
    expect(all.levels).toEqual({ time: 'year' });
    expect(all.order).toEqual([{ by: 'amount', desc: true }]);
    expect(all.topN).toBeUndefined();
    expect(errorOf(() => rollUp(all, model, { dimension: 'store' })).code).toBe('OPERATION_INVALID');
  });

  it('inverts drillDown for every dimension and level', () => {
    const dimensions = model.dimensions;
    fc.assert(
      fc.property(
        fc.constantFrom(...dimensions),
        fc.nat(),
        fc.option(fc.constantFrom('a', null), { nil: undefined }),
        (dimension, pick, member) => {
          const hierarchy = dimension.hierarchies[pick % dimension.hierarchies.length]!;
          const at = pick % hierarchy.levels.length;
          const level = hierarchy.levels[at]!;
          if (at === hierarchy.levels.length - 1) return;
          const start = query({ levels: { [dimension.name]: level } });
          const drilled = drillDown(start, model, { dimension: dimension.name, hierarchy: hierarchy.name, ...(member === undefined ? {} : { member }) });
          expect(drilled.levels[dimension.name]).toBe(hierarchy.levels[at + 1]);
          expect(rollUp(drilled, model, { dimension: dimension.name, hierarchy: hierarchy.name })).toEqual(start);
        },
      ),
    );
  });
});

describe('slice and dice', () => {
  it('slice fixes a member, ungroups the dimension and replaces a filter on the same level', () => {
    const start = deepFreeze(
      query({
        levels: { store: 'city', channel: 'channel' },
        filters: [
          { dimension: 'store', level: 'province', op: 'eq', values: ['Sichuan'] },
          { dimension: 'channel', level: 'channel', op: 'ne', values: [null] },
        ],
      }),
    );
    const sliced = slice(start, model, { dimension: 'store', level: 'province', member: 'Zhejiang' });
    expect(sliced.levels).toEqual({ channel: 'channel' });
    expect(sliced.filters).toEqual([
      { dimension: 'channel', level: 'channel', op: 'ne', values: [null] },
      { dimension: 'store', level: 'province', op: 'eq', values: ['Zhejiang'] },
    ]);
    expect(errorOf(() => slice(start, model, { dimension: 'store', level: 'town', member: 'x' })).code).toBe('LEVEL_UNKNOWN');
  });

  it('dice restricts several dimensions, replacing only filters on the same levels', () => {
    const nested = { or: [{ dimension: 'store', level: 'province', op: 'eq' as const, values: ['Sichuan'] }] };
    const start = query({ filters: [{ dimension: 'size', level: 'qty', op: 'gt', values: ['3'] }, nested] });
    const diced = dice(start, model, {
      filters: [
        { dimension: 'size', level: 'qty', op: 'lte', values: ['9'] },
        { dimension: 'time', level: 'year', op: 'eq', values: ['2024'] },
      ],
    });
    expect(diced.filters).toEqual([
      nested,
      { dimension: 'size', level: 'qty', op: 'lte', values: ['9'] },
      { dimension: 'time', level: 'year', op: 'eq', values: ['2024'] },
    ]);
    const error = errorOf(() => dice(start, model, { filters: [{ dimension: 'tim', level: 'year', op: 'eq', values: ['2024'] }] }));
    expect(error).toMatchObject({ code: 'DIMENSION_UNKNOWN', path: 'filters[0].dimension' });
  });
});
