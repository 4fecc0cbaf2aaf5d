import { performance } from 'node:perf_hooks';
import { CubeError, isCubeError } from '../errors.ts';
import type { CuboidData } from '../model/data.ts';
import { levelKey, type CubeModel } from '../model/types.ts';
import { planCuboids } from '../plan/planCuboids.ts';
import { openCubeVersion, type CubeVersionWriter } from '../store/writeCubeVersion.ts';
import { firstLine, openBuildDatabase } from './buildDatabase.ts';
import { cuboidScanSql } from './cuboidScanSql.ts';
import { scanColumns } from './scanColumns.ts';
import { scanCuboids, type ScanReport } from './scanCuboids.ts';
import { scanDimensions } from './scanDimensions.ts';
import type { BuildOptions, BuildProgress, BuildSummary } from './types.ts';
import { isNumericType, validateExpressions, type ExpressionTypes } from './validateExpressions.ts';

/**
 * Definition → built cube version: validate every expression, scan the dimensions
 * (dictionaries, hierarchy check, statistics), plan the cuboids, scan them all in one
 * pass, and hand the result to the store, which makes it current atomically. Each
 * cuboid's file is written while the next one is read. Any failure before the commit
 * leaves the cube's current version untouched and removes the unfinished one.
 */
export async function buildCube(model: CubeModel, options: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  const emit = (event: BuildProgress) => options.onProgress?.(event);
  const database = await openBuildDatabase(model);
  let writer: CubeVersionWriter | undefined;
  let sourceRows: number;
  try {
    const { connection } = database;
    emit({ cube: model.name, phase: 'validate' });
    const types = await validateExpressions(connection, model);
    const columns = scanColumns(model);

    emit({ cube: model.name, phase: 'dictionaries' });
    const dimensions = await sourceStep(model, 'scanning dimensions', () => scanDimensions(connection, model, columns));
    const { cardinality } = dimensions;
    const plan = planCuboids(model, { sourceRows: dimensions.sourceRows, cardinality });
    sourceRows = dimensions.sourceRows;
    emit({ cube: model.name, phase: 'plan', plan, sourceRows });

    const data = { model: withDetectedOrders(model, types), dictionaries: dimensions.dictionaries, parentMaps: dimensions.parentMaps };
    writer = await openCubeVersion(options.cubesDir, data);
    emit({ cube: model.name, phase: 'scan' });
    const sql = cuboidScanSql(model, columns, dimensions.codeTables, plan.cuboids, cardinality);
    const cuboidRows: number[] = [];
    let reported = 0;
    const onCuboid = (cuboid: CuboidData, index: number) => {
      const { estimatedRows, reason } = plan.cuboids[index]!;
      writer!.addCuboid({ ...cuboid, estimatedRows, reason }, index);
      cuboidRows[index] = cuboid.rows;
      // Progress is reported in plan order, whatever order the scan reads cuboids in.
      for (; cuboidRows[reported] !== undefined; reported++) {
        emit({ cube: model.name, phase: 'cuboid', name: plan.cuboids[reported]!.name, index: reported, total: plan.cuboids.length, rows: cuboidRows[reported]! });
      }
    };
    // DuckDB's count passes the source's rows near the end (see runReporting): more than the source has is all of it.
    const onScan = ({ pass, passes, rowsRead }: ScanReport) =>
      emit({ cube: model.name, phase: 'scanned', pass, passes, rowsRead: Math.min(rowsRead, sourceRows), sourceRows });
    await sourceStep(model, 'scanning cuboids', () => scanCuboids(connection, sql, plan.cuboids, onCuboid, onScan, options.progressIntervalMs));
    emit({ cube: model.name, phase: 'write' });
  } catch (error) {
    await database.close();
    await writer?.abort();
    throw error;
  }
  // Closing frees DuckDB's tables on this thread while the last files are still being fsynced.
  const [manifest] = await Promise.all([writer.commit({ sourceRows, buildSeconds: (performance.now() - started) / 1000 }), database.close()]);

  const summary: BuildSummary = {
    cube: model.name,
    version: manifest.version,
    sourceRows: manifest.sourceRows,
    cuboids: manifest.cuboids.map(({ name, levels, estimatedRows, rows, bytes, reason, partials, sortedBy }) => ({
      name,
      levels,
      estimatedRows,
      rows,
      bytes,
      reason,
      partials,
      sortedBy,
    })),
    rows: manifest.cuboids.reduce((total, cuboid) => total + cuboid.rows, 0),
    bytes: manifest.cuboids.reduce((total, cuboid) => total + cuboid.bytes, 0),
    seconds: (performance.now() - started) / 1000,
  };
  emit({ cube: model.name, phase: 'done', summary });
  return summary;
}

/** Builds cubes one after another; the first failure stops the run (cubes built before it stay built). */
export async function buildCubes(models: readonly CubeModel[], options: BuildOptions): Promise<BuildSummary[]> {
  const summaries: BuildSummary[] = [];
  for (const model of models) summaries.push(await buildCube(model, options));
  return summaries;
}

/** The copy stored with the version records the member order the dictionaries were built in. */
function withDetectedOrders(model: CubeModel, types: ExpressionTypes): CubeModel {
  return {
    ...model,
    dimensions: model.dimensions.map((dimension) => ({
      ...dimension,
      levels: dimension.levels.map((level) =>
        level.order !== 'time' && isNumericType(types.level.get(levelKey(dimension.name, level.name))!) ? { ...level, order: 'numeric' } : level,
      ),
    })),
  };
}

/**
 * DuckDB errors while reading data (a failed cast, a vanished file, memory) are build
 * failures the user can act on. Parser, binder and catalog errors cannot come from the
 * definition any more (validation bound every expression), so they stay bugs.
 */
async function sourceStep<T>(model: CubeModel, step: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isCubeError(error) || !isDataError(error)) throw error;
    throw new CubeError('BUILD_FAILED', `${model.file}: cube "${model.name}": ${step} failed: ${firstLine(error)}`, { cause: error });
  }
}

function isDataError(error: unknown): boolean {
  const kind = error instanceof Error ? /^([A-Z][A-Za-z ]*) Error: /.exec(error.message)?.[1] : undefined;
  return kind !== undefined && !['Parser', 'Binder', 'Catalog', 'INTERNAL'].includes(kind);
}
