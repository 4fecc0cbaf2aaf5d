import {
  DuckDBInstance,
  type DuckDBConnection,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { CubeError } from '../errors.ts';
import { fromClause, sourceSetup } from '../model/sourceSql.ts';
import type { CubeModel } from '../model/types.ts';

/** A statement with its bound parameters (member values never enter the SQL text). */
export interface BoundSql {
  sql: string;
  params: DuckDBValue[];
  types: DuckDBType[];
}

/**
 * One cube's raw source for the fallback: an in-memory DuckDB with the warehouse
 * attached read-only. Statements run one at a time on one connection, so a timeout
 * interrupts exactly the statement that overran.
 */
export class SourceDatabase {
  private connection: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private sourceRows: Promise<number> | undefined;

  constructor(
    readonly model: CubeModel,
    private readonly timeoutMs: number,
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
    this.connection ??= open(this.model).catch((error: unknown) => {
      this.connection = undefined; // a missing warehouse may appear later: retry on the next query
      throw error;
    });
    const { connection } = await this.connection;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      connection.interrupt();
    }, this.timeoutMs);
    try {
      const readers: DuckDBResultReader[] = [];
      for (const { sql, params, types } of statements) {
        if (timedOut) throw this.timeout();
        readers.push(await connection.runAndReadAll(sql, params, types));
      }
      return readers;
    } catch (error) {
      throw timedOut && !(error instanceof CubeError) ? this.timeout(error) : error;
    } finally {
      clearTimeout(timer);
    }
  }

  private timeout(cause?: unknown): CubeError {
    return new CubeError('QUERY_TIMEOUT', `the source query took longer than ${this.timeoutMs} ms and was stopped`, {
      hint: 'narrow the query with filters, group by coarser levels, or build a cuboid that covers it',
      cause,
    });
  }
}

async function open(model: CubeModel): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const statement of sourceSetup(model)) await connection.run(statement);
  return { instance, connection };
}
