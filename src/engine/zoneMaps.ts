import type { FilterNode } from './filterProgram.ts';
import { allRows, type RowRanges } from './rowRanges.ts';
import { scratchInt32 } from './scratch.ts';

/**
 * Zone maps: the smallest and largest member code of a code column in each block of
 * BLOCK_ROWS rows. Cuboid rows are stored sorted by the codes of their sort keys
 * (CuboidData.sortedBy), so the first key's blocks span a member or two and later ones
 * narrow wherever they correlate with it; a block whose code span holds no member a
 * filter keeps cannot pass, and the scan skips it.
 */
export const BLOCK_ROWS = 1024;

interface ZoneMap {
  min: Int32Array;
  max: Int32Array;
}

// Keyed by the code column itself: built once per column on first use, dropped with the cuboid.
const zoneMaps = new WeakMap<Int32Array, ZoneMap>();

function zoneMapOf(codes: Int32Array, rows: number): ZoneMap {
  let zones = zoneMaps.get(codes);
  if (zones === undefined) {
    const blocks = Math.ceil(rows / BLOCK_ROWS);
    zones = { min: new Int32Array(blocks), max: new Int32Array(blocks) };
    for (let block = 0; block < blocks; block++) {
      const end = Math.min(rows, (block + 1) * BLOCK_ROWS);
      let low = codes[block * BLOCK_ROWS]!;
      let high = low;
      for (let i = block * BLOCK_ROWS + 1; i < end; i++) {
        const code = codes[i]!;
        if (code < low) low = code;
        if (code > high) high = code;
      }
      zones.min[block] = low;
      zones.max[block] = high;
    }
    zoneMaps.set(codes, zones);
  }
  return zones;
}

/** Whether some row of the block may pass, judged from zone maps alone (true is only a maybe). */
type BlockTest = (block: number) => boolean;

function blockTest(node: FilterNode, columns: (dimension: string) => Int32Array, rows: number): BlockTest {
  if (node.kind === 'mask') {
    const { min, max } = zoneMapOf(columns(node.dimension), rows);
    // kept[c] = members kept among codes below c, so a code span's kept count is two reads.
    const kept = scratchInt32(node.mask.length + 1);
    for (let code = 0; code < node.mask.length; code++) kept[code + 1] = kept[code]! + node.mask[code]!;
    return (block) => kept[max[block]! + 1]! > kept[min[block]!]!;
  }
  const children = node.children.map((child) => blockTest(child, columns, rows));
  return node.kind === 'and' ? (block) => children.every((test) => test(block)) : (block) => children.some((test) => test(block));
}

/** The rows of `rows` that the filter may keep, as whole blocks (adjacent ones merged). */
export function keptRanges(node: FilterNode, columns: (dimension: string) => Int32Array, rows: number): RowRanges {
  if (node.kind === 'and' && node.children.length === 0) return allRows(rows);
  const mayPass = blockTest(node, columns, rows);
  const blocks = Math.ceil(rows / BLOCK_ROWS);
  const ranges = scratchInt32(2 * blocks);
  let length = 0;
  for (let block = 0; block < blocks; block++) {
    if (!mayPass(block)) continue;
    const start = block * BLOCK_ROWS;
    const end = Math.min(rows, start + BLOCK_ROWS);
    if (length > 0 && ranges[length - 1] === start) ranges[length - 1] = end;
    else {
      ranges[length++] = start;
      ranges[length++] = end;
    }
  }
  return ranges.subarray(0, length);
}
