import { scratchInt32 } from './scratch.ts';

/**
 * Row ranges: the rows a scan visits, as [start, end) pairs laid out flat
 * (start0, end0, start1, end1, …), ascending and disjoint. Kernels loop over the pairs
 * and run their usual tight loop inside each, so pruning costs nothing per row; a row
 * outside every range is neither read nor written (its group entry is left as it was).
 */
export type RowRanges = Int32Array;

export function allRows(rows: number): RowRanges {
  return Int32Array.of(0, rows);
}

export function rowsIn(ranges: RowRanges): number {
  let rows = 0;
  for (let r = 0; r < ranges.length; r += 2) rows += ranges[r + 1]! - ranges[r]!;
  return rows;
}

/** The rows in both `a` and `b`. */
export function intersectRanges(a: RowRanges, b: RowRanges): RowRanges {
  const out = scratchInt32(a.length + b.length);
  let length = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const start = Math.max(a[i]!, b[j]!);
    const end = Math.min(a[i + 1]!, b[j + 1]!);
    if (start < end) {
      out[length++] = start;
      out[length++] = end;
    }
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return out.subarray(0, length);
}
