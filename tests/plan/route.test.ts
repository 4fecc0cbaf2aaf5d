import { describe, expect, it } from 'vitest';
import { partialsOf } from '../../src/model/partials.ts';
import type { CubeModel, DimensionModel, MeasureModel } from '../../src/model/types.ts';
import { routeQuery, type RouteCuboid, type RouteRequest } from '../../src/plan/route.ts';

const time: DimensionModel = {
  name: 'time',
  levels: ['year', 'quarter', 'month', 'week', 'day'].map((name) => ({ name, expr: name, sortExpr: name, order: 'time' as const })),
  hierarchies: [
    { name: 'calendar', levels: ['year', 'quarter', 'month', 'day'] },
    { name: 'iso_week', levels: ['week', 'day'] },
  ],
  finest: 'day',
  parents: { day: ['month', 'week'], month: ['quarter'], quarter: ['year'], year: [], week: [] },
  isTime: true,
};
const region: DimensionModel = {
  name: 'region',
  levels: ['region', 'province', 'city'].map((name) => ({ name, expr: name, sortExpr: name, order: 'text' as const })),
  hierarchies: [{ name: 'geo', levels: ['region', 'province', 'city'] }],
  finest: 'city',
  parents: { city: ['province'], province: ['region'], region: [] },
  isTime: false,
};
const measures: MeasureModel[] = [
  { name: 'amount', agg: 'sum', expr: 'amount' },
  { name: 'customers', agg: 'count_distinct', expr: 'customer' },
  { name: 'visitors', agg: 'count_distinct_approx', expr: 'customer' },
];
const model: CubeModel = {
  name: 'shop',
  file: 'shop.yaml',
  hash: 'x',
  source: { kind: 'table', database: 'w.duckdb', table: 'f', alias: 'f' },
  joins: [],
  dimensions: [time, region],
  measures,
  aggregation: { cuboids: [], auto: false, rowBudget: 0, mandatory: [], joint: [], hierarchy: [], maxCuboids: 0 },
};
const allColumns = new Set(measures.flatMap(partialsOf).map((partial) => partial.column));
const cuboid = (name: string, levels: Record<string, string>, rows: number, columns = allColumns): RouteCuboid => ({
  name,
  levels,
  rows,
  columns,
});
const cuboids = [
  cuboid('apex', {}, 1),
  cuboid('month+city', { time: 'month', region: 'city' }, 5000),
  cuboid('quarter+province', { time: 'quarter', region: 'province' }, 400),
  cuboid('day+city', { time: 'day', region: 'city' }, 90_000),
  cuboid('week', { time: 'week' }, 100),
];
const request = (overrides: Partial<RouteRequest>): RouteRequest => ({
  levels: {},
  filterLevels: {},
  partials: partialsOf(measures[0]!),
  recombined: new Set(),
  forceSource: false,
  ...overrides,
});

describe('routeQuery', () => {
  it('chooses the covering cuboid with the fewest rows and explains every other', () => {
    const route = routeQuery(model, request({ levels: { time: 'year', region: 'region' } }), cuboids);
    expect(route.cuboid).toBe('quarter+province');
    expect(route.exact).toBe(true);
    const byName = Object.fromEntries(route.explain.map((entry) => [entry.cuboid, entry]));
    expect(byName['apex']!.reason).toBe('time at all cannot answer the group level time.year');
    expect(byName['month+city']).toMatchObject({ covers: true, chosen: false });
    expect(byName['month+city']!.reason).toContain('more rows than quarter+province');
    expect(byName['quarter+province']).toMatchObject({ covers: true, chosen: true });
    expect(byName['week']!.reason).toBe('time at week does not roll up to the group level time.year');
  });

  it('needs the filter levels covered too, even on ungrouped dimensions', () => {
    const route = routeQuery(model, request({ levels: { time: 'year' }, filterLevels: { region: ['city'] } }), cuboids);
    expect(route.cuboid).toBe('month+city');
    const reasons = Object.fromEntries(route.explain.map((entry) => [entry.cuboid, entry.reason]));
    expect(reasons['quarter+province']).toBe('region at province is coarser than the filter on region.city');
    expect(reasons['apex']).toBe('time at all cannot answer the group level time.year');
  });

  it('routes weeks only to cuboids at week or day', () => {
    expect(routeQuery(model, request({ levels: { time: 'week' } }), cuboids).cuboid).toBe('week');
    expect(routeQuery(model, request({ filterLevels: { time: ['week', 'month'] } }), cuboids).cuboid).toBe('day+city');
  });

  it('answers an exact distinct count only from a cuboid at exactly the query grain', () => {
    const distinct = partialsOf(measures[1]!);
    const atGrain = routeQuery(model, request({ levels: { time: 'quarter', region: 'province' }, partials: distinct }), cuboids);
    expect(atGrain.cuboid).toBe('quarter+province');
    const coarser = routeQuery(model, request({ levels: { time: 'year' }, partials: distinct }), cuboids);
    expect(coarser.cuboid).toBeNull();
    expect(coarser.explain.find((entry) => entry.cuboid === 'quarter+province')!.reason).toBe(
      "customers is an exact distinct count: needs the query's grain, but time is at quarter, not year",
    );
    const filtered = routeQuery(
      model,
      request({ levels: { time: 'quarter', region: 'province' }, filterLevels: { time: ['year'], region: ['region'] }, partials: distinct }),
      cuboids,
    );
    expect(filtered.cuboid).toBe('quarter+province');
    const recombined = routeQuery(
      model,
      request({ levels: { time: 'quarter', region: 'province' }, partials: distinct, recombined: new Set(['customers']) }),
      cuboids,
    );
    expect(recombined.cuboid).toBeNull();
    expect(recombined.explain.find((entry) => entry.cuboid === 'quarter+province')!.reason).toContain('cannot be recombined');
  });

  it('answers an exact distinct count at its grain only from a cuboid that stores it', () => {
    const distinct = partialsOf(measures[1]!);
    const withoutDistinct = new Set([...allColumns].filter((column) => column !== 'customers__distinct'));
    const atGrain = request({ levels: { time: 'quarter', region: 'province' }, partials: [...partialsOf(measures[0]!), ...distinct] });
    const lacking = routeQuery(model, atGrain, [cuboid('apex', {}, 1), cuboid('quarter+province', { time: 'quarter', region: 'province' }, 400, withoutDistinct)]);
    expect(lacking.cuboid).toBeNull();
    expect(lacking.explain[1]!.reason).toBe(
      'customers is an exact distinct count, which only the cuboids listed in the definition store; this one does not',
    );
    // A finer cuboid without it still answers the other measures of other queries.
    const sums = routeQuery(model, request({ levels: { time: 'year' } }), [cuboid('quarter+province', { time: 'quarter', region: 'province' }, 400, withoutDistinct)]);
    expect(sums.cuboid).toBe('quarter+province');
  });

  it('marks approximate distinct counts from cuboids inexact', () => {
    const route = routeQuery(model, request({ levels: { time: 'year' }, partials: partialsOf(measures[2]!) }), cuboids);
    expect(route).toMatchObject({ cuboid: 'quarter+province', exact: false });
    const source = routeQuery(model, request({ partials: partialsOf(measures[2]!), forceSource: true }), cuboids);
    expect(source).toMatchObject({ cuboid: null, exact: true });
  });

  it('rejects cuboids lacking a partial, and every cuboid when the source is asked for', () => {
    const partial = routeQuery(model, request({}), [cuboid('bare', {}, 1, new Set())]);
    expect(partial.cuboid).toBeNull();
    expect(partial.explain[0]!.reason).toBe('lacks the partial amount__sum of amount');
    const forced = routeQuery(model, request({ forceSource: true }), cuboids);
    expect(forced.cuboid).toBeNull();
    expect(forced.explain.every((entry) => !entry.chosen)).toBe(true);
    expect(forced.explain[0]).toMatchObject({ covers: true, reason: 'covers, but the query asked for route "source"' });
  });
});
