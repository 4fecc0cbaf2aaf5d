/** What `arrowcube seed` writes when not told otherwise. */
export const DEFAULT_WAREHOUSE = 'data/bank.duckdb';
export const DEFAULT_ROWS = 2_000_000;
export const DEFAULT_SEED = 42;
