import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCubeError } from '../../src/errors.ts';
import { loadDefinitions, parseDefinition } from '../../src/model/loadDefinitions.ts';

/** A small valid definition; each bad case below changes one thing in it. */
const VALID = `cubes:
  sales:
    source:
      database: \${WAREHOUSE:-data/shop.duckdb}
      table: fact_sales
      alias: f
    joins:
      - { table: dim_store, alias: s, on: f.store_id = s.store_id }
    dimensions:
      time:
        date: f.sold_on
        levels: [year, month, day]
      store:
        levels:
          region: s.region
          city: s.city
    measures:
      revenue: { agg: sum, expr: f.revenue }
      units: { agg: count }
      price: { agg: calculated, formula: revenue / units }
`;

function errorOf(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseDefinition(text, 'definitions/shop.yaml', env);
  } catch (error) {
    if (isCubeError(error)) return error.message;
    throw error;
  }
  throw new Error('expected the definition to be rejected');
}

const replace = (from: string, to: string): string => {
  if (!VALID.includes(from)) throw new Error(`test fixture lacks ${from}`);
  return VALID.replace(from, to);
};

describe('definition language', () => {
  it('normalises a valid definition', () => {
    const [cube] = parseDefinition(VALID, 'definitions/shop.yaml', { WAREHOUSE: '/data/x.duckdb' });
    expect(cube!.source).toEqual({ kind: 'table', database: '/data/x.duckdb', table: 'fact_sales', alias: 'f' });
    expect(cube!.dimensions.map((d) => d.name)).toEqual(['time', 'store']);
    const time = cube!.dimensions[0]!;
    expect(time.isTime).toBe(true);
    expect(time.finest).toBe('day');
    expect(time.parents).toEqual({ year: [], month: ['year'], day: ['month'] });
    expect(time.levels.every((level) => level.order === 'time')).toBe(true);
    expect(cube!.dimensions[1]!.hierarchies).toEqual([{ name: 'store', levels: ['region', 'city'] }]);
    expect(cube!.measures.find((m) => m.name === 'price')!.dependsOn).toEqual(['revenue', 'units']);
    expect(cube!.aggregation.rowBudget).toBe(2_000_000);
  });

  it('holds the base measures a cuboid lists, calculated ones through their formulas', () => {
    const text = `${VALID}    aggregation:\n      cuboids:\n        - { store: city, measures: [price] }\n        - { time: month, measures: revenue }\n        - { time: year }\n`;
    const [cube] = parseDefinition(text, 'definitions/shop.yaml', {});
    expect(cube!.aggregation.cuboids).toEqual([
      { levels: { store: 'city' }, measures: ['revenue', 'units'] },
      { levels: { time: 'month' }, measures: ['revenue'] },
      { levels: { time: 'year' } },
    ]);
  });

  it('uses the default of an unset variable, and the hash follows the data path', () => {
    const [a] = parseDefinition(VALID, 'x.yaml', {});
    const [b] = parseDefinition(VALID, 'x.yaml', { WAREHOUSE: 'other.duckdb' });
    expect(a!.source).toMatchObject({ database: 'data/shop.duckdb' });
    expect(a!.hash).not.toBe(b!.hash);
    expect(parseDefinition(VALID, 'y.yaml', {})[0]!.hash).toBe(a!.hash);
  });

  const bad: Array<[string, string, string]> = [
    [
      'unknown aggregate',
      replace('revenue: { agg: sum,', 'revenue: { agg: summ,'),
      'definitions/shop.yaml:18:18 cubes.sales.measures.revenue.agg: expected one of sum, count, min, max, avg, count_distinct, count_distinct_approx, calculated',
    ],
    [
      'misspelt key',
      replace('    joins:', '    joinz:'),
      'definitions/shop.yaml:7:5 cubes.sales.joinz: unknown key "joinz"; did you mean joins, source, title, security, dimensions?',
    ],
    [
      'missing source',
      replace('    source:\n      database: ${WAREHOUSE:-data/shop.duckdb}\n      table: fact_sales\n      alias: f\n', ''),
      'definitions/shop.yaml:2:3 cubes.sales.source: required: expected object',
    ],
    [
      'two kinds of source',
      replace('      table: fact_sales', '      table: fact_sales\n      parquet: sales.parquet'),
      'definitions/shop.yaml:3:5 cubes.sales.source: expected exactly one of table, sql, parquet, csv (found table, parquet)',
    ],
    [
      'table source without database',
      replace('      database: ${WAREHOUSE:-data/shop.duckdb}\n', ''),
      'definitions/shop.yaml:3:5 cubes.sales.source.database: required: a table source reads from a DuckDB database file',
    ],
    [
      'unset variable without default',
      replace('${WAREHOUSE:-data/shop.duckdb}', '${WAREHOUSE}'),
      'definitions/shop.yaml:4:7 cubes.sales.source.database: environment variable WAREHOUSE is not set and has no default (write ${WAREHOUSE:-default})',
    ],
    [
      'duplicate join alias',
      replace('alias: s,', 'alias: f,'),
      'definitions/shop.yaml:8:29 cubes.sales.joins.0.alias: alias "f" is already used',
    ],
    [
      'unknown time grain',
      replace('levels: [year, month, day]', 'levels: [year, fortnight, day]'),
      'definitions/shop.yaml:12:24 cubes.sales.dimensions.time.levels.1: expected one of year, quarter, month, week, day',
    ],
    [
      'hierarchy names an unknown level',
      replace('          city: s.city', '          city: s.city\n        hierarchies:\n          geo: [region, cty]'),
      'definitions/shop.yaml:18:25 cubes.sales.dimensions.store.hierarchies.geo.1: unknown level "cty"; did you mean city, region?\n' +
        'definitions/shop.yaml:16:11 cubes.sales.dimensions.store.levels.city: level "city" is in no hierarchy',
    ],
    [
      'level in no hierarchy',
      replace('          city: s.city', '          city: s.city\n          street: s.street\n        hierarchies:\n          geo: [region, city]'),
      'definitions/shop.yaml:17:11 cubes.sales.dimensions.store.levels.street: level "street" is in no hierarchy',
    ],
    [
      'hierarchies ending at different levels',
      replace('          city: s.city', '          city: s.city\n        hierarchies:\n          geo: [region, city]\n          top: [region]'),
      'definitions/shop.yaml:17:9 cubes.sales.dimensions.store.hierarchies: every hierarchy must end at the same finest level (found city, region)',
    ],
    [
      'sum without expr',
      replace('revenue: { agg: sum, expr: f.revenue }', 'revenue: { agg: sum }'),
      'definitions/shop.yaml:18:7 cubes.sales.measures.revenue.expr: required: agg sum aggregates an SQL expression',
    ],
    [
      'formula with unknown measure',
      replace('formula: revenue / units', 'formula: revenue / unit'),
      'definitions/shop.yaml:20:33 cubes.sales.measures.price.formula: unknown measure "unit"; did you mean units, price, revenue?',
    ],
    [
      'formula syntax',
      replace('formula: revenue / units', 'formula: revenue / (units'),
      'definitions/shop.yaml:20:33 cubes.sales.measures.price.formula: unexpected end of formula "revenue / (units"',
    ],
    [
      'formula cycle',
      replace('formula: revenue / units }', 'formula: revenue / price }'),
      'definitions/shop.yaml:20:33 cubes.sales.measures.price.formula: formula of "price" refers to itself through other measures',
    ],
    [
      'semi-additive over an unknown dimension',
      replace('revenue: { agg: sum, expr: f.revenue }', 'revenue: { agg: sum, expr: f.revenue, semiAdditive: { dimension: tme } }'),
      'definitions/shop.yaml:18:61 cubes.sales.measures.revenue.semiAdditive.dimension: unknown dimension "tme"; did you mean time, store?',
    ],
    [
      'semi-additive on a count',
      replace('units: { agg: count }', 'units: { agg: count, semiAdditive: { dimension: time } }'),
      'definitions/shop.yaml:19:28 cubes.sales.measures.units.semiAdditive: semi-additive measures are sums over the other dimensions (agg is count)',
    ],
    [
      'cuboid with an unknown level',
      `${VALID}    aggregation:\n      cuboids:\n        - { store: town }\n`,
      'definitions/shop.yaml:23:13 cubes.sales.aggregation.cuboids.0.store: unknown level "town" of store; did you mean city, region?',
    ],
    [
      'cuboid holding an unknown measure',
      `${VALID}    aggregation:\n      cuboids:\n        - { store: city, measures: [revenu] }\n`,
      'definitions/shop.yaml:23:37 cubes.sales.aggregation.cuboids.0.measures.0: unknown measure "revenu"; did you mean revenue, price, units?',
    ],
    [
      'cuboid with a list of levels',
      `${VALID}    aggregation:\n      cuboids:\n        - { store: [city, region] }\n`,
      'definitions/shop.yaml:23:13 cubes.sales.aggregation.cuboids.0.store: a list is only allowed for measures; a dimension names one level',
    ],
    [
      'cuboid level that is a number',
      `${VALID}    aggregation:\n      cuboids:\n        - { store: 5 }\n`,
      'definitions/shop.yaml:23:13 cubes.sales.aggregation.cuboids.0.store: expected a level name (or, for measures, a list of measure names)',
    ],
    [
      'negative row budget',
      `${VALID}    aggregation:\n      rowBudget: -5\n`,
      'definitions/shop.yaml:22:7 cubes.sales.aggregation.rowBudget: Too small: expected number to be >0',
    ],
    [
      'mandatory unknown dimension',
      `${VALID}    aggregation:\n      mandatory: [stores]\n`,
      'definitions/shop.yaml:22:19 cubes.sales.aggregation.mandatory.0: unknown dimension "stores"; did you mean store, time?',
    ],
    [
      'level name that is not a name',
      replace('          city: s.city', '          2city: s.city'),
      'definitions/shop.yaml:16:11 cubes.sales.dimensions.store.levels.2city: expected a name of letters, digits and _ (not starting with a digit)',
    ],
    [
      'security rule on an unknown level',
      `${VALID}    security:\n      roles:\n        manager:\n          rows: { store.town: town }\n`,
      'definitions/shop.yaml:24:19 cubes.sales.security.roles.manager.rows.store.town: unknown level "town" of store; did you mean city, region?',
    ],
    [
      'security rule that is not dimension.level',
      `${VALID}    security:\n      roles:\n        manager:\n          rows: { store: city }\n`,
      'definitions/shop.yaml:24:19 cubes.sales.security.roles.manager.rows.store: expected dimension.level',
    ],
    [
      'role hiding an unknown measure',
      `${VALID}    security:\n      roles:\n        clerk:\n          hide: { measures: [revenu] }\n`,
      'definitions/shop.yaml:24:30 cubes.sales.security.roles.clerk.hide.measures.0: unknown measure "revenu"; did you mean revenue, price, units?',
    ],
    ['YAML syntax error', replace('      table: fact_sales', '      table: [fact_sales'), 'definitions/shop.yaml:6:7: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    [
      'duplicate key',
      replace('      units: { agg: count }', '      units: { agg: count }\n      units: { agg: count }'),
      'definitions/shop.yaml:20:7: Map keys must be unique',
    ],
  ];

  it.each(bad)('rejects %s with an exact, located message', (_, text, expected) => {
    expect(errorOf(text)).toBe(expected);
  });

  it('reports every problem of a file at once', () => {
    const text = replace('revenue: { agg: sum, expr: f.revenue }', 'revenue: { agg: sum }').replace('revenue / units', 'revenue / unit');
    const lines = errorOf(text).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('measures.revenue.expr');
    expect(lines[1]).toContain('measures.price.formula');
  });

  it('rejects a cube defined in two files of a folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arrowcube-defs-'));
    await writeFile(join(dir, 'a.yaml'), VALID);
    await writeFile(join(dir, 'b.yml'), VALID);
    await expect(loadDefinitions(dir, {})).rejects.toThrow(/cube "sales" is already defined in .*a\.yaml/);
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a folder without definitions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arrowcube-defs-'));
    await expect(loadDefinitions(dir, {})).rejects.toMatchObject({ code: 'DEFINITION_NOT_FOUND' });
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the bank definitions shipped with the project', async () => {
    const cubes = await loadDefinitions('definitions', {});
    expect(cubes.map((cube) => cube.name)).toEqual(['transactions', 'balances']);
    const balance = cubes[1]!.measures.find((m) => m.name === 'balance')!;
    expect(balance.semiAdditive).toEqual({ dimension: 'time', use: 'last' });
  });
});
