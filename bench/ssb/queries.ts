import type { CubeQueryInput, Filter } from '../../src/model/query.ts';

/**
 * The 13 standard Star Schema Benchmark queries (O'Neil, O'Neil, Chen, Revilak:
 * "The Star Schema Benchmark and Augmented Fact Table Indexing", 2009), each as a
 * CubeQuery over the `ssb` cube of bench/ssb/ssb.yaml and as the standard SQL star
 * join. The SQL names its columns as the REST API does (`date.year`, `revenue`), casts
 * members to text and measures to DOUBLE, so both answers compare row for row.
 * `{lineorder}`, `{date}`, `{customer}`, `{supplier}`, `{part}` stand for the tables.
 */
export interface SsbQuery {
  name: string;
  query: CubeQueryInput;
  sql: string;
}

const cube = 'ssb';
const years92to97 = { dimension: 'date', level: 'year', op: 'between', values: ['1992', '1997'] } as const;
const ukCities = (dimension: 'customer' | 'supplier') => ({ dimension, level: 'city', op: 'in', values: ['UNITED KI1', 'UNITED KI5'] }) as const;
const mfgr1or2 = { dimension: 'part', level: 'mfgr', op: 'in', values: ['MFGR#1', 'MFGR#2'] } as const;
const year97or98 = { dimension: 'date', level: 'year', op: 'in', values: ['1997', '1998'] } as const;

export const SSB_QUERIES: readonly SsbQuery[] = [
  {
    name: 'Q1.1',
    query: {
      cube,
      measures: ['discount_revenue'],
      filters: [
        { dimension: 'date', level: 'year', op: 'eq', values: ['1993'] },
        { dimension: 'discount', level: 'discount', op: 'between', values: ['1', '3'] },
        { dimension: 'quantity', level: 'quantity', op: 'lt', values: ['25'] },
      ],
    },
    sql: `SELECT sum(lo_extendedprice * lo_discount)::DOUBLE AS discount_revenue
      FROM {lineorder}, {date}
      WHERE lo_orderdate = d_datekey AND d_year = 1993 AND lo_discount BETWEEN 1 AND 3 AND lo_quantity < 25`,
  },
  {
    name: 'Q1.2',
    query: {
      cube,
      measures: ['discount_revenue'],
      filters: [
        { dimension: 'date', level: 'month', op: 'eq', values: ['199401'] },
        { dimension: 'discount', level: 'discount', op: 'between', values: ['4', '6'] },
        { dimension: 'quantity', level: 'quantity', op: 'between', values: ['26', '35'] },
      ],
    },
    sql: `SELECT sum(lo_extendedprice * lo_discount)::DOUBLE AS discount_revenue
      FROM {lineorder}, {date}
      WHERE lo_orderdate = d_datekey AND d_yearmonthnum = 199401 AND lo_discount BETWEEN 4 AND 6 AND lo_quantity BETWEEN 26 AND 35`,
  },
  {
    name: 'Q1.3',
    query: {
      cube,
      measures: ['discount_revenue'],
      filters: [
        { dimension: 'week', level: 'week', op: 'eq', values: ['6'] },
        { dimension: 'date', level: 'year', op: 'eq', values: ['1994'] },
        { dimension: 'discount', level: 'discount', op: 'between', values: ['5', '7'] },
        { dimension: 'quantity', level: 'quantity', op: 'between', values: ['26', '35'] },
      ],
    },
    sql: `SELECT sum(lo_extendedprice * lo_discount)::DOUBLE AS discount_revenue
      FROM {lineorder}, {date}
      WHERE lo_orderdate = d_datekey AND d_weeknuminyear = 6 AND d_year = 1994
        AND lo_discount BETWEEN 5 AND 7 AND lo_quantity BETWEEN 26 AND 35`,
  },
  {
    name: 'Q2.1',
    query: {
      cube,
      measures: ['revenue'],
      levels: { date: 'year', part: 'brand' },
      filters: [
        { dimension: 'part', level: 'category', op: 'eq', values: ['MFGR#12'] },
        { dimension: 'supplier', level: 'region', op: 'eq', values: ['AMERICA'] },
      ],
      order: [{ by: 'date.year' }, { by: 'part.brand' }],
    },
    sql: `SELECT d_year::VARCHAR AS "date.year", p_brand1 AS "part.brand", sum(lo_revenue)::DOUBLE AS revenue
      FROM {lineorder}, {date}, {part}, {supplier}
      WHERE lo_orderdate = d_datekey AND lo_partkey = p_partkey AND lo_suppkey = s_suppkey
        AND p_category = 'MFGR#12' AND s_region = 'AMERICA'
      GROUP BY d_year, p_brand1 ORDER BY d_year, p_brand1`,
  },
  {
    name: 'Q2.2',
    query: {
      cube,
      measures: ['revenue'],
      levels: { date: 'year', part: 'brand' },
      filters: [
        { dimension: 'part', level: 'brand', op: 'between', values: ['MFGR#2221', 'MFGR#2228'] },
        { dimension: 'supplier', level: 'region', op: 'eq', values: ['ASIA'] },
      ],
      order: [{ by: 'date.year' }, { by: 'part.brand' }],
    },
    sql: `SELECT d_year::VARCHAR AS "date.year", p_brand1 AS "part.brand", sum(lo_revenue)::DOUBLE AS revenue
      FROM {lineorder}, {date}, {part}, {supplier}
      WHERE lo_orderdate = d_datekey AND lo_partkey = p_partkey AND lo_suppkey = s_suppkey
        AND p_brand1 BETWEEN 'MFGR#2221' AND 'MFGR#2228' AND s_region = 'ASIA'
      GROUP BY d_year, p_brand1 ORDER BY d_year, p_brand1`,
  },
  {
    name: 'Q2.3',
    query: {
      cube,
      measures: ['revenue'],
      levels: { date: 'year', part: 'brand' },
      filters: [
        { dimension: 'part', level: 'brand', op: 'eq', values: ['MFGR#2239'] },
        { dimension: 'supplier', level: 'region', op: 'eq', values: ['EUROPE'] },
      ],
      order: [{ by: 'date.year' }, { by: 'part.brand' }],
    },
    sql: `SELECT d_year::VARCHAR AS "date.year", p_brand1 AS "part.brand", sum(lo_revenue)::DOUBLE AS revenue
      FROM {lineorder}, {date}, {part}, {supplier}
      WHERE lo_orderdate = d_datekey AND lo_partkey = p_partkey AND lo_suppkey = s_suppkey
        AND p_brand1 = 'MFGR#2239' AND s_region = 'EUROPE'
      GROUP BY d_year, p_brand1 ORDER BY d_year, p_brand1`,
  },
  {
    name: 'Q3.1',
    query: {
      cube,
      measures: ['revenue'],
      levels: { customer: 'nation', supplier: 'nation', date: 'year' },
      filters: [
        { dimension: 'customer', level: 'region', op: 'eq', values: ['ASIA'] },
        { dimension: 'supplier', level: 'region', op: 'eq', values: ['ASIA'] },
        years92to97,
      ],
      order: [{ by: 'date.year' }, { by: 'revenue', desc: true }],
    },
    sql: `SELECT c_nation AS "customer.nation", s_nation AS "supplier.nation", d_year::VARCHAR AS "date.year", sum(lo_revenue)::DOUBLE AS revenue
      FROM {customer}, {lineorder}, {supplier}, {date}
      WHERE lo_custkey = c_custkey AND lo_suppkey = s_suppkey AND lo_orderdate = d_datekey
        AND c_region = 'ASIA' AND s_region = 'ASIA' AND d_year >= 1992 AND d_year <= 1997
      GROUP BY c_nation, s_nation, d_year ORDER BY d_year ASC, revenue DESC`,
  },
  {
    name: 'Q3.2',
    query: {
      cube,
      measures: ['revenue'],
      levels: { customer: 'city', supplier: 'city', date: 'year' },
      filters: [
        { dimension: 'customer', level: 'nation', op: 'eq', values: ['UNITED STATES'] },
        { dimension: 'supplier', level: 'nation', op: 'eq', values: ['UNITED STATES'] },
        years92to97,
      ],
      order: [{ by: 'date.year' }, { by: 'revenue', desc: true }],
    },
    sql: `SELECT c_city AS "customer.city", s_city AS "supplier.city", d_year::VARCHAR AS "date.year", sum(lo_revenue)::DOUBLE AS revenue
      FROM {customer}, {lineorder}, {supplier}, {date}
      WHERE lo_custkey = c_custkey AND lo_suppkey = s_suppkey AND lo_orderdate = d_datekey
        AND c_nation = 'UNITED STATES' AND s_nation = 'UNITED STATES' AND d_year >= 1992 AND d_year <= 1997
      GROUP BY c_city, s_city, d_year ORDER BY d_year ASC, revenue DESC`,
  },
  {
    name: 'Q3.3',
    query: {
      cube,
      measures: ['revenue'],
      levels: { customer: 'city', supplier: 'city', date: 'year' },
      filters: [ukCities('customer'), ukCities('supplier'), years92to97],
      order: [{ by: 'date.year' }, { by: 'revenue', desc: true }],
    },
    sql: `SELECT c_city AS "customer.city", s_city AS "supplier.city", d_year::VARCHAR AS "date.year", sum(lo_revenue)::DOUBLE AS revenue
      FROM {customer}, {lineorder}, {supplier}, {date}
      WHERE lo_custkey = c_custkey AND lo_suppkey = s_suppkey AND lo_orderdate = d_datekey
        AND (c_city = 'UNITED KI1' OR c_city = 'UNITED KI5') AND (s_city = 'UNITED KI1' OR s_city = 'UNITED KI5')
        AND d_year >= 1992 AND d_year <= 1997
      GROUP BY c_city, s_city, d_year ORDER BY d_year ASC, revenue DESC`,
  },
  {
    name: 'Q3.4',
    query: {
      cube,
      measures: ['revenue'],
      levels: { customer: 'city', supplier: 'city', date: 'year' },
      filters: [ukCities('customer'), ukCities('supplier'), { dimension: 'date', level: 'month', op: 'eq', values: ['199712'] }],
      order: [{ by: 'date.year' }, { by: 'revenue', desc: true }],
    },
    sql: `SELECT c_city AS "customer.city", s_city AS "supplier.city", d_year::VARCHAR AS "date.year", sum(lo_revenue)::DOUBLE AS revenue
      FROM {customer}, {lineorder}, {supplier}, {date}
      WHERE lo_custkey = c_custkey AND lo_suppkey = s_suppkey AND lo_orderdate = d_datekey
        AND (c_city = 'UNITED KI1' OR c_city = 'UNITED KI5') AND (s_city = 'UNITED KI1' OR s_city = 'UNITED KI5')
        AND d_yearmonth = 'Dec1997'
      GROUP BY c_city, s_city, d_year ORDER BY d_year ASC, revenue DESC`,
  },
  {
    name: 'Q4.1',
    query: {
      cube,
      measures: ['profit'],
      levels: { date: 'year', customer: 'nation' },
      filters: [
        { dimension: 'customer', level: 'region', op: 'eq', values: ['AMERICA'] },
        { dimension: 'supplier', level: 'region', op: 'eq', values: ['AMERICA'] },
        mfgr1or2,
      ],
      order: [{ by: 'date.year' }, { by: 'customer.nation' }],
    },
    sql: `SELECT d_year::VARCHAR AS "date.year", c_nation AS "customer.nation", sum(lo_revenue - lo_supplycost)::DOUBLE AS profit
      FROM {date}, {customer}, {supplier}, {part}, {lineorder}
      WHERE lo_custkey = c_custkey AND lo_suppkey = s_suppkey AND lo_partkey = p_partkey AND lo_orderdate = d_datekey
        AND c_region = 'AMERICA' AND s_region = 'AMERICA' AND (p_mfgr = 'MFGR#1' OR p_mfgr = 'MFGR#2')
      GROUP BY d_year, c_nation ORDER BY d_year, c_nation`,
  },
  {
    name: 'Q4.2',
    query: {
      cube,
      measures: ['profit'],
      levels: { date: 'year', supplier: 'nation', part: 'category' },
      filters: [
        { dimension: 'customer', level: 'region', op: 'eq', values: ['AMERICA'] },
        { dimension: 'supplier', level: 'region', op: 'eq', values: ['AMERICA'] },
        year97or98,
        mfgr1or2,
      ],
      order: [{ by: 'date.year' }, { by: 'supplier.nation' }, { by: 'part.category' }],
    },
    sql: `SELECT d_year::VARCHAR AS "date.year", s_nation AS "supplier.nation", p_category AS "part.category", sum(lo_revenue - lo_supplycost)::DOUBLE AS profit
      FROM {date}, {customer}, {supplier}, {part}, {lineorder}
      WHERE lo_custkey = c_custkey AND lo_suppkey = s_suppkey AND lo_partkey = p_partkey AND lo_orderdate = d_datekey
        AND c_region = 'AMERICA' AND s_region = 'AMERICA' AND (d_year = 1997 OR d_year = 1998)
        AND (p_mfgr = 'MFGR#1' OR p_mfgr = 'MFGR#2')
      GROUP BY d_year, s_nation, p_category ORDER BY d_year, s_nation, p_category`,
  },
  {
    name: 'Q4.3',
    query: {
      cube,
      measures: ['profit'],
      levels: { date: 'year', supplier: 'city', part: 'brand' },
      filters: [
        { dimension: 'customer', level: 'region', op: 'eq', values: ['AMERICA'] },
        { dimension: 'supplier', level: 'nation', op: 'eq', values: ['UNITED STATES'] },
        year97or98,
        { dimension: 'part', level: 'category', op: 'eq', values: ['MFGR#14'] },
      ],
      order: [{ by: 'date.year' }, { by: 'supplier.city' }, { by: 'part.brand' }],
    },
    sql: `SELECT d_year::VARCHAR AS "date.year", s_city AS "supplier.city", p_brand1 AS "part.brand", sum(lo_revenue - lo_supplycost)::DOUBLE AS profit
      FROM {date}, {customer}, {supplier}, {part}, {lineorder}
      WHERE lo_custkey = c_custkey AND lo_suppkey = s_suppkey AND lo_partkey = p_partkey AND lo_orderdate = d_datekey
        AND c_region = 'AMERICA' AND s_nation = 'UNITED STATES' AND (d_year = 1997 OR d_year = 1998)
        AND p_category = 'MFGR#14'
      GROUP BY d_year, s_city, p_brand1 ORDER BY d_year, s_city, p_brand1`,
  },
];

export const SSB_TABLES = ['lineorder', 'date', 'customer', 'supplier', 'part'] as const;

/** The query's SQL over the tables as `relation(table)` names them (a Parquet read, or an in-memory table). */
export function ssbSql(query: SsbQuery, relation: (table: (typeof SSB_TABLES)[number]) => string): string {
  return query.sql.replace(/\{(\w+)\}/g, (_, table: (typeof SSB_TABLES)[number]) => relation(table));
}

/** `read_parquet('<dir>/<table>.parquet')`, aliased so the SQL's comma joins read as the standard text. */
export function parquetRelation(dataDir: string): (table: (typeof SSB_TABLES)[number]) => string {
  return (table) => `read_parquet('${`${dataDir}/${table}.parquet`.replaceAll("'", "''")}') AS ${table === 'date' ? '"date"' : table}`;
}


/**
 * The query with each member filter (`eq` / `in`) written as an `or` of one-member
 * ranges (`between m and m`): the same rows, but a member the data lacks matches
 * nothing instead of being rejected. arrowcube answers a member filter naming an
 * unknown member with 400 MEMBER_UNKNOWN (a typo check); at SF 0.1 no supplier is in
 * `UNITED KI1` or `UNITED KI5`, so Q3.3 and Q3.4 need this form there.
 */
export function asRanges(query: CubeQueryInput): CubeQueryInput {
  const rewrite = (filters: readonly Filter[]): Filter[] =>
    filters.map((filter): Filter => {
      if ('and' in filter) return { and: rewrite(filter.and) };
      if ('or' in filter) return { or: rewrite(filter.or) };
      if (filter.op !== 'eq' && filter.op !== 'in') return filter;
      const ranges = filter.values.map((value): Filter => ({ ...filter, op: 'between', values: [value, value] }));
      return ranges.length === 1 ? ranges[0]! : { or: ranges };
    });
  return { ...query, filters: rewrite((query.filters ?? []) as Filter[]) };
}

type Row = Record<string, unknown>;

/**
 * Rows as comparable text: members as strings, measures as numbers (exact: SSB sums are
 * integers far below 2^53), sorted, so two answers compare regardless of tie order.
 */
export function canonicalRows(rows: readonly Row[]): string[] {
  return rows
    .map((row) =>
      JSON.stringify(
        Object.keys(row)
          .sort()
          .map((key) => [key, typeof row[key] === 'bigint' ? Number(row[key]) : row[key]]),
      ),
    )
    .sort();
}

/** Differences between two answers, for a readable failure (empty = equal). */
export function diffRows(actual: readonly Row[], expected: readonly Row[]): string[] {
  const a = canonicalRows(actual);
  const e = canonicalRows(expected);
  const missing = e.filter((row) => !a.includes(row));
  const extra = a.filter((row) => !e.includes(row));
  return [...missing.slice(0, 5).map((row) => `missing ${row}`), ...extra.slice(0, 5).map((row) => `unexpected ${row}`)];
}
