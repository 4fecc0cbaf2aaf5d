import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine, parseQuery } from '../../src/engine/index.ts';
import type { CubeQueryInput } from '../../src/model/query.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { randomQuery } from '../engine/fixtures/randomQuery.ts';
import { buildShop, type BuiltShop } from '../engine/fixtures/shopWarehouse.ts';
import { cubeQueryToGraphQL, graphQLRowsToRest } from './cubeQueryToGraphQL.ts';

/**
 * Typed filter inputs over the shop cube, which has what the bank cube lacks: a numeric
 * level (size.qty), NULL members, and every time grain.
 */
let shop: BuiltShop;
let engine: CubeEngine;
let app: FastifyInstance;

beforeAll(async () => {
  shop = await buildShop(4000);
  engine = new CubeEngine({});
  for (const cube of Object.values(shop.cubes)) engine.load(cube);
  app = buildApp({ engine });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await engine?.close();
  await shop?.remove();
});

async function graphql(query: string, variables?: Record<string, unknown>) {
  const response = await app.inject({ method: 'POST', url: '/graphql', payload: { query, ...(variables ? { variables } : {}) } });
  return { status: response.statusCode, body: response.json() as { data?: any; errors?: any[] } };
}

async function rest(input: CubeQueryInput) {
  const response = await app.inject({ method: 'POST', url: '/v1/query', payload: input as object });
  return response.json() as { rows: Record<string, unknown>[] };
}

const qtyRows = (where: string) => graphql(`{ sales(levels: { size: qty }, where: ${where}) { rows { size { qty } sales } } }`);
const byQty = (filter: { op: string; values: (string | null)[] }) =>
  rest({ cube: 'sales', levels: { size: 'qty' }, measures: ['sales'], filters: [{ dimension: 'size', level: 'qty', ...filter } as never] });
const asRest = (rows: Array<{ size: { qty: string | null }; sales: number }>) => rows.map((row) => ({ 'size.qty': row.size.qty, sales: row.sales }));

describe('filter input types', () => {
  it('follow the level: numbers for numeric levels, a scalar per grain for time, strings with text ops for text', async () => {
    const { body } = await graphql(`{
      size: __type(name: "SalesSizeWhere") { inputFields { name type { name } } }
      time: __type(name: "SalesTimeWhere") { inputFields { name type { name } } }
      store: __type(name: "SalesStoreWhere") { inputFields { name type { name } } }
      number: __type(name: "NumberFilter") { inputFields { name type { name ofType { name ofType { name } } } } }
      month: __type(name: "Month") { description }
    }`);
    expect(body.errors).toBeUndefined();
    const typeOf = (fields: Array<{ name: string; type: { name: string } }>) => Object.fromEntries(fields.map((field) => [field.name, field.type.name]));
    expect(typeOf(body.data.size.inputFields)).toEqual({ qty: 'NumberFilter' });
    expect(typeOf(body.data.time.inputFields)).toEqual({ year: 'YearFilter', quarter: 'QuarterFilter', month: 'MonthFilter', week: 'WeekFilter', day: 'DayFilter' });
    expect(new Set(Object.values(typeOf(body.data.store.inputFields)))).toEqual(new Set(['MemberFilter']));
    const numberOps = body.data.number.inputFields.map((field: { name: string }) => field.name);
    expect(numberOps).toEqual(['eq', 'ne', 'in', 'notIn', 'between', 'gt', 'gte', 'lt', 'lte']);
    expect(body.data.number.inputFields.find((field: { name: string }) => field.name === 'between').type.ofType.ofType.name).toBe('Float');
    expect(body.data.month.description).toContain('YYYY-MM');
  });
});

describe('numeric levels', () => {
  it('take numbers, for members (3 names the member "3") and for ranges, as REST takes the member texts', async () => {
    const cases: Array<[string, { op: string; values: (string | null)[] }]> = [
      ['{ size: { qty: { eq: 3 } } }', { op: 'eq', values: ['3'] }],
      ['{ size: { qty: { in: [1, 12.0, null] } } }', { op: 'in', values: ['1', '12', null] }],
      ['{ size: { qty: { notIn: [2] } } }', { op: 'notIn', values: ['2'] }],
      ['{ size: { qty: { between: [2.5, 7] } } }', { op: 'between', values: ['2.5', '7'] }],
      ['{ size: { qty: { gt: 10 } } }', { op: 'gt', values: ['10'] }],
      ['{ size: { qty: { lte: 0.5 } } }', { op: 'lte', values: ['0.5'] }],
    ];
    for (const [where, filter] of cases) {
      const { body } = await qtyRows(where);
      expect(body.errors, where).toBeUndefined();
      expect(asRest(body.data.sales.rows), where).toEqual((await byQty(filter)).rows);
    }
    const { body } = await graphql('query($sizes: [Float]) { sales(levels: { size: qty }, where: { size: { qty: { in: $sizes } } }) { rows { size { qty } } } }', {
      sizes: [4, 5],
    });
    expect(body.data.sales.rows.map((row: { size: { qty: string } }) => row.size.qty)).toEqual(['4', '5']);
  });

  it('report a number that is no member with the closest members, and refuse text and text ops', async () => {
    const unknown = await qtyRows('{ size: { qty: { eq: 99 } } }');
    expect(unknown.body.errors![0].extensions).toMatchObject({ code: 'MEMBER_UNKNOWN', hint: expect.stringContaining('did you mean') });
    expect(unknown.body.errors![0].message).toContain('"99"');

    const text = await qtyRows('{ size: { qty: { eq: "3" } } }');
    expect(text.status).toBe(400);
    expect(text.body.errors![0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(text.body.errors![0].message).toContain('Float');

    const contains = await qtyRows('{ size: { qty: { contains: "1" } } }');
    expect(contains.body.errors![0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(contains.body.errors![0].message).toContain('NumberFilter');
  });
});

describe('time levels', () => {
  it('take members in their grain format, as in the issue example', async () => {
    const { body } = await graphql(`{ sales(levels: { time: month }, where: { time: { month: { between: ["2023-03", "2023-06"] } } }) { rows { time { month } amount } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.sales.rows.map((row: { time: { month: string } }) => row.time.month)).toEqual(['2023-03', '2023-04', '2023-05', '2023-06']);
    const grains = await graphql(`{ sales(where: { time: {
      year: { eq: "2024" }, quarter: { in: ["2024-Q1", "2024-Q2"] }, week: { gte: "2024-W02" }, day: { lt: "2024-06-01" } } }) { total rows { sales } } }`);
    expect(grains.body.errors).toBeUndefined();
    const expected = await rest({
      cube: 'sales',
      measures: ['sales'],
      filters: [
        { dimension: 'time', level: 'year', op: 'eq', values: ['2024'] },
        { dimension: 'time', level: 'quarter', op: 'in', values: ['2024-Q1', '2024-Q2'] },
        { dimension: 'time', level: 'week', op: 'gte', values: ['2024-W02'] },
        { dimension: 'time', level: 'day', op: 'lt', values: ['2024-06-01'] },
      ],
    });
    expect(grains.body.data.sales.rows).toEqual(expected.rows);
  });

  it('refuse a member in the wrong format with FILTER_INVALID, the format and the member probably meant', async () => {
    const cases: Array<[string, string, string]> = [
      ['month', '"2024-1"', 'did you mean "2024-01"?'],
      ['quarter', '"2024q3"', 'did you mean "2024-Q3"?'],
      ['day', '"2024-7-5"', 'did you mean "2024-07-05"?'],
      ['week', '"2024-W7"', 'did you mean "2024-W07"?'],
      ['month', '"June"', 'e.g. "2024-06"'],
      ['year', '2024', 'did you mean'],
    ];
    for (const [level, literal, hint] of cases) {
      const { status, body } = await graphql(`{ sales(where: { time: { ${level}: { eq: ${literal} } } }) { total } }`);
      expect(status, literal).toBe(400);
      expect(body.errors![0].extensions, literal).toMatchObject({ code: 'FILTER_INVALID' });
      expect(body.errors![0].extensions.hint, literal).toContain(hint);
      expect(body.errors![0].message, literal).toContain(`is not a ${level}`);
    }
    // Variables are checked the same way.
    const { body } = await graphql('query($from: Month!) { sales(where: { time: { month: { gte: $from } } }) { total } }', { from: '2024/03' });
    expect(body.errors![0].extensions).toMatchObject({ code: 'FILTER_INVALID', hint: 'did you mean "2024-03"?' });
  });
});

describe('GraphQL answers equal REST answers over the shop cube', () => {
  it('for 100 random CubeQueries, numeric and time filters included', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(randomQuery(shop.cubes.sales!), async (input) => {
        const expected = await app.inject({ method: 'POST', url: '/v1/query', payload: input as object });
        const text = cubeQueryToGraphQL(input, shop.cubes.sales!);
        const { body } = await graphql(text);
        if (expected.statusCode !== 200) {
          expect(body.errors?.[0]?.extensions?.code, text).toBe(expected.json().error.code);
          return;
        }
        expect(body.errors, text).toBeUndefined();
        const query = parseQuery(input);
        const rows = graphQLRowsToRest(body.data.sales.rows, query);
        expect(rows.length, text).toBe(expected.json().rows.length);
        rows.forEach((row, index) => {
          for (const [name, value] of Object.entries(row)) {
            const want = expected.json().rows[index][name];
            if (typeof want === 'number') expect(Math.abs((value as number) - want), text).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
            else expect(value, text).toBe(want);
          }
        });
        compared++;
      }),
      { numRuns: 100, seed: 20261201 },
    );
    expect(compared).toBeGreaterThan(60);
  }, 120_000);
});
