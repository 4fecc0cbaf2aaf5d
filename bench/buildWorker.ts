import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { buildCube } from '../src/build/index.ts';
import { openBuildDatabase } from '../src/build/buildDatabase.ts';
import { cuboidScanSql } from '../src/build/cuboidScanSql.ts';
import { scanColumns } from '../src/build/scanColumns.ts';
import { scanDimensions } from '../src/build/scanDimensions.ts';
import type { CubeModel } from '../src/model/types.ts';
import type { PlannedCuboid } from '../src/plan/types.ts';

/**
 * One measurement per process, so peak RSS belongs to it alone:
 *   build <model.json> <cubesDir>            the whole build of one cube
 *   query <model.json> <cuboids.json>        the build's GROUPING SETS queries alone (the main scan, and the
 *                                            exact distinct scan if any cuboid holds one), results discarded
 *                                            (after the dimension scan they join, which is not timed)
 * Prints one JSON line.
 */
const [mode, modelFile, target] = process.argv.slice(2) as ['build' | 'query', string, string];
const model = JSON.parse(await readFile(modelFile, 'utf8')) as CubeModel;
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;

if (mode === 'build') {
  const phases: Record<string, number> = {};
  const summary = await buildCube(model, { cubesDir: target, onProgress: (event) => (phases[event.phase] ??= elapsed()) });
  report({ seconds: elapsed(), phases, summary });
} else {
  const cuboids = JSON.parse(await readFile(target, 'utf8')) as PlannedCuboid[];
  const database = await openBuildDatabase(model);
  try {
    const columns = scanColumns(model);
    const { codeTables, cardinality } = await scanDimensions(database.connection, model, columns);
    const { stages } = cuboidScanSql(model, columns, codeTables, cuboids, cardinality);
    const begun = performance.now();
    // hash(q) reads every column of every row, so no aggregate can be optimised away.
    let rows = 0;
    for (const { select } of stages) {
      const reader = await database.connection.runAndReadAll(`SELECT count(*)::DOUBLE, max(hash(q)) FROM (${select}) AS q`);
      rows += Number(reader.getRows()[0]![0]);
    }
    report({ seconds: (performance.now() - begun) / 1000, rows });
  } finally {
    await database.close();
  }
}

function report(result: object): void {
  process.stdout.write(`${JSON.stringify({ ...result, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}
