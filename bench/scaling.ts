import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CubeEngine } from '../src/engine/index.ts';
import type { CubeData } from '../src/model/data.ts';
import type { CubeQueryInput } from '../src/model/query.ts';
import { MEMORY_SHARE } from '../src/build/buildDatabase.ts';
import { readCube } from '../src/store/index.ts';
import { benchModel, benchWarehouse, buildWorker, currentLoad, duckdbVersion, machineLine, mib, ms, shownAgainst, time, writeSection, type BuildRun, type Timing } from './benchSupport.ts';

/**
 * Scaling curve: the bank `transactions` cube over warehouses of growing fact tables.
 * Per size: the whole build (fresh process, as in bench/build.ts), the cuboid bytes,
 * and the median latency of a fixed mix of queries answered by the engine from
 * cuboids and, forced with `route: 'source'`, by DuckDB from the warehouse (result
 * cache off). Writes the scaling section of bench/RESULTS.md and bench/scaling.svg;
 * numbers come from this script only.
 *
 *   npx tsx bench/scaling.ts [--rows 1000000,5000000,10000000,20000000,50000000,100000000] [--repeat 50] [--source-repeat 5]
 *
 * Memory: the build's DuckDB spills to disk past 60% of the machine's memory (see
 * buildDatabase), but Node holds cuboids beside it, so 100M rows is a default size
 * only on machines with 20 GiB or more; the section says when it was left out.
 */
const LARGEST = 100_000_000;
const LARGEST_MEMORY = 20 * 2 ** 30;
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: `1000000,5000000,10000000,20000000,50000000${totalmem() >= LARGEST_MEMORY ? `,${LARGEST}` : ''}` },
    seed: { type: 'string', default: '7' },
    cube: { type: 'string', default: 'transactions' },
    definitions: { type: 'string', default: 'definitions' },
    data: { type: 'string', default: 'data/bench' },
    repeat: { type: 'string', default: '50' },
    'source-repeat': { type: 'string', default: '5' },
    results: { type: 'string', default: 'bench/RESULTS.md' },
    svg: { type: 'string', default: 'bench/scaling.svg' },
  },
});
const sizes = values.rows.split(',').map((text) => Number(text.replaceAll('_', '')));
const seed = Number(values.seed);
const repeat = Number(values.repeat);
const sourceRepeat = Number(values['source-repeat']);
const FLAT_GOAL = 2;

interface Point {
  rows: number;
  warehouseBytes: number;
  build: BuildRun;
  /** Median of one pass over the whole mix, ms. */
  cuboidMix: Timing;
  sourceMix: Timing;
  perQuery: Array<{ name: string; cuboid: string; cuboidMs: number; sourceMs: number }>;
}

/** The fixed mix: every query is covered by one of the definition's explicit cuboids at any size. */
function mix(cube: CubeData): Array<{ name: string; query: CubeQueryInput }> {
  const name = cube.model.name;
  const province = cube.dictionaries['region.province']!.find((member) => member !== null)!;
  const lastYear = cube.dictionaries['time.year']!.filter((member) => member !== null).at(-1)!;
  return [
    { name: 'profit by region', query: { cube: name, levels: { region: 'region' }, measures: ['profit'] } },
    {
      name: 'VIP volume by province × quarter',
      query: {
        cube: name,
        levels: { region: 'province', time: 'quarter' },
        measures: ['amount', 'transactions'],
        filters: [{ dimension: 'segment', level: 'tier', op: 'eq', values: ['VIP'] }],
      },
    },
    { name: 'profit and margin by year × tier', query: { cube: name, levels: { time: 'year', segment: 'tier' }, measures: ['profit', 'margin'] } },
    {
      name: `top 20 managers by profit in ${lastYear}`,
      query: {
        cube: name,
        levels: { manager: 'manager' },
        measures: ['profit', 'transactions'],
        filters: [{ dimension: 'time', level: 'year', op: 'eq', values: [lastYear] }],
        order: [{ by: 'profit', desc: true }],
        limit: 20,
      },
    },
    {
      name: `branches of ${province} by month`,
      query: {
        cube: name,
        levels: { region: 'branch', time: 'month' },
        measures: ['amount'],
        filters: [{ dimension: 'region', level: 'province', op: 'eq', values: [province] }],
      },
    },
  ];
}

async function measure(rows: number, scratch: string): Promise<Point> {
  const { path: warehouse } = await benchWarehouse(values.data, rows, seed);
  const model = await benchModel(values.definitions, values.cube, warehouse);
  const modelFile = join(scratch, `${rows}.model.json`);
  await writeFile(modelFile, JSON.stringify(model));
  const cubesDir = join(scratch, `cubes-${rows}`);
  console.log(`building ${values.cube} over ${rows.toLocaleString('en-US')} rows (fresh process)`);
  const build = await buildWorker<BuildRun>('build', modelFile, cubesDir);
  console.log(`  ${build.seconds.toFixed(1)} s, peak RSS ${mib(build.maxRssBytes)}`);

  const cube = await readCube(cubesDir, values.cube);
  const engine = new CubeEngine({ cacheBytes: 0, queryTimeoutMs: 600_000 });
  engine.load(cube);
  try {
    const queries = mix(cube);
    const perQuery: Point['perQuery'] = [];
    for (const { name, query } of queries) {
      const covered = await engine.query(query);
      if (covered.meta.source !== 'cuboid') throw new Error(`"${name}" is not covered by a cuboid at ${rows} rows: the mix must be`);
      const fromSource = await engine.query({ ...query, route: 'source' });
      if (fromSource.meta.source !== 'source') throw new Error(`"${name}" with route: 'source' was not answered from the source`);
      const cuboidTime = await time(() => engine.query(query), repeat);
      const sourceTime = await time(() => engine.query({ ...query, route: 'source' }), sourceRepeat, 1);
      perQuery.push({ name, cuboid: covered.meta.cuboid!, cuboidMs: cuboidTime.median, sourceMs: sourceTime.median });
      console.log(`  ${name}: cuboid ${ms(cuboidTime.median)} ms (${covered.meta.cuboid}), source ${ms(sourceTime.median)} ms`);
    }
    const runAll = (route: 'auto' | 'source') => async () => {
      for (const { query } of queries) await engine.query({ ...query, route });
    };
    const cuboidMix = await time(runAll('auto'), repeat);
    const sourceMix = await time(runAll('source'), sourceRepeat, 1);
    return { rows, warehouseBytes: (await stat(warehouse)).size, build, cuboidMix, sourceMix, perQuery };
  } finally {
    await engine.close();
    await rm(cubesDir, { recursive: true, force: true });
  }
}

/** A log-log chart of mix latency against fact rows: cuboid path and fallback side by side. Plain SVG, no dependency. */
function chart(points: Point[]): string {
  const width = 760;
  const height = 420;
  const margin = { left: 80, right: 240, top: 60, bottom: 60 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = points.map((point) => point.rows);
  const ys = points.flatMap((point) => [point.cuboidMix.median, point.sourceMix.median]);
  const decade = (value: number, round: (x: number) => number) => 10 ** round(Math.log10(value));
  const [xMin, xMax] = [decade(Math.min(...xs), Math.floor), decade(Math.max(...xs), Math.ceil)];
  const [yMin, yMax] = [decade(Math.min(...ys), Math.floor), decade(Math.max(...ys), Math.ceil)];
  const x = (value: number) => margin.left + ((Math.log10(value) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * plotW;
  const y = (value: number) => margin.top + plotH - ((Math.log10(value) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  const label = (value: number, unit: string) => (value >= 1e6 ? `${value / 1e6}M` : value >= 1e3 ? `${value / 1e3}k` : `${value}`) + unit;
  const yLabel = (value: number) => (value >= 1000 ? `${value / 1000} s` : `${value} ms`);
  const parts: string[] = [];
  for (let tick = yMin; tick <= yMax * 1.0001; tick *= 10) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${yLabel(tick)}</text>`);
  }
  for (let tick = xMin; tick <= xMax * 1.0001; tick *= 10) {
    parts.push(`<line x1="${x(tick).toFixed(1)}" x2="${x(tick).toFixed(1)}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x(tick).toFixed(1)}" y="${margin.top + plotH + 20}" text-anchor="middle">${label(tick, '')}</text>`);
  }
  const series = (name: string, color: string, pick: (point: Point) => number, below: boolean) => {
    const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${x(point.rows).toFixed(1)},${y(pick(point)).toFixed(1)}`).join(' ');
    const dots = points
      .map(
        (point) =>
          `<circle cx="${x(point.rows).toFixed(1)}" cy="${y(pick(point)).toFixed(1)}" r="4" fill="${color}"/>` +
          `<text x="${(x(point.rows) + 6).toFixed(1)}" y="${(y(pick(point)) + (below ? 18 : -8)).toFixed(1)}" fill="${color}">${pick(point) >= 1000 ? `${(pick(point) / 1000).toFixed(2)} s` : `${ms(pick(point))} ms`}</text>`,
      )
      .join('');
    const last = points.at(-1)!;
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2.5"/>${dots}<text x="${(x(last.rows) + 14).toFixed(1)}" y="${(y(pick(last)) + (below ? -10 : 16)).toFixed(1)}" fill="${color}" font-weight="bold">${name}</text>`;
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="24" font-size="15" font-weight="bold">arrowcube: latency of a ${points[0]?.perQuery.length ?? 0}-query mix vs fact rows (log-log)</text>`,
    `<text x="${margin.left}" y="40" fill="#555">bank transactions cube; median of one pass over the mix; generated by bench/scaling.ts on ${new Date().toISOString().slice(0, 10)}</text>`,
    ...parts,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    series('fallback (DuckDB on the source)', '#c0392b', (point) => point.sourceMix.median, true),
    series('covered (cuboids)', '#1f6fb2', (point) => point.cuboidMix.median, false),
    `<text x="${margin.left + plotW / 2}" y="${height - 15}" text-anchor="middle">fact rows</text>`,
    `<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">mix latency</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function section(points: Point[], duckdb: string, loadAtStart: number[]): string {
  const command = `npx tsx bench/scaling.ts --rows ${sizes.join(',')}`;
  const first = points[0]!;
  const last = points.at(-1)!;
  const spread = Math.max(...points.map((p) => p.cuboidMix.median)) / Math.min(...points.map((p) => p.cuboidMix.median));
  const n = (value: number) => value.toLocaleString('en-US');
  return [
    '## Scaling',
    '',
    `Cube \`${values.cube}\` of \`${values.definitions}/\` over the seeded bank warehouse (seed ${seed}) at ${points.map((p) => n(p.rows)).join(', ')} fact rows. Reproduce with \`${command}\`. Chart: [scaling.svg](scaling.svg).`,
    '',
    machineLine(duckdb, loadAtStart),
    '',
    ...(last.rows < LARGEST
      ? [`Not measured at ${n(LARGEST)} fact rows: a default size only on machines with at least ${LARGEST_MEMORY / 2 ** 30} GiB of memory (this one has ${(totalmem() / 2 ** 30).toFixed(1)} GiB); \`--rows\` sets the sizes.`, '']
      : []),
    '| fact rows | whole build | build peak RSS | cuboids | cuboid rows | cuboid files | mix via cuboids (median / p99) | mix via fallback (median) | fallback / cuboids |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...points.map(
      (p) =>
        `| ${n(p.rows)} | ${p.build.seconds.toFixed(1)} s | ${mib(p.build.maxRssBytes)} | ${p.build.summary.cuboids.length} | ${n(p.build.summary.rows)} | ${mib(p.build.summary.bytes)} | ${ms(p.cuboidMix.median)} / ${ms(p.cuboidMix.p99)} ms | ${ms(p.sourceMix.median)} ms | ${(p.sourceMix.median / p.cuboidMix.median).toFixed(0)}× |`,
    ),
    '',
    `Covered-query latency from ${n(first.rows)} to ${n(last.rows)} fact rows: largest / smallest mix median = ${shownAgainst(spread, 2, FLAT_GOAL, 'lower')}× ${spread <= FLAT_GOAL ? '✓' : '✗'} (goal: flat within ${FLAT_GOAL}×); the fallback grows ${(last.sourceMix.median / first.sourceMix.median).toFixed(1)}× over the same range.`,
    '',
    'Per query, median milliseconds (cuboid path / fallback):',
    '',
    `| query | cuboid at ${n(last.rows)} rows | ${points.map((p) => `${n(p.rows)} rows`).join(' | ')} |`,
    `|---|---|${points.map(() => '---:').join('|')}|`,
    ...first.perQuery.map(
      (q, index) => `| ${q.name} | \`${last.perQuery[index]!.cuboid}\` | ${points.map((p) => `${ms(p.perQuery[index]!.cuboidMs)} / ${ms(p.perQuery[index]!.sourceMs)}`).join(' | ')} |`,
    ),
    '',
    `- *Mix*: the ${first.perQuery.length} queries above, run one after another through \`CubeEngine.query\` in this process with the result cache off; *via cuboids* is the default route (${repeat} passes after 5 warm-ups), *via fallback* the same queries with \`route: 'source'\` (DuckDB over the attached warehouse, star join, every core; ${sourceRepeat} passes after 1 warm-up).`,
    `- *Build peak RSS*: the build's DuckDB may hold ${(MEMORY_SHARE * 100).toFixed(0)}% of this machine's memory (${mib(totalmem() * MEMORY_SHARE)}) and spills to a temporary folder past that rather than failing.`,
    '- *Whole build*: bench/buildWorker.ts in a fresh process (as in the Build section); *cuboid files*: the Arrow IPC files of the cuboids. The cuboids are chosen by the planner under the definition\'s row budget, so their number and size can change with the data.',
    `- Warehouse files: ${points.map((p) => `${n(p.rows)} rows → ${mib(p.warehouseBytes)}`).join('; ')}.`,
  ].join('\n');
}

await mkdir(values.data, { recursive: true });
const loadAtStart = currentLoad();
const scratch = await mkdtemp(join(tmpdir(), 'arrowcube-bench-scaling-'));
try {
  const points: Point[] = [];
  for (const rows of sizes) points.push(await measure(rows, scratch));
  const text = section(points, await duckdbVersion(), loadAtStart);
  await writeFile(values.svg, chart(points));
  await writeSection(values.results, 'scaling', text);
  console.log(text);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
