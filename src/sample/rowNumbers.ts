/**
 * A source of row numbers 0 … count-1 that DuckDB scans on all threads. range() is
 * read by one thread, which would make every generator single-threaded; a
 * materialised list of blocks is scanned in parallel and each block unnests into
 * its run of row numbers.
 */
const BLOCKS = 1 << 20;

export function rowNumbersSql(count: number, column: string): string {
  const size = Math.max(1, Math.ceil(count / BLOCKS));
  const blocks = Math.ceil(count / size);
  return `(
    WITH block AS MATERIALIZED (SELECT range AS block FROM range(${blocks}))
    SELECT unnest(range(block * ${size}, least(block * ${size} + ${size}, ${count}))) AS ${column} FROM block
  )`;
}
