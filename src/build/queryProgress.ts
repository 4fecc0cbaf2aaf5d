import type { DuckDBConnection } from '@duckdb/node-api';

/** How often a long statement reports how far it has read. */
export const PROGRESS_INTERVAL_MS = 500;

/**
 * Runs a statement, calling `report` with the rows DuckDB has processed so far every
 * `intervalMs` while it runs: the GROUPING SETS scan of a large source runs for
 * minutes, and DuckDB's threads leave this one free to ask. Rows, not DuckDB's
 * percentage, which counts against a total its joins inflate and stalls far from 100;
 * the rows too count every pipeline, the dimension tables' and the grouping's own
 * included, so they pass the source's rows near the end (callers cap them).
 * Needs `enable_progress_bar` (set by openBuildDatabase).
 */
export async function runReporting(
  connection: DuckDBConnection,
  statement: string,
  report: (rowsRead: number) => void,
  intervalMs = PROGRESS_INTERVAL_MS,
): Promise<void> {
  const timer = setInterval(() => {
    const rowsRead = Number(connection.progress.rows_processed);
    if (rowsRead > 0) report(rowsRead);
  }, intervalMs);
  try {
    await connection.run(statement);
  } finally {
    clearInterval(timer);
  }
}
