import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import { parseQuery } from '../../src/engine/index.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { INTERNAL_MESSAGE } from '../../src/server/httpError.ts';
import { PLAYGROUND_TABS } from '../../src/server/graphql/playgroundExamples.ts';
import { randomQuery } from '../engine/fixtures/randomQuery.ts';
import { bankFixture, type BankFixture } from '../server/bankFixture.ts';
import { cubeQueryToGraphQL, graphQLRowsToRest, graphQLTotalsToRest } from './cubeQueryToGraphQL.ts';

let fixture: BankFixture;
let engine: CubeEngine;
let app: FastifyInstance;

beforeAll(async () => {
  fixture = await bankFixture();
  engine = new CubeEngine({});
  engine.load(fixture.cube);
  app = buildApp({ engine });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await engine?.close();
  await fixture?.close();
});

/** The expected value with every number replaced by a matcher allowing a relative error of 1e-9. */
function closeTo(value: unknown): unknown {
  if (typeof value === 'number') {
    return expect.toSatisfy((actual: unknown) => typeof actual === 'number' && Math.abs(actual - value) <= 1e-9 * Math.max(1, Math.abs(value)));
  }
  if (Array.isArray(value)) return value.map(closeTo);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, closeTo(item)]));
  return value;
}

async function graphql(query: string, variables?: Record<string, unknown>, target = app) {
  const response = await target.inject({ method: 'POST', url: '/graphql', payload: { query, ...(variables ? { variables } : {}) } });
  return { status: response.statusCode, body: response.json() as { data?: any; errors?: any[] } };
}

describe('the typed entry point', () => {
  it('answers the issue example with rows, totals and meta', async () => {
    const { status, body } = await graphql(`{
      transactions(levels: { region: province, time: quarter },
                   where: { segment: { tier: { in: ["VIP"] } }, time: { month: { between: ["2024-01", "2024-06"] } } },
                   orderBy: [{ measure: profit, desc: true }], first: 20) {
        rows { region { province } time { quarter } amount profit }
        totals { amount profit }
        meta { source cuboid cubeVersion exact elapsedMs cached }
      } }`);
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    const { rows, totals, meta } = body.data.transactions;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(20);
    expect(rows[0]).toEqual({ region: { province: expect.any(String) }, time: { quarter: expect.stringMatching(/^2024-Q[12]$/) }, amount: expect.any(Number), profit: expect.any(Number) });
    const profits = rows.map((row: any) => row.profit);
    expect(profits).toEqual([...profits].sort((a, b) => b - a));
    expect(totals.amount).toBeGreaterThan(0);
    expect(meta).toMatchObject({ cubeVersion: fixture.cube.version, exact: true, cached: false });

    const [sqlTotal] = await fixture.sql(`SELECT sum(f.amount)::DOUBLE AS amount FROM w.fact_transactions f
      JOIN w.dim_customer c ON f.customer_id = c.customer_id
      WHERE c.value_tier = 'VIP' AND strftime(f.txn_date, '%Y-%m') BETWEEN '2024-01' AND '2024-06'`);
    expect(totals.amount).toBeCloseTo(sqlTotal!.amount as number, 4);
  });

  it('runs every playground example without errors', async () => {
    for (const tab of PLAYGROUND_TABS) {
      const { body } = await graphql(tab.query);
      expect(body.errors, tab.query).toBeUndefined();
    }
    const { body } = await graphql(PLAYGROUND_TABS[1]!.query);
    const branches = body.data.transactions.drillDown.drillDown.drillDown;
    expect(branches.rows.length).toBeGreaterThan(0);
    expect(branches.query.levels).toEqual({ region: 'branch' });
    expect(branches.query.filters).toHaveLength(3);
  });

  it('answers a repeated query from the result cache (and from the JIT-compiled query)', async () => {
    const text = '{ transactions(levels: { channel: channel }) { rows { channel { channel } amount } meta { cached } } }';
    const first = await graphql(text);
    const second = await graphql(text);
    const third = await graphql(text);
    expect(first.body.data.transactions.meta.cached).toBe(false);
    expect(second.body.data.transactions.meta.cached).toBe(true);
    expect(third.body.data.transactions).toEqual(second.body.data.transactions);
    expect(third.body.data.transactions.rows).toEqual(first.body.data.transactions.rows);
  });

  it('computes the measures selected through fragments, aliases and variables, JIT-compiled or not', async () => {
    const text = `query($tier: String) {
      transactions(levels: { segment: tier }, where: { segment: { tier: { eq: $tier } } }) {
        rows { ...Cells share: profit_pctOfParent }
        totals { ... on TransactionsTotals { fees: fee_revenue } }
      } }
      fragment Cells on TransactionsRow { segment { tier } profit }`;
    for (let run = 0; run < 3; run++) {
      const { body } = await graphql(text, { tier: 'VIP' });
      expect(body.errors).toBeUndefined();
      expect(body.data.transactions.rows).toEqual([{ segment: { tier: 'VIP' }, profit: expect.any(Number), share: expect.any(Number) }]);
      expect(body.data.transactions.totals.fees).toBeGreaterThan(0);
    }
  });

  it('reads null for the levels and dimensions a query does not group, JIT-compiled or not', async () => {
    const text = `{ transactions(levels: { segment: tier }, where: { segment: { tier: { eq: "VIP" } } }) {
        rows { segment { tier type } region { province } tier: segment { level: tier } profit profit_pctOfTotal }
        totals { profit profit_pctOfTotal }
      } }`;
    for (let run = 0; run < 3; run++) {
      const { body } = await graphql(text);
      expect(body.errors).toBeUndefined();
      expect(body.data.transactions.rows).toEqual([
        { segment: { tier: 'VIP', type: null }, region: { province: null }, tier: { level: 'VIP' }, profit: expect.any(Number), profit_pctOfTotal: 1 },
      ]);
      expect(body.data.transactions.totals).toEqual({ profit: body.data.transactions.rows[0].profit, profit_pctOfTotal: 1 });
    }
  });

  it('keeps the order of levels as written, in literals and in variables', async () => {
    const text = `query($levels: TransactionsLevels) { transactions(levels: $levels) { query } }`;
    const viaVariables = await graphql(text, { levels: { time: 'year', region: 'region' } });
    expect(Object.keys(viaVariables.body.data.transactions.query.levels)).toEqual(['time', 'region']);
    const literal = await graphql(`{ transactions(levels: { time: year, region: region }) { query } }`);
    expect(Object.keys(literal.body.data.transactions.query.levels)).toEqual(['time', 'region']);
  });

  it('navigates: drillDown, rollUp, slice, dice, explain and pivot on a result', async () => {
    const { body } = await graphql(`{
      transactions(levels: { region: region, time: year }) {
        rows { region { region } time { year } profit }
        rollUp(dimension: time) { rows { region { region } profit } query }
        slice(dimension: region, level: "region", member: "华东") { rows { time { year } profit } }
        dice(where: { segment: { tier: { in: ["VIP", "major"] } } }) { query }
        explain { cuboid covers chosen reason }
        pivot(rows: [region], columns: [time], subtotals: true)
      } }`);
    expect(body.errors).toBeUndefined();
    const result = body.data.transactions;
    expect(result.rollUp.query.levels).toEqual({ region: 'region' });
    const byRegion = Object.fromEntries(result.rollUp.rows.map((row: any) => [row.region.region, row.profit]));
    const east = result.rows.filter((row: any) => row.region.region === '华东').reduce((sum: number, row: any) => sum + row.profit, 0);
    expect(byRegion['华东']).toBeCloseTo(east, 6);
    expect(result.slice.rows.reduce((sum: number, row: any) => sum + row.profit, 0)).toBeCloseTo(east, 6);
    expect(result.dice.query.filters).toEqual([{ dimension: 'segment', level: 'tier', op: 'in', values: ['VIP', 'major'] }]);
    expect(result.explain.filter((entry: any) => entry.chosen)).toHaveLength(1);
    expect(result.pivot.rows).toEqual(['region.region']);
    expect(result.pivot.columns).toEqual(['time.year']);
    expect(result.pivot.values.length).toBeGreaterThan(0);
  });

  it('serves topN with Others, shares and having through the typed inputs', async () => {
    const { body } = await graphql(`{
      transactions(levels: { manager: manager }, topN: { dimension: manager, n: 3, by: profit },
                   having: [{ measure: transactions, gt: 0 }]) {
        rows { manager { manager } profit profit_pctOfTotal transactions }
      } }`);
    expect(body.errors).toBeUndefined();
    const rows = body.data.transactions.rows;
    expect(rows).toHaveLength(4);
    expect(rows[3].manager.manager).toBe('Others');
    expect(rows.reduce((sum: number, row: any) => sum + row.profit_pctOfTotal, 0)).toBeCloseTo(1, 9);
  });
});

describe('metadata', () => {
  it('lists cubes with dimensions, hierarchies, levels, measures and cuboids', async () => {
    const { body } = await graphql(`{ cubes { name version builtAt
      dimensions { name hierarchies { name levels { name cardinality } } }
      measures { name kind exact } cuboids { name levels rows } } }`);
    expect(body.errors).toBeUndefined();
    const [cube] = body.data.cubes;
    expect(cube.name).toBe('transactions');
    expect(cube.version).toBe(fixture.cube.version);
    const region = cube.dimensions.find((dimension: any) => dimension.name === 'region');
    expect(region.hierarchies[0].levels.map((level: any) => level.name)).toEqual(['region', 'province', 'city', 'branch']);
    expect(region.hierarchies[0].levels[0].cardinality).toBe(fixture.cube.dictionaries['region.region']!.length);
    expect(cube.measures.find((measure: any) => measure.name === 'profit')).toEqual({ name: 'profit', kind: 'additive', exact: true });
    expect(cube.cuboids.some((cuboid: any) => cuboid.levels.includes('region.province') && cuboid.levels.includes('time.quarter'))).toBe(true);
  });

  it('pages members with cursors, by parent and search', async () => {
    const text = `query($after: String) { members(cube: "transactions", dimension: "region", level: "province", first: 4, after: $after) {
      totalCount nodes edges { cursor node } pageInfo { hasNextPage endCursor } } }`;
    const all = fixture.cube.dictionaries['region.province']!;
    const seen: (string | null)[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const { body } = await graphql(text, after === null ? {} : { after });
      expect(body.errors).toBeUndefined();
      const members = body.data.members;
      expect(members.totalCount).toBe(all.length);
      seen.push(...members.nodes);
      if (!members.pageInfo.hasNextPage) break;
      after = members.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(all.length);
    expect(new Set(seen)).toEqual(new Set(all));

    const { body } = await graphql(`{ members(cube: "transactions", dimension: "region", level: "province", parent: "华南") { nodes } }`);
    expect(body.data.members.nodes).toEqual(expect.arrayContaining(['广东', '广西', '海南']));
    const searched = await graphql(`{ members(cube: "transactions", dimension: "segment", level: "tier", search: "vi") { nodes } }`);
    expect(searched.body.data.members.nodes).toEqual(['VIP']);
  });
});

describe('GraphQL answers equal REST answers', () => {
  it('for 200 random CubeQueries', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(randomQuery(fixture.cube), async (input) => {
        const rest = await app.inject({ method: 'POST', url: '/v1/query', payload: input as object });
        const text = cubeQueryToGraphQL(input, fixture.cube);
        const { body } = await graphql(text);
        if (rest.statusCode !== 200) {
          expect(body.errors?.[0]?.extensions?.code, text).toBe(rest.json().error.code);
          return;
        }
        expect(body.errors, text).toBeUndefined();
        const expected = rest.json();
        const query = parseQuery(input);
        const actual = body.data.transactions;
        // Sums recomputed by DuckDB (the source route) may differ in the last bits between runs.
        expect(graphQLRowsToRest(actual.rows, query), text).toEqual(closeTo(expected.rows));
        expect(actual.total).toBe(expected.total);
        if (query.totals) expect(graphQLTotalsToRest(actual.totals, query.measures)).toEqual(closeTo(expected.totals));
        else expect(actual.totals).toBeUndefined();
        expect(actual.meta).toEqual({
          source: expected.meta.source,
          cuboid: expected.meta.cuboid,
          exact: expected.meta.exact,
          cubeVersion: expected.meta.cubeVersion,
        });
        compared++;
      }),
      { numRuns: 200, seed: 20261130 },
    );
    expect(compared).toBeGreaterThan(150);
  }, 60_000);
});

describe('errors', () => {
  it('an unknown member carries the engine code and a hint', async () => {
    const { status, body } = await graphql(`{ transactions(levels: { region: province }, where: { segment: { tier: { eq: "VIPP" } } }) { rows { profit } } }`);
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({
      message: expect.stringContaining('VIPP'),
      path: ['transactions'],
      extensions: { code: 'MEMBER_UNKNOWN', hint: expect.stringContaining('VIP') },
    });
  });

  it('an unknown level or measure is a validation error that suggests the valid name', async () => {
    const level = await graphql(`{ transactions(levels: { region: provnce }) { rows { profit } } }`);
    expect(level.status).toBe(400);
    expect(level.body.errors![0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(level.body.errors![0].message).toContain('province');
    const measure = await graphql(`{ transactions { rows { proft } } }`);
    expect(measure.body.errors![0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(measure.body.errors![0].message).toContain('profit');
  });

  it('engine errors from members and navigation carry their codes', async () => {
    const cube = await graphql(`{ members(cube: "transaction", dimension: "region", level: "province") { nodes } }`);
    expect(cube.body.errors![0].extensions).toMatchObject({ code: 'CUBE_NOT_FOUND', hint: expect.stringContaining('transactions') });
    const finest = await graphql(`{ transactions(levels: { region: branch }) { drillDown(dimension: region) { total } } }`);
    expect(finest.body.errors![0].extensions.code).toBe('OPERATION_INVALID');
    const cursor = await graphql(`{ members(cube: "transactions", dimension: "region", level: "province", after: "nope") { nodes } }`);
    expect(cursor.body.errors![0].extensions.code).toBe('QUERY_INVALID');
    const order = await graphql(`{ transactions(orderBy: [{ desc: true }]) { total } }`);
    expect(order.body.errors![0].extensions.code).toBe('QUERY_INVALID');
    const page = await graphql(`{ transactions(first: 100000000) { total } }`);
    expect(page.body.errors![0].extensions.code).toBe('QUERY_INVALID');
  });

  it('masks internal errors', async () => {
    const broken = new CubeEngine({});
    broken.load(fixture.cube);
    broken.query = async () => {
      throw new Error('secret: /var/lib/warehouse.duckdb is locked');
    };
    const brokenApp = buildApp({ engine: broken });
    try {
      const { body } = await graphql(`{ transactions { rows { profit } } }`, undefined, brokenApp);
      expect(body.errors![0]).toMatchObject({ message: INTERNAL_MESSAGE, extensions: { code: 'INTERNAL' } });
      expect(JSON.stringify(body)).not.toContain('secret');
    } finally {
      await brokenApp.close();
      await broken.close();
    }
  });
});

describe('limits and persisted queries', () => {
  it('rejects requests nested too deep or running too many cube queries', async () => {
    let nested = '{ total }';
    for (let level = 0; level < 12; level++) nested = `{ rollUp(dimension: time) ${nested} }`.replace('{ rollUp', level % 2 ? '{ rollUp' : '{ drillDown');
    const deep = await graphql(`{ transactions ${nested} }`);
    expect(deep.status).toBe(400);
    expect(deep.body.errors![0].message).toContain('query depth');
    expect(deep.body.errors![0].extensions.code).toBe('QUERY_TOO_DEEP');

    const many = await graphql(`{ ${Array.from({ length: 21 }, (_, index) => `q${index}: transactions { total }`).join(' ')} }`);
    expect(many.status).toBe(400);
    expect(many.body.errors).toHaveLength(1);
    expect(many.body.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', hint: expect.any(String) });
    const twenty = await graphql(`{ ${Array.from({ length: 20 }, (_, index) => `q${index}: transactions { total }`).join(' ')} }`);
    expect(twenty.body.errors).toBeUndefined();
  });

  it('answers automatic persisted queries by hash', async () => {
    const query = '{ transactions(levels: { segment: tier }) { rows { segment { tier } profit } } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const post = (payload: object) => app.inject({ method: 'POST', url: '/graphql', payload });
    const unknown = await post({ extensions });
    expect(unknown.json().errors[0].message).toBe('PersistedQueryNotFound');
    const registered = await post({ query, extensions });
    expect(registered.json().errors).toBeUndefined();
    const byHash = await post({ extensions });
    expect(byHash.json()).toEqual(registered.json());
  });
});

describe('schema rebuild', () => {
  it('follows the loaded cube versions', async () => {
    const local = new CubeEngine({});
    local.load(fixture.cube);
    const localApp = buildApp({ engine: local });
    try {
      expect((await graphql(`{ transactions { rows { margin } } }`, undefined, localApp)).body.errors).toBeUndefined();
      const next = {
        ...fixture.cube,
        version: `${fixture.cube.version}-next`,
        model: { ...fixture.cube.model, measures: fixture.cube.model.measures.filter((measure) => measure.name !== 'margin') },
      };
      local.load(next);
      local.load({ ...fixture.cube, version: 'copy-1', model: { ...fixture.cube.model, name: 'transactions_copy' } });

      const versions = await graphql(`{ cubes { name version } }`, undefined, localApp);
      expect(versions.body.data.cubes).toEqual([
        { name: 'transactions', version: next.version },
        { name: 'transactions_copy', version: 'copy-1' },
      ]);
      const gone = await graphql(`{ transactions { rows { margin } } }`, undefined, localApp);
      expect(gone.body.errors![0].message).toContain('margin');
      const current = await graphql(`{ transactions { rows { profit } meta { cubeVersion } } transactions_copy { rows { profit } } }`, undefined, localApp);
      expect(current.body.errors).toBeUndefined();
      expect(current.body.data.transactions.meta.cubeVersion).toBe(next.version);
      expect(current.body.data.transactions_copy.rows[0].profit).toBeCloseTo(current.body.data.transactions.rows[0].profit, 6);
      expect(localApp.refreshGraphQLSchema()).toBe(false);
    } finally {
      await localApp.close();
      await local.close();
    }
  });
});
