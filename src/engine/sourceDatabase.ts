import {
  DuckDBInstance,
  type DuckDBConnection,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { dirname } from 'node:path';
import { CubeError } from '../errors.ts';
import { fromClause, quoteLiteral, sourceSetup } from '../model/sourceSql.ts';
import type { CubeModel } from '../model/types.ts';

/** A statement with its bound parameters (member values never enter the SQL text). */
export interface BoundSql {
  sql: string;
  params: DuckDBValue[];
  types: DuckDBType[];
}

/** What one cube's source database may spend. */
export interface SourceLimits {
  /** Longest a statement batch may run before it is interrupted. */
  timeoutMs: number;
  /** DuckDB `memory_limit`, e.g. "2GB" (per cube: each cube has its own database). */
  memoryLimit: string;
  /** DuckDB worker threads; DuckDB's default (one per core) when absent. */
  threads?: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = { timeoutMs: 30_000, memoryLimit: '2GB' };

/**
 * One cube's raw source for the fallback: an in-memory DuckDB with the warehouse
 * attached read-only. Statements run one at a time on one connection, so a timeout
 * interrupts exactly the statement that overran. Once the source is reachable the
 * database is locked down: no file but the cube's own source files, no network, no
 * extensions, and no statement can change that (defence in depth: member values are
 * bound parameters, but names and formulas from definitions do reach the SQL text).
 */
export class SourceDatabase {
  private connection: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private sourceRows: Promise<number> | undefined;

  constructor(
    readonly model: CubeModel,
    private readonly limits: SourceLimits,
  ) {}

  /** Runs the statements in order within one time budget; a statement over budget is interrupted. */
  run(statements: readonly BoundSql[]): Promise<DuckDBResultReader[]> {
    const work = this.queue.then(() => this.runNow(statements));
    this.queue = work.catch(() => undefined);
    return work;
  }

  /** Rows of the fact table (what a fallback query scans). */
  rowCount(): Promise<number> {
    this.sourceRows ??= this.run([{ sql: `SELECT count(*)::DOUBLE AS n ${fromClause(this.model)}`, params: [], types: [] }]).then(
      ([reader]) => Number(reader!.getColumnsJS()[0]![0]),
    );
    return this.sourceRows;
  }

  /** Closes the database once the statements already queued have finished. */
  close(): Promise<void> {
    const closing = this.queue.then(async () => {
      if (this.connection === undefined) return;
      const { instance, connection } = await this.connection;
      connection.closeSync();
      instance.closeSync();
    });
    this.queue = closing.catch(() => undefined);
    return closing;
  }

  private async runNow(statements: readonly BoundSql[]): Promise<DuckDBResultReader[]> {
    this.connection ??= open(this.model, this.limits).catch((error: unknown) => {
      this.connection = undefined; // a missing warehouse may appear later: retry on the next query
      throw error;
    });
    const { connection } = await this.connection;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      connection.interrupt();
    }, this.limits.timeoutMs);
    try {
      const readers: DuckDBResultReader[] = [];
      for (const { sql, params, types } of statements) {
        if (timedOut) throw this.timeout();
        readers.push(await connection.runAndReadAll(sql, params, types));
      }
      return readers;
    } catch (error) {
      if (error instanceof CubeError) throw error;
      if (timedOut) throw this.timeout(error);
      throw isOutOfMemory(error) ? this.outOfMemory(error) : error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The memory limit is per cube and its statements run one at a time: a retry would fail the same way. */
  private outOfMemory(cause: unknown): CubeError {
    return new CubeError('QUERY_TOO_LARGE', `the source query needed more than the ${this.limits.memoryLimit} it may use`, {
      hint: 'narrow the query with filters, group by coarser levels, or build a cuboid that covers it',
      cause,
    });
  }

  private timeout(cause?: unknown): CubeError {
    return new CubeError('QUERY_TIMEOUT', `the source query took longer than ${this.limits.timeoutMs} ms and was stopped`, {
      hint: 'narrow the query with filters, group by coarser levels, or build a cuboid that covers it',
      cause,
    });
  }
}

async function open(model: CubeModel, limits: SourceLimits): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const statement of [...sourceSetup(model), ...lockDown(model, limits)]) await connection.run(statement);
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
  return { instance, connection };
}

/**
 * The warehouse is attached before this runs, so it stays readable; Parquet and CSV
 * sources are read at query time, so their files (their folder, for a glob) are the
 * only paths left open. lock_configuration comes last so no later SET can undo it.
 */
function lockDown(model: CubeModel, limits: SourceLimits): string[] {
  const files = [model.source, ...model.joins].flatMap((relation) => ('path' in relation ? [relation.path] : []));
  const paths = files.filter((path) => globAt(path) < 0);
  const directories = files.filter((path) => globAt(path) >= 0).map(globRoot);
  const list = (items: string[]) => `[${items.map(quoteLiteral).join(', ')}]`;
  return [
    ...(paths.length > 0 ? [`SET allowed_paths = ${list(paths)}`] : []),
    ...(directories.length > 0 ? [`SET allowed_directories = ${list(directories)}`] : []),
    `SET memory_limit = ${quoteLiteral(limits.memoryLimit)}`,
    ...(limits.threads === undefined ? [] : [`SET threads = ${Math.max(1, Math.trunc(limits.threads))}`]),
    'SET enable_external_access = false',
    'SET lock_configuration = true',
  ];
}

function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('Out of Memory Error');
}

function globAt(path: string): number {
  return path.search(/[*?[{]/);
}

/** The folder above a glob's first wildcard: "data/2024-*\/f.parquet" → "data/". */
function globRoot(path: string): string {
  const prefix = path.slice(0, globAt(path));
  return `${prefix.endsWith('/') ? prefix.slice(0, -1) : dirname(prefix)}/`;
}
