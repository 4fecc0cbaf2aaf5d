/**
 * Scratch memory for the typed arrays a query lives on between validation and its
 * JSON-ready rows: masks, group tables, fold targets, finished columns, row orders.
 *
 * A typed array longer than 64 bytes gets its own off-heap backing store, which costs
 * about a microsecond to create and more to collect — for a query over a small cuboid,
 * dozens of them cost more than the scan. Here they are views carved out of one slab
 * instead. The engine's answering is synchronous from routing to shaped rows, so the slab
 * is handed out from its start again once the current task has run (a microtask queued
 * by its first carving): memory carved here is valid until the code holding it yields,
 * and must not be kept across an `await` or outlive the answer (answers hold plain rows).
 */
const SLAB_BYTES = 4 << 20;

const slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;
let rewindQueued = false;

function rewind(): void {
  used = 0;
  rewindQueued = false;
}

/** Byte offset of `bytes` more in the slab, or -1 when they do not fit (the caller allocates). */
function carve(bytes: number): number {
  const start = (used + 7) & ~7;
  if (start + bytes > SLAB_BYTES) return -1;
  used = start + bytes;
  if (!rewindQueued) {
    rewindQueued = true;
    queueMicrotask(rewind);
  }
  return start;
}

/** A zeroed Int32Array of `length`, valid until the current task yields. */
export function scratchInt32(length: number): Int32Array {
  const at = carve(length * 4);
  return at < 0 ? new Int32Array(length) : new Int32Array(slab, at, length).fill(0);
}

/** A zeroed Float64Array of `length`, valid until the current task yields. */
export function scratchFloat64(length: number): Float64Array {
  const at = carve(length * 8);
  return at < 0 ? new Float64Array(length) : new Float64Array(slab, at, length).fill(0);
}

/** A zeroed Uint8Array of `length`, valid until the current task yields. */
export function scratchUint8(length: number): Uint8Array {
  const at = carve(length);
  return at < 0 ? new Uint8Array(length) : new Uint8Array(slab, at, length).fill(0);
}

/**
 * The group number of each scanned cuboid row: one buffer the size of the largest cuboid
 * scanned so far, reused by every scan (fresh memory costs a page fault per 4 KiB on
 * first touch, which is slower than the scan itself). Valid until the next scan.
 */
let rowGroups = new Int32Array(0);

export function rowScratch(rows: number): Int32Array {
  if (rowGroups.length < rows) rowGroups = new Int32Array(rows);
  return rowGroups;
}
