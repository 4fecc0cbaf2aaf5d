import type { QueryResult } from '../../engine/index.ts';

/**
 * A cube result in the shape of its GraphQL types, field for field: rows as
 * `{ region: { province }, time: { quarter }, profit }` and totals as `{ profit }`. The
 * compiled query then reads plain properties, where a resolver per value would cost a
 * call (with its error handling) for every value of every row.
 */
export interface ResultShape {
  /**
   * What a row holds before its values: every dimension field, as members whose levels
   * are all null. Rows inherit it, so each sets only what the query grouped and computed.
   */
  ungrouped: Readonly<Record<string, unknown>>;
  /** Measure reference → its row and totals field ("profit:pctOfTotal" → "profit_pctOfTotal"). */
  fieldOfRef: ReadonlyMap<string, string>;
}

export function resultShape(dimensions: readonly string[], fieldOfRef: ReadonlyMap<string, string>): ResultShape {
  const members = Object.freeze({});
  // Not frozen: a frozen prototype's properties could not be set on the rows inheriting them.
  return { ungrouped: Object.fromEntries(dimensions.map((dimension) => [dimension, members])), fieldOfRef };
}

export function shapedRows(result: QueryResult, shape: ResultShape): Array<Record<string, unknown>> {
  // Where each column goes is worked out once per result, not per row.
  const levels = result.columns.filter((column) => column.kind === 'level');
  const measures = measureFields(result.columns.flatMap((column) => (column.kind === 'measure' ? [column.name] : [])), shape);
  // Plain stores into fresh objects: a literal with computed keys, or copying every
  // dimension into each row, costs V8 a slow path per property.
  return result.rows.map((row) => {
    const shaped: Record<string, unknown> = Object.create(shape.ungrouped);
    for (const column of levels) {
      const members: Record<string, unknown> = {};
      members[column.level!] = row[column.name];
      shaped[column.dimension!] = members;
    }
    for (const [ref, field] of measures) shaped[field] = row[ref];
    return shaped;
  });
}

export function shapedTotals(totals: Record<string, number | null>, shape: ResultShape): Record<string, unknown> {
  const shaped: Record<string, unknown> = {};
  for (const [ref, field] of measureFields(Object.keys(totals), shape)) shaped[field] = totals[ref];
  return shaped;
}

function measureFields(refs: readonly string[], shape: ResultShape): Array<[string, string]> {
  return refs.flatMap((ref): Array<[string, string]> => {
    const field = shape.fieldOfRef.get(ref);
    return field === undefined ? [] : [[ref, field]];
  });
}
