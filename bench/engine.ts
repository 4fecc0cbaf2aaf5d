import { mkdir } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { DuckDBInstance, INTEGER, LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { CubeEngine } from '../src/engine/index.ts';
import { LoadedCube } from '../src/engine/loadedCube.ts';
import type { CubeData, CuboidData } from '../src/model/data.ts';
import { parseDefinition } from '../src/model/loadDefinitions.ts';
import type { CubeQueryInput } from '../src/model/query.ts';
import { fromClause, quoteIdentifier, quoteLiteral, sourceSetup } from '../src/model/sourceSql.ts';
import type { CubeModel, DimensionModel } from '../src/model/types.ts';
import { readCube } from '../src/store/index.ts';
import { benchCubes, benchModel, benchWarehouse, shownAgainst, time, writeSection } from './benchSupport.ts';

/**
 * Engine benchmark: a fixed mix of covered queries answered by the engine (cuboid,
 * typed-array aggregation core, cache off), side by side with DuckDB answering the same
 * question from the raw star schema and from the very cuboid the engine chose, loaded
 * into DuckDB as a table (with its dictionaries and roll-up maps). Then the scan
 * throughput of the core for a one-filter, one-group sum over a large cuboid.
 * Writes its section of bench/RESULTS.md; numbers come from this script only.
 *
 *   npx tsx bench/engine.ts [--rows 20000000] [--iterations 200] [--data data/bench]
 */
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000000' },
    seed: { type: 'string', default: '7' },
    cube: { type: 'string', default: 'transactions' },
    definitions: { type: 'string', default: 'definitions' },
    data: { type: 'string', default: 'data/bench' },
    iterations: { type: 'string', default: '200' },
    results: { type: 'string', default: 'bench/RESULTS.md' },
  },
});
const rows = Number(values.rows.replaceAll('_', ''));
const iterations = Number(values.iterations);
const THROUGHPUT_GOAL = 300e6;

/** A speed-up against its goal, marked so a miss is seen at a glance. */
function ratio(value: number, goal: number): string {
  return `${shownAgainst(value, value >= 10 ? 0 : 1, goal, 'higher')}× ${value >= goal ? '✓' : '✗'}`;
}

/** A benchmark query: the CubeQuery, and the SQL that finishes DuckDB's cells (`cells`: g0…, then partial sums). */
interface BenchQuery {
  name: string;
  query: CubeQueryInput;
  /** Partial sums the SQL needs, by the cube's partial column names. */
  partials: string[];
  finish: (cells: string) => string;
}

function mix(cube: CubeData): BenchQuery[] {
  const first = (key: string) => cube.dictionaries[key]!.find((member) => member !== null)!;
  const lastYear = cube.dictionaries['time.year']!.filter((member) => member !== null).at(-1)!;
  const province = first('region.province');
  return [
    {
      name: 'profit by region',
      query: { cube: cube.model.name, levels: { region: 'region' }, measures: ['profit'] },
      partials: ['profit__sum'],
      finish: (cells) => `SELECT g0, profit__sum AS profit FROM ${cells} ORDER BY g0`,
    },
    {
      name: 'VIP volume by province × quarter',
      query: {
        cube: cube.model.name,
        levels: { region: 'province', time: 'quarter' },
        measures: ['amount', 'transactions'],
        filters: [{ dimension: 'segment', level: 'tier', op: 'eq', values: ['VIP'] }],
      },
      partials: ['amount__sum', 'transactions__count'],
      finish: (cells) => `SELECT g0, g1, amount__sum AS amount, transactions__count AS transactions FROM ${cells} ORDER BY g0, g1`,
    },
    {
      name: 'profit share by year × tier',
      query: { cube: cube.model.name, levels: { time: 'year', segment: 'tier' }, measures: ['profit', 'profit:pctOfTotal'] },
      partials: ['profit__sum'],
      finish: (cells) => `SELECT g0, g1, profit__sum, profit__sum / sum(profit__sum) OVER () FROM ${cells} ORDER BY g0, g1`,
    },
    {
      name: `margin and average by month of ${lastYear}`,
      query: {
        cube: cube.model.name,
        levels: { time: 'month' },
        measures: ['margin', 'average_amount'],
        filters: [{ dimension: 'time', level: 'year', op: 'eq', values: [lastYear] }],
      },
      partials: ['profit__sum', 'fee_revenue__sum', 'interest_revenue__sum', 'average_amount__sum', 'average_amount__count'],
      finish: (cells) =>
        `SELECT g0, profit__sum / nullif(fee_revenue__sum + interest_revenue__sum, 0), average_amount__sum / nullif(average_amount__count, 0) FROM ${cells} ORDER BY g0`,
    },
    {
      name: 'top 5 branches by profit per year, with Others',
      query: {
        cube: cube.model.name,
        levels: { time: 'year', region: 'branch' },
        measures: ['profit'],
        topN: { dimension: 'region', n: 5, by: 'profit' },
      },
      partials: ['profit__sum'],
      finish: (cells) => `WITH ranked AS (SELECT *, row_number() OVER (PARTITION BY g0 ORDER BY profit__sum DESC, g1) AS r FROM ${cells})
        SELECT g0, CASE WHEN r <= 5 THEN g1 ELSE 'Others' END AS branch, sum(profit__sum) FROM ranked GROUP BY ALL ORDER BY g0, branch`,
    },
    {
      name: `account managers in ${lastYear}, top 20 by profit`,
      query: {
        cube: cube.model.name,
        levels: { manager: 'manager' },
        measures: ['profit', 'transactions'],
        filters: [{ dimension: 'time', level: 'year', op: 'eq', values: [lastYear] }],
        order: [{ by: 'profit', desc: true }],
        limit: 20,
      },
      partials: ['profit__sum', 'transactions__count'],
      finish: (cells) => `SELECT g0, profit__sum, transactions__count FROM ${cells} ORDER BY profit__sum DESC LIMIT 20`,
    },
    {
      name: `cities of ${province} by quarter`,
      query: {
        cube: cube.model.name,
        levels: { region: 'city', time: 'quarter' },
        measures: ['amount'],
        filters: [{ dimension: 'region', level: 'province', op: 'eq', values: [province] }],
      },
      partials: ['amount__sum'],
      finish: (cells) => `SELECT g0, g1, amount__sum FROM ${cells} ORDER BY g0, g1`,
    },
  ];
}

type Filters = NonNullable<CubeQueryInput['filters']>;

function dimensionOf(model: CubeModel, name: string): DimensionModel {
  return model.dimensions.find((dimension) => dimension.name === name)!;
}

/** The cells from the raw star schema: member text per grouped level, partial sums from the source expressions. */
function rawCells(model: CubeModel, bench: BenchQuery): string {
  const level = (dimension: string, name: string) => dimensionOf(model, dimension).levels.find((candidate) => candidate.name === name)!;
  const groups = Object.entries(bench.query.levels ?? {}).map(([dimension, name], index) => `CAST((${level(dimension, name).expr}) AS VARCHAR) AS g${index}`);
  const partials = bench.partials.map((column) => {
    const [measureName, role] = column.split('__') as [string, string];
    const measure = model.measures.find((candidate) => candidate.name === measureName)!;
    const value = measure.expr === undefined ? '*' : `(${measure.expr})`;
    return `${role === 'count' ? `count(${value})` : `sum(${value})`}::DOUBLE AS ${column}`;
  });
  const where = ((bench.query.filters ?? []) as Filters).map((filter) => {
    const leaf = filter as { dimension: string; level: string; values: string[] };
    return `CAST((${level(leaf.dimension, leaf.level).expr}) AS VARCHAR) = ${quoteLiteral(leaf.values[0]!)}`;
  });
  return `(SELECT ${[...groups, ...partials].join(', ')} ${fromClause(model)} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY ALL)`;
}

/** The same cells from the cuboid loaded into DuckDB: codes rolled up through map tables, filters as code lists. */
function cuboidCells(loaded: LoadedCube, cuboid: CuboidData, bench: BenchQuery): string {
  const model = loaded.data.model;
  const joins: string[] = [];
  const groups = Object.entries(bench.query.levels ?? {}).map(([dimension, level], index) => {
    const held = cuboid.levels[dimension]!;
    const code = held === level ? `c.${quoteIdentifier(dimension)}` : `r${index}.parent`;
    if (held !== level) joins.push(`JOIN ${mapTable(dimension, held, level).sql} AS r${index} ON r${index}.code = c.${quoteIdentifier(dimension)}`);
    joins.push(`JOIN ${dictionaryTable(dimension, level).sql} AS d${index} ON d${index}.code = ${code}`);
    return `d${index}.member AS g${index}`;
  });
  const where = ((bench.query.filters ?? []) as Filters).map((filter) => {
    const leaf = filter as { dimension: string; level: string; values: string[] };
    const dimension = dimensionOf(model, leaf.dimension);
    const held = cuboid.levels[leaf.dimension]!;
    const wanted = loaded.level(dimension, leaf.level).codeOf(leaf.values[0]!)!;
    const map = loaded.rollup(dimension, held, leaf.level);
    const codes = Array.from({ length: loaded.level(dimension, held).size }, (_, code) => code).filter((code) => (map === null ? code : map[code]) === wanted);
    return `c.${quoteIdentifier(leaf.dimension)} IN (${codes.join(', ')})`;
  });
  const partials = bench.partials.map((column) => `sum(c.${quoteIdentifier(column)}) AS ${column}`);
  return `(SELECT ${[...groups, ...partials].join(', ')} FROM ${cuboidTable(cuboid).sql} AS c ${joins.join(' ')} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY ALL)`;
}

/** Bench tables live in the in-memory catalog: the warehouse is attached read-only and is the default. */
const table = (name: string) => ({ name, sql: `memory.main.${quoteIdentifier(name)}` });
const cuboidTable = (cuboid: CuboidData) => table(`cuboid ${cuboid.name}`);
const mapTable = (dimension: string, from: string, to: string) => table(`map ${dimension}.${from}>${to}`);
const dictionaryTable = (dimension: string, level: string) => table(`dictionary ${dimension}.${level}`);

/** Loads what cuboidCells reads: the cuboid's columns, and the dictionaries and composed maps of the mix. */
async function loadIntoDuckDB(connection: DuckDBConnection, loaded: LoadedCube, cuboid: CuboidData, bench: BenchQuery): Promise<void> {
  const model = loaded.data.model;
  const exists = async ({ name }: { name: string }) =>
    Number(
      (await connection.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE database_name = 'memory' AND table_name = ${quoteLiteral(name)}`)).getRows()[0]![0],
    ) > 0;
  const target = cuboidTable(cuboid);
  if (!(await exists(target))) {
    const dimensions = Object.keys(cuboid.codes);
    const partials = Object.keys(cuboid.partials);
    await connection.run(
      `CREATE TABLE ${target.sql} (${[...dimensions.map((name) => `${quoteIdentifier(name)} INTEGER`), ...partials.map((name) => `${quoteIdentifier(name)} DOUBLE`)].join(', ')})`,
    );
    const appender = await connection.createAppender(target.name, 'main', 'memory');
    for (let row = 0; row < cuboid.rows; row++) {
      for (const name of dimensions) appender.appendInteger(cuboid.codes[name]![row]!);
      for (const name of partials) appender.appendDouble(cuboid.partials[name]![row]!);
      appender.endRow();
    }
    appender.closeSync();
  }
  for (const [dimension, level] of Object.entries(bench.query.levels ?? {})) {
    const model_ = dimensionOf(model, dimension);
    const dictionary = dictionaryTable(dimension, level);
    if (!(await exists(dictionary))) {
      const members = loaded.level(model_, level).members;
      await connection.run(
        `CREATE TABLE ${dictionary.sql} AS SELECT (generate_subscripts($1, 1) - 1)::INTEGER AS code, unnest($1) AS member`,
        [listValue(members as string[])],
        [LIST(VARCHAR)],
      );
    }
    const held = cuboid.levels[dimension]!;
    const map = loaded.rollup(model_, held, level);
    const mapName = mapTable(dimension, held, level);
    if (map !== null && !(await exists(mapName))) {
      await connection.run(
        `CREATE TABLE ${mapName.sql} AS SELECT (generate_subscripts($1, 1) - 1)::INTEGER AS code, unnest($1) AS parent`,
        [listValue(Array.from(map))],
        [LIST(INTEGER)],
      );
    }
  }
}

async function prepareCube(): Promise<CubeData> {
  const seed = Number(values.seed);
  const { path: warehouse } = await benchWarehouse(values.data, rows, seed);
  const model = await benchModel(values.definitions, values.cube, warehouse);
  return readCube(await benchCubes(values.data, rows, seed, model), model.name);
}

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));

async function main(): Promise<void> {
  await mkdir(values.data, { recursive: true });
  const cube = await prepareCube();
  const loaded = new LoadedCube(cube);
  const engine = new CubeEngine({ cacheBytes: 0 });
  engine.load(cube);

  const instance = await DuckDBInstance.create(':memory:');
  const duckdb = await instance.connect();
  for (const statement of sourceSetup(cube.model)) await duckdb.run(statement);
  const version = String((await duckdb.runAndReadAll('SELECT version()')).getRows()[0]![0]);

  const lines: string[] = [];
  for (const bench of mix(cube)) {
    const answer = await engine.query(bench.query);
    if (answer.meta.source !== 'cuboid') throw new Error(`"${bench.name}" is not covered by a cuboid: the mix must be`);
    const cuboid = cube.cuboids.find((candidate) => candidate.name === answer.meta.cuboid)!;
    console.log(`${bench.name}: cuboid ${cuboid.name} (${cuboid.rows.toLocaleString('en-US')} rows)`);
    await loadIntoDuckDB(duckdb, loaded, cuboid, bench);
    const rawSql = bench.finish(rawCells(cube.model, bench));
    const cuboidSql = bench.finish(cuboidCells(loaded, cuboid, bench));
    const engineTime = await time(() => engine.query(bench.query), iterations);
    const cuboidTime = await time(() => duckdb.runAndReadAll(cuboidSql), Math.min(iterations, 50));
    const rawTime = await time(() => duckdb.runAndReadAll(rawSql), 10);
    lines.push(
      `| ${bench.name} | ${cuboid.name} | ${cuboid.rows.toLocaleString('en-US')} | ${answer.rows.length} | ${ms(engineTime.median)} / ${ms(engineTime.p99)} | ${ms(cuboidTime.median)} / ${ms(cuboidTime.p99)} | ${ms(rawTime.median)} / ${ms(rawTime.p99)} | ${ratio(cuboidTime.median / engineTime.median, 5)} | ${ratio(rawTime.median / engineTime.median, 100)} |`,
    );
  }

  const throughput = await scanThroughput();
  duckdb.closeSync();
  instance.closeSync();
  await engine.close();
  const text = section(lines, throughput, version);
  await writeSection(values.results, 'engine', text);
  console.log(text);
}

/**
 * The core's scan rate: a one-filter, one-group sum over a synthetic 10M-row cuboid
 * (the bank's real cuboids are far smaller, so their timings are mostly fixed costs).
 */
async function scanThroughput(): Promise<{ rows: number; median: number; rowsPerSecond: number }> {
  const scanRows = 10_000_000;
  const [model] = parseDefinition(
    `cubes:
  scan:
    source: { database: unused.duckdb, table: facts, alias: f }
    dimensions:
      account: { levels: { account: f.account } }
      branch: { levels: { branch: f.branch } }
    measures:
      amount: { agg: sum, expr: f.amount }
    aggregation: { auto: false }
`,
    'bench/scan.yaml',
    {},
  );
  let state = 42;
  const next = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0);
  const cuboid: CuboidData = {
    name: 'account.account+branch.branch',
    levels: { account: 'account', branch: 'branch' },
    rows: scanRows,
    codes: { account: Int32Array.from({ length: scanRows }, () => next() % 1000), branch: Int32Array.from({ length: scanRows }, () => next() % 200) },
    partials: { amount__sum: Float64Array.from({ length: scanRows }, () => (next() % 100_000) / 100) },
    registers: {},
    // Random codes: the rows are in no order.
    sortedBy: [],
  };
  const members = (count: number) => Array.from({ length: count }, (_, code) => String(code).padStart(4, '0'));
  const engine = new CubeEngine({ cacheBytes: 0 });
  engine.load({ model: model!, version: 'scan', builtAt: new Date().toISOString(), dictionaries: { 'account.account': members(1000), 'branch.branch': members(200) }, parentMaps: {}, cuboids: [cuboid] });
  const query: CubeQueryInput = {
    cube: 'scan',
    levels: { branch: 'branch' },
    measures: ['amount'],
    filters: [{ dimension: 'account', level: 'account', op: 'in', values: members(1000).filter((_, code) => code % 3 === 0) }],
  };
  const { median } = await time(() => engine.query(query), 50);
  await engine.close();
  return { rows: scanRows, median, rowsPerSecond: scanRows / (median / 1000) };
}

function section(lines: string[], throughput: Awaited<ReturnType<typeof scanThroughput>>, version: string): string {
  const rate = throughput.rowsPerSecond;
  return [
    '## Engine',
    '',
    `Cube \`${values.cube}\` over the seeded bank warehouse of ${rows.toLocaleString('en-US')} fact rows (seed ${values.seed}). Reproduce with \`npx tsx bench/engine.ts --rows ${rows}\`.`,
    '',
    `Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version}, DuckDB ${version}; measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
    'Latency in milliseconds, median / p99:',
    '',
    '| query | cuboid chosen | cuboid rows | result rows | engine (cuboid, typed arrays) | DuckDB on the same cuboid | DuckDB on the star schema | same cuboid / engine (goal ≥ 5×) | star / engine (goal ≥ 100×) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...lines,
    '',
    `Scan throughput of the aggregation core: a sum grouped by one dimension (200 members) with an \`in\` filter on another (1,000 members, a third kept), over a synthetic cuboid of ${throughput.rows.toLocaleString('en-US')} rows: median ${ms(throughput.median)} ms per query = **${shownAgainst(rate / 1e6, 0, THROUGHPUT_GOAL / 1e6, 'higher')}M rows/s** on one core ${rate >= THROUGHPUT_GOAL ? '✓' : `✗ (goal ${THROUGHPUT_GOAL / 1e6}M rows/s)`}.`,
    '',
    `- *Engine*: \`CubeEngine.query\` end to end with the result cache off (validation, routing, filter masks, grouping, fold kernels, finishing, ordering, JSON-ready rows), ${iterations} runs after 5 warm-ups, in one Node thread.`,
    '- *DuckDB on the same cuboid*: the cuboid the engine chose, appended into an in-memory DuckDB table with its dictionaries and composed roll-up maps as tables; the query rolls codes up by joins, filters on code lists, sums partials and finishes in SQL (50 runs). DuckDB uses every core.',
    '- *DuckDB on the star schema*: the same question as plain SQL over the attached warehouse (fact table joined to its dimensions), 10 runs. DuckDB uses every core.',
  ].join('\n');
}

await main();
