import type { DuckDBConnection, DuckDBDataChunk, DuckDBMaterializedResult } from '@duckdb/node-api';

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

/** Streams a query's chunks to `visit`, for results folded as they come rather than kept. */
export async function forEachChunk(connection: DuckDBConnection, sql: string, visit: (chunk: DuckDBDataChunk) => void): Promise<void> {
  const result = await connection.stream(sql);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return;
    visit(chunk);
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

/** Reads the given columns of every row of a query into new typed arrays (see copyColumns). */
export async function readColumns(
  connection: DuckDBConnection,
  sql: string,
  kinds: readonly ArrayClass<NumberArray>[],
): Promise<{ rows: number; arrays: NumberArray[] }> {
  return copyColumns(await connection.run(sql), kinds);
}

/**
 * The given columns of a materialised result as new typed arrays. DuckDB's threads
 * have already computed it, so its row count is known before copying and its chunks
 * are taken without a round trip each.
 */
export function copyColumns(result: DuckDBMaterializedResult, kinds: readonly ArrayClass<NumberArray>[]): { rows: number; arrays: NumberArray[] } {
  const rows = result.rowCount;
  const arrays = kinds.map((kind) => new kind(rows));
  let offset = 0;
  for (let index = 0; index < result.chunkCount; index++) {
    const chunk = result.getChunk(index);
    kinds.forEach((kind, column) => arrays[column]!.set(columnItems(chunk, column, kind) as never, offset));
    offset += chunk.rowCount;
  }
  if (offset !== rows) throw new Error(`expected ${rows} rows, read ${offset}`);
  return { rows, arrays };
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
