import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { runReporting } from '../../src/build/queryProgress.ts';

describe('runReporting', () => {
  it('reports the rows a running statement has processed, rising, until it ends', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run('SET enable_progress_bar = true');
      await connection.run('SET enable_progress_bar_print = false');
      const rows = 20_000_000;
      await connection.run(`CREATE TABLE source AS SELECT i FROM range(${rows}) AS r(i)`);
      const reads: number[] = [];
      await runReporting(connection, 'CREATE TABLE grouped AS SELECT i % 100003 AS k, sum(i) AS s FROM source GROUP BY ALL', (read) => reads.push(read), 1);
      // Seen while reading, not only at the end; later pipelines add their own rows to the count.
      expect(reads.some((read) => read > 0 && read < rows)).toBe(true);
      expect(reads.every((read, index) => read > 0 && (index === 0 || read >= reads[index - 1]!))).toBe(true);
      // The statement ran to the end: every group is there.
      const count = await connection.runAndReadAll('SELECT count(*)::INTEGER FROM grouped');
      expect(count.getRows()[0]![0]).toBe(100_003);
      // No report after it ended.
      const after = reads.length;
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(reads.length).toBe(after);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
