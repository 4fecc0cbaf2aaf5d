import type { NewCubeVersion } from '../../src/store/index.ts';
import type { CubeModel } from '../../src/model/types.ts';
import { HLL_REGISTERS } from '../../src/model/partials.ts';

/** A two-dimension cube built by hand: what a build would hand the store. */
export function storeModel(hash = 'ab'.repeat(32)): CubeModel {
  return {
    name: 'shop',
    file: 'definitions/shop.yaml',
    hash,
    source: { kind: 'table', database: 'shop.duckdb', table: 'sales', alias: 's' },
    joins: [],
    dimensions: [
      {
        name: 'region',
        levels: [
          { name: 'province', expr: 's.province', sortExpr: 's.province', order: 'text' },
          { name: 'city', expr: 's.city', sortExpr: 's.city', order: 'text' },
        ],
        hierarchies: [{ name: 'region', levels: ['province', 'city'] }],
        finest: 'city',
        parents: { province: [], city: ['province'] },
        isTime: false,
      },
      {
        name: 'channel',
        levels: [{ name: 'channel', expr: 's.channel', sortExpr: 's.channel', order: 'text' }],
        hierarchies: [{ name: 'channel', levels: ['channel'] }],
        finest: 'channel',
        parents: { channel: [] },
        isTime: false,
      },
    ],
    measures: [
      { name: 'amount', agg: 'sum', expr: 's.amount' },
      { name: 'customers', agg: 'count_distinct_approx', expr: 's.customer' },
    ],
    aggregation: { cuboids: [], auto: false, rowBudget: 0, mandatory: [], joint: [], hierarchy: [], maxCuboids: 0 },
  };
}

export function storeVersion(model = storeModel(), seed = 1): NewCubeVersion {
  const registers = new Uint8Array(3 * HLL_REGISTERS).map((_, index) => (index * seed) % 7);
  return {
    data: {
      model,
      dictionaries: {
        'region.province': ['East', 'West', null],
        'region.city': ['Avon', 'Bath', 'Cork', null],
        'channel.channel': ['online', 'branch'],
      },
      parentMaps: { 'region.city>province': Int32Array.from([0, 0, 1, 2]) },
    },
    cuboids: [
      {
        name: 'region.province+channel.channel',
        levels: { region: 'province', channel: 'channel' },
        rows: 3,
        codes: { region: Int32Array.from([0, 1, 2]), channel: Int32Array.from([1, 0, 1]) },
        partials: { amount__sum: Float64Array.from([1.5 * seed, Number.NaN, -3]) },
        registers: { customers__hll: registers },
        estimatedRows: 4,
        reason: 'explicit',
        sortedBy: ['channel', 'region'],
      },
      {
        name: 'apex',
        levels: {},
        rows: 1,
        codes: {},
        partials: { amount__sum: Float64Array.from([42]) },
        registers: { customers__hll: new Uint8Array(HLL_REGISTERS).fill(seed) },
        estimatedRows: 1,
        reason: 'auto: benefit 1.0e+1 rows / 1 rows',
        sortedBy: [],
      },
    ],
    sourceRows: 10,
    buildSeconds: 0.5,
  };
}
