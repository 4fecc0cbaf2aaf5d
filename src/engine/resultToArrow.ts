import { Dictionary, Float64, Int32, Table, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import type { QueryResult } from './types.ts';

/**
 * A result as an Arrow table: level columns dictionary-encoded (Utf8 members, Int32
 * indices), measure columns Float64; nulls as nulls. Rows as in the result (one page).
 */
export function resultToArrow(result: QueryResult): Table {
  const vectors: Record<string, Vector> = {};
  for (const column of result.columns) {
    const values = result.rows.map((row) => row[column.name] ?? null);
    vectors[column.name] =
      column.kind === 'level'
        ? vectorFromArray(values as (string | null)[], new Dictionary(new Utf8(), new Int32()))
        : vectorFromArray(values as (number | null)[], new Float64());
  }
  return new Table(vectors);
}
