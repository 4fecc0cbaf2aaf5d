import { scratchFloat64, scratchInt32 } from './scratch.ts';

/**
 * The rows of an answer after having and topN, before ordering: codes per grouped
 * level and finished values per requested measure (NaN = null).
 */
export interface RowTable {
  size: number;
  codes: Int32Array[];
  columns: Float64Array[];
}

/** Code of the "Others" member that a topN folds the rest of a group into. */
export const OTHERS_CODE = -1;

/** Rows `picks` of `codes`/`columns`, followed by every row of `tail`. */
export function gatherRows(
  codes: readonly Int32Array[],
  columns: readonly Float64Array[],
  picks: Int32Array,
  tail?: RowTable,
): RowTable {
  const extra = tail?.size ?? 0;
  const gather = <T extends Int32Array | Float64Array>(source: T, rest: T | undefined, make: (size: number) => T): T => {
    const out = make(picks.length + extra);
    for (let row = 0; row < picks.length; row++) out[row] = source[picks[row]!]!;
    if (rest !== undefined) out.set(rest, picks.length);
    return out;
  };
  return {
    size: picks.length + extra,
    codes: codes.map((column, index) => gather(column, tail?.codes[index], scratchInt32)),
    columns: columns.map((column, index) => gather(column, tail?.columns[index], scratchFloat64)),
  };
}
