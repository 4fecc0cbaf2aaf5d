import type { AggregationPolicy, CubeModel, DimensionModel } from '../../src/model/types.ts';

/** A dimension from its hierarchies (coarse → fine), with parents derived as the loader does. */
export function dimension(name: string, hierarchies: string[][], isTime = false): DimensionModel {
  const levels = [...new Set(hierarchies.flat())];
  const parents: Record<string, string[]> = Object.fromEntries(levels.map((level) => [level, []]));
  for (const hierarchy of hierarchies) {
    hierarchy.forEach((level, index) => {
      const parent = hierarchy[index - 1];
      if (parent !== undefined && !parents[level]!.includes(parent)) parents[level]!.push(parent);
    });
  }
  return {
    name,
    levels: levels.map((level) => ({ name: level, expr: `${name}_${level}`, sortExpr: `${name}_${level}`, order: 'text' })),
    hierarchies: hierarchies.map((hierarchyLevels, index) => ({ name: `${name}${index}`, levels: hierarchyLevels })),
    finest: hierarchies[0]!.at(-1)!,
    parents,
    isTime,
  };
}

export function planModel(dimensions: DimensionModel[], aggregation: Partial<AggregationPolicy> = {}): CubeModel {
  return {
    name: 'bank',
    file: 'definitions/bank.yaml',
    hash: '0'.repeat(64),
    source: { kind: 'table', database: 'bank.duckdb', table: 'fact', alias: 'f' },
    joins: [],
    dimensions,
    measures: [{ name: 'amount', agg: 'sum', expr: 'f.amount' }],
    aggregation: { cuboids: [], auto: true, rowBudget: 1_000_000, mandatory: [], joint: [], hierarchy: [], maxCuboids: 20, ...aggregation },
  };
}

/** The bank's transactions cube shape: 7 dimensions, 2,400 candidates with time pruned to its calendar. */
export function bankLikeModel(aggregation: Partial<AggregationPolicy> = {}): CubeModel {
  return planModel(
    [
      dimension('time', [['year', 'quarter', 'month', 'day'], ['week', 'day']], true),
      dimension('region', [['region', 'province', 'city', 'branch']]),
      dimension('product', [['line', 'product']]),
      dimension('segment', [['tier', 'customer'], ['type', 'customer']]),
      dimension('channel', [['channel']]),
      dimension('manager', [['manager']]),
      dimension('txn_type', [['type']]),
    ],
    { hierarchy: ['time'], rowBudget: 1_500_000, maxCuboids: 40, ...aggregation },
  );
}

export const BANK_CARDINALITY: Record<string, number> = {
  'time.year': 3,
  'time.quarter': 12,
  'time.month': 36,
  'time.week': 157,
  'time.day': 1096,
  'region.region': 4,
  'region.province': 20,
  'region.city': 120,
  'region.branch': 600,
  'product.line': 5,
  'product.product': 40,
  'segment.tier': 4,
  'segment.type': 2,
  'segment.customer': 200_000,
  'channel.channel': 5,
  'manager.manager': 900,
  'txn_type.type': 6,
};
