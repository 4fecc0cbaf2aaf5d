/**
 * One reusable Int32 buffer for the group number of each scanned cuboid row. Fresh
 * memory costs a page fault per 4 KiB on first touch, which is slower than the scan
 * itself; the aggregation core is synchronous, so one buffer per thread suffices. It
 * keeps the size of the largest cuboid scanned so far.
 */
let buffer = new Int32Array(0);

export function rowScratch(rows: number): Int32Array {
  if (buffer.length < rows) buffer = new Int32Array(rows);
  return buffer;
}
