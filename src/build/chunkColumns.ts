import type { DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';

/**
 * DuckDB result chunks → typed arrays without converting values one by one: each
 * numeric vector already holds its values in a typed array over DuckDB's buffer, so a
 * column is copied with one `set` per chunk. The vectors' `items` and `validity` are
 * private in @duckdb/node-api (pinned exactly for this reason).
 */
export type NumberArray = Int32Array | Float64Array | Int16Array | Uint8Array;
type ArrayClass<T extends NumberArray> = { new (length: number): T; readonly name: string };

interface VectorInternals {
  items?: unknown;
  validity?: { data: BigUint64Array | null };
}

/** Streams a query's chunks to `visit` with the row offset of each; returns the row count. */
export async function forEachChunk(
  connection: DuckDBConnection,
  sql: string,
  visit: (chunk: DuckDBDataChunk, offset: number) => void,
): Promise<number> {
  const result = await connection.stream(sql);
  let offset = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return offset;
    visit(chunk, offset);
    offset += chunk.rowCount;
  }
}

/** The values of one column of a chunk; a view valid only while the chunk is. NULLs are a bug here. */
export function columnItems<T extends NumberArray>(chunk: DuckDBDataChunk, column: number, kind: ArrayClass<T>): T {
  const vector = chunk.getColumnVector(column) as unknown as VectorInternals;
  if (!(vector.items instanceof (kind as unknown as typeof Int32Array))) {
    throw new Error(`column ${column} is ${vector.constructor.name}, expected ${kind.name} items`);
  }
  const items = vector.items as T;
  if (hasNull(vector.validity?.data ?? null, chunk.rowCount)) throw new Error(`column ${column} has NULL values`);
  return items;
}

/** Reads `rows` rows of the given columns into new typed arrays. */
export async function readColumns(
  connection: DuckDBConnection,
  sql: string,
  rows: number,
  kinds: readonly ArrayClass<NumberArray>[],
): Promise<NumberArray[]> {
  const arrays = kinds.map((kind) => new kind(rows));
  const read = await forEachChunk(connection, sql, (chunk, offset) => {
    kinds.forEach((kind, column) => arrays[column]!.set(columnItems(chunk, column, kind) as never, offset));
  });
  if (read !== rows) throw new Error(`expected ${rows} rows, read ${read}`);
  return arrays;
}

function hasNull(validity: BigUint64Array | null, rows: number): boolean {
  if (validity === null) return false;
  const full = Math.floor(rows / 64);
  for (let word = 0; word < full; word++) if (validity[word] !== 0xffffffffffffffffn) return true;
  const rest = rows % 64;
  if (rest === 0) return false;
  const mask = (1n << BigInt(rest)) - 1n;
  return (validity[full]! & mask) !== mask;
}
