import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CubeError } from '../../src/errors.ts';
import type { CubeModel, CuboidLevels } from '../../src/model/types.ts';
import { cuboidLattice } from '../../src/plan/cuboidLattice.ts';
import { estimateRows } from '../../src/plan/estimateRows.ts';
import { cuboidName, levelsCover } from '../../src/plan/levels.ts';
import { planCuboids } from '../../src/plan/planCuboids.ts';
import type { PlanStats } from '../../src/plan/types.ts';
import { BANK_CARDINALITY, bankLikeModel, dimension, planModel } from './fixtures.ts';

const bankStats: PlanStats = { sourceRows: 20_000_000, cardinality: BANK_CARDINALITY };

/** HRU greedy written the slow, obvious way: every (candidate, query) pair checked with levelsCover. */
function naiveGreedy(model: CubeModel, stats: PlanStats): string[] {
  const { mandatory, hierarchy, rowBudget, maxCuboids } = model.aggregation;
  const options = model.dimensions.map((dim) => {
    const levels = hierarchy.includes(dim.name) ? dim.hierarchies[0]!.levels : dim.levels.map((level) => level.name);
    return mandatory.includes(dim.name) ? levels : [undefined, ...levels];
  });
  let candidates: CuboidLevels[] = [{}];
  // First dimension varies fastest, as in the lattice.
  options.forEach((levels, d) => {
    candidates = levels.flatMap((level) => candidates.map((cuboid) => (level === undefined ? cuboid : { ...cuboid, [model.dimensions[d]!.name]: level })));
  });
  candidates = sortLikeLattice(candidates, model, options);
  const size = candidates.map((cuboid) => Math.max(1, estimateRows(model, cuboid, stats)));
  const cost = candidates.map(() => Math.max(1, stats.sourceRows));
  const taken = new Set<number>();
  const chosen: string[] = [];
  let budget = rowBudget;
  while (chosen.length < maxCuboids) {
    let best = -1;
    let bestRatio = 0;
    candidates.forEach((cuboid, v) => {
      if (taken.has(v) || size[v]! > budget) return;
      let benefit = 0;
      candidates.forEach((query, w) => {
        if (levelsCover(model, cuboid, query)) benefit += Math.max(0, cost[w]! - size[v]!);
      });
      if (benefit / size[v]! > bestRatio) {
        best = v;
        bestRatio = benefit / size[v]!;
      }
    });
    if (best < 0) break;
    taken.add(best);
    budget -= size[best]!;
    candidates.forEach((query, w) => {
      if (levelsCover(model, candidates[best]!, query)) cost[w] = Math.min(cost[w]!, size[best]!);
    });
    chosen.push(cuboidName(model, candidates[best]!));
  }
  return chosen;
}

function sortLikeLattice(candidates: CuboidLevels[], model: CubeModel, options: (string | undefined)[][]): CuboidLevels[] {
  const index = (cuboid: CuboidLevels) =>
    model.dimensions.reduce(
      (acc, dim, d) => {
        const digit = options[d]!.indexOf(cuboid[dim.name]);
        return { value: acc.value + digit * acc.stride, stride: acc.stride * options[d]!.length };
      },
      { value: 0, stride: 1 },
    ).value;
  return [...candidates].sort((a, b) => index(a) - index(b));
}

describe('planCuboids', () => {
  it('keeps explicit cuboids first, once each, with their estimates', () => {
    const model = bankLikeModel({
      auto: false,
      cuboids: [{ levels: { region: 'province', time: 'quarter' } }, { levels: {} }, { levels: { time: 'quarter', region: 'province' } }],
    });
    expect(planCuboids(model, bankStats).cuboids).toEqual([
      {
        name: 'time.quarter+region.province',
        levels: { region: 'province', time: 'quarter' },
        estimatedRows: 240,
        reason: 'explicit',
        partials: ['amount__sum'],
        // 12 quarters before 20 provinces.
        sortedBy: ['time', 'region'],
      },
      { name: 'apex', levels: {}, estimatedRows: 1, reason: 'explicit', partials: ['amount__sum'], sortedBy: [] },
    ]);
  });

  it('adds automatic cuboids under the row budget and the cuboid cap, with their benefit as the reason', () => {
    const model = bankLikeModel({ cuboids: [{ levels: { region: 'branch', time: 'month' } }] });
    const plan = planCuboids(model, bankStats);
    const auto = plan.cuboids.filter((cuboid) => cuboid.reason.startsWith('auto'));
    expect(plan.cuboids[0]!.reason).toBe('explicit');
    expect(auto.length).toBeGreaterThan(5);
    expect(auto.length).toBeLessThanOrEqual(40);
    expect(auto.reduce((total, cuboid) => total + cuboid.estimatedRows, 0)).toBeLessThanOrEqual(1_500_000);
    expect(new Set(plan.cuboids.map((cuboid) => cuboid.name)).size).toBe(plan.cuboids.length);
    for (const cuboid of auto) expect(cuboid.reason).toMatch(/^auto: benefit \d\.\de\+\d+ rows \/ [\d,]+ rows$/);
  });

  it('never offers levels outside the first hierarchy of a hierarchy dimension', () => {
    const plan = planCuboids(bankLikeModel({ maxCuboids: 200, rowBudget: 1e12 }), bankStats);
    expect(plan.cuboids.some((cuboid) => cuboid.levels.time === 'week')).toBe(false);
    expect(plan.cuboids.some((cuboid) => cuboid.levels.segment === 'type')).toBe(true);
  });

  it('groups mandatory dimensions in every automatic cuboid, and joint dimensions together or not at all', () => {
    const model = bankLikeModel({ mandatory: ['time'], joint: [['channel', 'txn_type']], maxCuboids: 100, rowBudget: 1e9 });
    const plan = planCuboids(model, bankStats);
    expect(plan.cuboids.length).toBeGreaterThan(20);
    for (const cuboid of plan.cuboids) {
      expect(cuboid.levels.time, cuboid.name).toBeDefined();
      expect(cuboid.levels.channel === undefined, cuboid.name).toBe(cuboid.levels.txn_type === undefined);
    }
    expect(cuboidLattice(model).levels.length).toBe(4 * 5 * 3 * 4 * 2 * 2);
  });

  it('stops when nothing fits the budget or nothing saves rows', () => {
    expect(planCuboids(bankLikeModel({ rowBudget: 0 }), bankStats).cuboids).toEqual([]);
    const tiny = planModel([dimension('channel', [['channel']])], { rowBudget: 100, maxCuboids: 10 });
    const plan = planCuboids(tiny, { sourceRows: 1000, cardinality: { 'channel.channel': 5 } });
    // The apex saves the most per row; then the channel cuboid; nothing else is left to save.
    expect(plan.cuboids.map((cuboid) => cuboid.name)).toEqual(['apex', 'channel.channel']);
  });

  it('agrees with a naive greedy on random models', () => {
    const dims = fc.array(
      fc.record({ depth: fc.integer({ min: 1, max: 3 }), weekly: fc.boolean(), mandatory: fc.boolean(), pruned: fc.boolean() }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(
        dims,
        fc.array(fc.integer({ min: 2, max: 50_000 }), { minLength: 16, maxLength: 16 }),
        fc.integer({ min: 1_000, max: 10_000_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 1, max: 8 }),
        (specs, cards, sourceRows, rowBudget, maxCuboids) => {
          const dimensions = specs.map((spec, d) => {
            const chain = Array.from({ length: spec.depth }, (_, level) => `l${level}`);
            return dimension(`d${d}`, spec.weekly ? [chain, ['w', chain.at(-1)!]] : [chain]);
          });
          const model = planModel(dimensions, {
            rowBudget,
            maxCuboids,
            mandatory: specs.flatMap((spec, d) => (spec.mandatory ? [`d${d}`] : [])),
            hierarchy: specs.flatMap((spec, d) => (spec.pruned ? [`d${d}`] : [])),
          });
          const cardinality: Record<string, number> = {};
          let next = 0;
          for (const dim of dimensions) for (const level of dim.levels) cardinality[`${dim.name}.${level.name}`] = cards[next++ % cards.length]!;
          const stats = { sourceRows, cardinality };
          expect(planCuboids(model, stats).cuboids.map((cuboid) => cuboid.name)).toEqual(naiveGreedy(model, stats));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('plans ~3,000 candidates well under a second', () => {
    const model = bankLikeModel({ hierarchy: [], maxCuboids: 60, rowBudget: 5_000_000 });
    const started = performance.now();
    const plan = planCuboids(model, { ...bankStats, cardinality: { ...BANK_CARDINALITY } });
    const elapsed = performance.now() - started;
    expect(cuboidLattice(model).levels.length).toBe(2880);
    expect(plan.cuboids.length).toBeGreaterThan(10);
    expect(elapsed).toBeLessThan(500);
  });

  it('refuses a lattice too large to search, pointing at the pruning options', () => {
    const many = planModel(Array.from({ length: 9 }, (_, d) => dimension(`d${d}`, [['a', 'b', 'c', 'd']])));
    const error = (() => {
      try {
        planCuboids(many, { sourceRows: 1000, cardinality: {} });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(CubeError);
    expect((error as CubeError).path).toBe('cubes.bank.aggregation');
    expect((error as CubeError).hint).toContain('mandatory');
  });
});

describe('estimateRows', () => {
  it('is 1 for the apex and never more than the rows or the member product', () => {
    const model = bankLikeModel();
    expect(estimateRows(model, {}, bankStats)).toBe(1);
    expect(estimateRows(model, { time: 'year', region: 'region' }, bankStats)).toBe(12);
    const fine = estimateRows(model, { time: 'day', region: 'branch', segment: 'customer' }, bankStats);
    expect(fine).toBeLessThanOrEqual(20_000_000);
    expect(fine).toBeGreaterThan(19_000_000);
    expect(estimateRows(model, { time: 'day' }, { sourceRows: 0, cardinality: BANK_CARDINALITY })).toBe(0);
  });
});

describe('explicit cuboids holding some measures', () => {
  const withMeasures = (aggregation: Parameters<typeof bankLikeModel>[0]): CubeModel => ({
    ...bankLikeModel(aggregation),
    measures: [
      { name: 'amount', agg: 'sum', expr: 'f.amount' },
      { name: 'balance', agg: 'max', expr: 'f.balance' },
      { name: 'customers', agg: 'count_distinct', expr: 'f.customer_id' },
    ],
    security: { roles: [{ name: 'branch_head', rows: [{ dimension: 'region', level: 'branch', claim: 'branch' }], hiddenMeasures: [], hiddenDimensions: [] }] },
  });

  it('store only the partials of the measures listed, in their security variants too (none when nothing is left); the same levels listed twice hold both lists', () => {
    const plan = planCuboids(
      withMeasures({
        auto: false,
        cuboids: [
          { levels: { region: 'province' }, measures: ['balance'] },
          { levels: { time: 'year' }, measures: ['customers'] },
          { levels: { region: 'province' }, measures: ['amount'] },
          { levels: { time: 'month' } },
        ],
      }),
      bankStats,
    );
    const partials = Object.fromEntries(plan.cuboids.map((cuboid) => [cuboid.name, cuboid.partials]));
    expect(partials).toEqual({
      'region.province': ['amount__sum', 'balance__max'],
      'time.year': ['customers__distinct'],
      'time.month': ['amount__sum', 'balance__max', 'customers__distinct'],
      'region.branch': ['amount__sum', 'balance__max'],
      'time.month+region.branch': ['amount__sum', 'balance__max'],
    });
  });

  it('do not spare automatic cuboids the roll-ups they cannot answer for every measure', () => {
    const stats = bankStats;
    const partial = planCuboids(withMeasures({ cuboids: [{ levels: { time: 'day', region: 'branch' }, measures: ['amount'] }] }), stats);
    const complete = planCuboids(withMeasures({ cuboids: [{ levels: { time: 'day', region: 'branch' } }] }), stats);
    const automatic = (plan: typeof partial) => plan.cuboids.filter((cuboid) => cuboid.reason.startsWith('auto')).map((cuboid) => cuboid.name);
    // A complete explicit cuboid already answers its roll-ups cheaply; one holding only amount does not.
    expect(automatic(partial)).not.toEqual(automatic(complete));
  });
});

describe('security levels', () => {
  const secured = (aggregation: Parameters<typeof bankLikeModel>[0]): CubeModel => ({
    ...bankLikeModel(aggregation),
    security: {
      roles: [
        { name: 'head_office', rows: [], hiddenMeasures: [], hiddenDimensions: [] },
        { name: 'branch_head', rows: [{ dimension: 'region', level: 'branch', claim: 'branch' }], hiddenMeasures: [], hiddenDimensions: [] },
        { name: 'account_manager', rows: [{ dimension: 'manager', level: 'manager', claim: 'manager' }], hiddenMeasures: [], hiddenDimensions: [] },
      ],
    },
  });

  it('gives every explicit cuboid a variant holding each restricting role’s level', () => {
    const explicit: CuboidLevels[] = [{ region: 'province', time: 'quarter' }, { segment: 'customer', time: 'year' }, { region: 'branch', time: 'month' }];
    const plan = planCuboids(secured({ auto: false, cuboids: explicit.map((levels) => ({ levels })) }), bankStats);
    const names = plan.cuboids.map((cuboid) => cuboid.name);
    expect(names).toEqual([
      'time.quarter+region.province',
      'time.year+segment.customer',
      'time.month+region.branch',
      'time.quarter+region.branch',
      'time.year+region.branch+segment.customer',
      'time.quarter+region.province+manager.manager',
      'time.year+segment.customer+manager.manager',
      'time.month+region.branch+manager.manager',
    ]);
    for (const cuboid of plan.cuboids.slice(3)) expect(cuboid.reason).toMatch(/^security: role (branch_head|account_manager)$/);
  });

  it('without explicit cuboids, plans the restricting levels alone', () => {
    const names = planCuboids(secured({ auto: false }), bankStats).cuboids.map((cuboid) => cuboid.name);
    expect(names).toEqual(['region.branch', 'manager.manager']);
  });
});
