import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CubeError } from '../errors.ts';
import { sourceSetup } from '../model/sourceSql.ts';
import type { CubeModel } from '../model/types.ts';

/**
 * A fresh in-memory DuckDB per cube build: nothing leaks between cubes, and closing
 * it frees everything the build materialised. Large intermediate results spill to a
 * private temp folder instead of failing; DuckDB creates it only when it spills and
 * removes it on close, so a build that never spills leaves nothing behind even if killed.
 */
export interface BuildDatabase {
  connection: DuckDBConnection;
  close(): Promise<void>;
}

/** Leave room for Node's own buffers (cuboid arrays, Arrow encoding) beside DuckDB. */
export const MEMORY_SHARE = 0.6;
let opened = 0;

export async function openBuildDatabase(model: CubeModel): Promise<BuildDatabase> {
  const spill = join(tmpdir(), `arrowcube-build-${process.pid}-${++opened}`);
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(availableParallelism()),
    memory_limit: `${Math.floor((totalmem() * MEMORY_SHARE) / 2 ** 20)}MB`,
    temp_directory: spill,
    // Every ordered result of the build says ORDER BY; unordered inserts use less memory.
    preserve_insertion_order: 'false',
  });
  const connection = await instance.connect();
  const close = async () => {
    connection.closeSync();
    instance.closeSync();
  };
  // Tracks how far a running query has read (see runReporting), without drawing DuckDB's own bar.
  await connection.run('SET enable_progress_bar = true');
  await connection.run('SET enable_progress_bar_print = false');
  try {
    for (const statement of sourceSetup(model)) await connection.run(statement);
  } catch (error) {
    await close();
    throw new CubeError('BUILD_FAILED', `${model.file}: cube "${model.name}": cannot open its source: ${firstLine(error)}`, {
      path: `cubes.${model.name}.source`,
      cause: error,
    });
  }
  return { connection, close };
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
