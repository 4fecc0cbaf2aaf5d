import { allRows, rowsIn, type RowRanges } from './rowRanges.ts';
import { scratchInt32 } from './scratch.ts';

/**
 * Grouping: assigns each row a dense group number from its key codes (after roll-up
 * through child→parent maps). When the product of the key cardinalities is small the
 * key is a mixed-radix integer indexing a table directly; otherwise rows are hashed
 * into an open-addressing table over their codes. Either way the loops run over typed
 * arrays and allocate nothing per row.
 */
export interface GroupKey {
  /** One code per row. */
  codes: Int32Array;
  /** Roll-up applied to each code (the output code is map[code]); null = as is. */
  map: Int32Array | null;
  /** Output codes are below this. */
  cardinality: number;
}

export interface Grouping {
  /** Group of each row; -1 for a row left out. Only rows in `ranges` have one. */
  groupOf: Int32Array;
  /** The rows grouped; absent = every row. */
  ranges?: RowRanges;
  size: number;
  /** Output codes of each group, per key. */
  codes: Int32Array[];
}

/**
 * Which rows grouping leaves out. Masks (one byte per member code, 0 = out) are
 * checked inside the grouping pass itself, sparing a pass over the rows; `reject`
 * marks further rows with -1 in the array it is given (its other entries are
 * non-negative), for conditions no single mask expresses.
 */
export interface RowFilter {
  masks: ReadonlyArray<CodeMask>;
  /** Masks every scanned row passes already: not tested, but they bound the codes a key meets. */
  settled?: ReadonlyArray<CodeMask>;
  reject?: (target: Int32Array, ranges: RowRanges) => void;
}

export interface CodeMask {
  codes: Int32Array;
  mask: Uint8Array;
}

/** Largest direct-indexed key space (16 MiB of slot table). */
export const DIRECT_LIMIT = 1 << 22;

/**
 * Groups `rows` rows by `keys`, visiting only the rows in `ranges`. Grouping by no key
 * yields the one grand-total group even when every row is left out: a total over
 * nothing still exists. `groupOf` may be a reused buffer of at least `rows` entries
 * (its contents are ignored).
 */
export function groupRows(
  keys: readonly GroupKey[],
  rows: number,
  filter: RowFilter = { masks: [] },
  groupOf: Int32Array = scratchInt32(rows),
  ranges: RowRanges = allRows(rows),
): Grouping {
  const target = groupOf.subarray(0, rows);
  const scanned = rowsIn(ranges);
  // A direct table much larger than the rows would cost more to clear than to hash.
  const direct = (product: number) => product <= DIRECT_LIMIT && product <= 4 * scanned + 65_536;
  let grouping: Omit<Grouping, 'ranges'>;
  if (direct(productOf(keys))) grouping = groupDirect(keys, keys, target, ranges, scanned, filter);
  else {
    const compact = compactKeys(keys, [...filter.masks, ...(filter.settled ?? [])]);
    grouping =
      compact !== keys && direct(productOf(compact))
        ? groupDirect(keys, compact, target, ranges, scanned, filter)
        : groupHashed(keys, target, ranges, filter);
  }
  if (keys.length === 0 && grouping.size === 0) grouping.size = 1;
  return { ...grouping, ranges };
}

const productOf = (keys: readonly GroupKey[]) => keys.reduce((total, key) => total * key.cardinality, 1);

/**
 * Keys renumbered densely over the codes the masks on their columns keep (three US
 * cities of 250 make a key of three codes), so a key space too large to index directly
 * may fit once filtered. A code the masks drop maps to 0: its rows are rejected anyway.
 * Returns `keys` itself when no mask bounds a key.
 */
function compactKeys(keys: readonly GroupKey[], masks: readonly CodeMask[]): readonly GroupKey[] {
  let changed = false;
  const compact = keys.map((key) => {
    const bounds = masks.filter((mask) => mask.codes === key.codes);
    if (bounds.length === 0) return key;
    changed = true;
    const length = bounds[0]!.mask.length;
    const dense = scratchInt32(key.cardinality).fill(-1);
    const map = scratchInt32(length);
    let cardinality = 0;
    for (let code = 0; code < length; code++) {
      if (!bounds.every(({ mask }) => mask[code] !== 0)) continue;
      const output = key.map === null ? code : key.map[code]!;
      if (dense[output]! < 0) dense[output] = cardinality++;
      map[code] = dense[output]!;
    }
    return { codes: key.codes, map, cardinality };
  });
  return changed ? compact : keys;
}

/** Slots come from `slotKeys` (the keys, or compactKeys of them); output codes from `keys`. */
function groupDirect(
  keys: readonly GroupKey[],
  slotKeys: readonly GroupKey[],
  slots: Int32Array,
  ranges: RowRanges,
  scanned: number,
  filter: RowFilter,
): Omit<Grouping, 'ranges'> {
  // The least significant key and one mask are read in the pass that assigns groups;
  // only the other keys and conditions go through `slots` first (each pass costs a
  // read and a write of every row, which is most of the time of a scan).
  const product = productOf(slotKeys);
  const last = slotKeys.at(-1);
  const head = slotKeys.slice(0, -1);
  const [kept, ...otherMasks] = filter.masks;
  const based = head.length > 0 || filter.reject !== undefined || otherMasks.length > 0;
  if (based) {
    if (head.length === 0) for (let r = 0; r < ranges.length; r += 2) slots.fill(0, ranges[r], ranges[r + 1]);
    let stride = last?.cardinality ?? 1;
    for (let k = head.length - 1; k >= 0; k--) {
      // The first key pass assigns, so the buffer needs no clearing.
      addKey(slots, ranges, head[k]!, stride, k === head.length - 1);
      stride *= head[k]!.cardinality;
    }
    filter.reject?.(slots, ranges);
    for (const { codes, mask } of otherMasks) rejectByMask(slots, ranges, codes, mask);
  }

  // One slot past the key space stands for left-out rows and maps to group -1.
  const groupOfSlot = scratchInt32(product + 1).fill(UNASSIGNED);
  groupOfSlot[product] = -1;
  const rowOfGroup = scratchInt32(Math.min(product, scanned));
  const size =
    last !== undefined && last.map === null && kept !== undefined
      ? assignFilteredKey(slots, ranges, based, last.codes, kept, groupOfSlot, rowOfGroup)
      : assignGroups(slots, ranges, based, last, kept, groupOfSlot, rowOfGroup);
  return { groupOf: slots, size, codes: keys.map((key) => codesOfGroups(key, rowOfGroup, size)) };
}

/** A key's output code for each group, read at the group's first row (cheaper than dividing slots apart). */
function codesOfGroups({ codes, map }: GroupKey, rowOfGroup: Int32Array, size: number): Int32Array {
  const out = scratchInt32(size);
  if (map === null) for (let group = 0; group < size; group++) out[group] = codes[rowOfGroup[group]!]!;
  else for (let group = 0; group < size; group++) out[group] = map[codes[rowOfGroup[group]!]!]!;
  return out;
}

function addKey(slots: Int32Array, ranges: RowRanges, { codes, map }: GroupKey, stride: number, first: boolean): void {
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    if (map === null) {
      if (first) for (let i = ranges[r]!; i < end; i++) slots[i] = codes[i]! * stride;
      else for (let i = ranges[r]!; i < end; i++) slots[i] += codes[i]! * stride;
    } else if (first) for (let i = ranges[r]!; i < end; i++) slots[i] = map[codes[i]!]! * stride;
    else for (let i = ranges[r]!; i < end; i++) slots[i] += map[codes[i]!]! * stride;
  }
}

function rejectByMask(slots: Int32Array, ranges: RowRanges, codes: Int32Array, mask: Uint8Array): void {
  // mask - 1 is 0 for a kept row and -1 (all bits) for a left-out one.
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    for (let i = ranges[r]!; i < end; i++) slots[i] |= mask[codes[i]!]! - 1;
  }
}

const UNASSIGNED = -2;

/**
 * Slots → dense group numbers in order of first appearance; returns the group count.
 * Each row's slot is `slots[i]` (when `based`) plus the last key's code, left out when
 * `slots[i]` is -1 or the mask drops it. A left-out row goes to the slot past the key
 * space without a branch, since a branch on a random filter mispredicts on every other
 * row; only a new group takes a branch. The conditions on `based`, `key` and `kept` are
 * the same for every row, so they cost no mispredictions.
 */
function assignGroups(
  slots: Int32Array,
  ranges: RowRanges,
  based: boolean,
  key: GroupKey | undefined,
  kept: CodeMask | undefined,
  groupOfSlot: Int32Array,
  rowOfGroup: Int32Array,
): number {
  const trash = groupOfSlot.length;
  const codes = key?.codes;
  const map = key?.map ?? null;
  const maskCodes = kept?.codes;
  const mask = kept?.mask;
  let size = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    for (let i = ranges[r]!; i < end; i++) {
      const base = based ? slots[i]! : 0;
      let slot = base;
      if (codes !== undefined) slot += map === null ? codes[i]! : map[codes[i]!]!;
      // base >> 31 is -1 for a row left out already; mask - 1 is -1 for a row the mask drops.
      slot |= base >> 31;
      if (mask !== undefined) slot |= mask[maskCodes![i]!]! - 1;
      slot += (slot >> 31) & trash;
      let group = groupOfSlot[slot]!;
      if (group === UNASSIGNED) {
        group = size++;
        groupOfSlot[slot] = group;
        rowOfGroup[group] = i;
      }
      slots[i] = group;
    }
  }
  return size;
}

/**
 * assignGroups for the most common scans, the last key as stored and one mask, written
 * out once without and once with the other keys' slots: without the row-invariant
 * conditions the loops run about a quarter faster.
 */
function assignFilteredKey(
  groupOf: Int32Array,
  ranges: RowRanges,
  based: boolean,
  codes: Int32Array,
  { codes: maskCodes, mask }: CodeMask,
  groupOfSlot: Int32Array,
  rowOfGroup: Int32Array,
): number {
  const trash = groupOfSlot.length;
  let size = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    if (based) {
      for (let i = ranges[r]!; i < end; i++) {
        const base = groupOf[i]!;
        let slot = (base + codes[i]!) | (base >> 31) | (mask[maskCodes[i]!]! - 1);
        slot += (slot >> 31) & trash;
        let group = groupOfSlot[slot]!;
        if (group === UNASSIGNED) {
          group = size++;
          groupOfSlot[slot] = group;
          rowOfGroup[group] = i;
        }
        groupOf[i] = group;
      }
      continue;
    }
    for (let i = ranges[r]!; i < end; i++) {
      let slot = codes[i]! | (mask[maskCodes[i]!]! - 1);
      slot += (slot >> 31) & trash;
      let group = groupOfSlot[slot]!;
      if (group === UNASSIGNED) {
        group = size++;
        groupOfSlot[slot] = group;
        rowOfGroup[group] = i;
      }
      groupOf[i] = group;
    }
  }
  return size;
}

function keptByMasks(masks: RowFilter['masks'], row: number): boolean {
  for (let m = 0; m < masks.length; m++) {
    const { codes, mask } = masks[m]!;
    if (mask[codes[row]!] === 0) return false;
  }
  return true;
}

function groupHashed(keys: readonly GroupKey[], groupOf: Int32Array, ranges: RowRanges, filter: RowFilter): Omit<Grouping, 'ranges'> {
  const width = keys.length;
  for (let r = 0; r < ranges.length; r += 2) groupOf.fill(0, ranges[r], ranges[r + 1]);
  filter.reject?.(groupOf, ranges);

  let capacity = 1024;
  let table: Int32Array = new Int32Array(capacity).fill(-1);
  let groupCodes: Int32Array = new Int32Array((capacity >>> 1) * width);
  let size = 0;
  const scratch = new Int32Array(width);

  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    for (let i = ranges[r]!; i < end; i++) {
      if (groupOf[i]! < 0 || !keptByMasks(filter.masks, i)) {
        groupOf[i] = -1;
        continue;
      }
      let hash = 0;
      for (let k = 0; k < width; k++) {
        const { codes, map } = keys[k]!;
        const code = map === null ? codes[i]! : map[codes[i]!]!;
        scratch[k] = code;
        hash = mix(hash ^ code);
      }
      const mask = capacity - 1;
      let position = hash & mask;
      let group = table[position]!;
      while (group >= 0 && !sameKey(groupCodes, group * width, scratch)) {
        position = (position + 1) & mask;
        group = table[position]!;
      }
      if (group < 0) {
        group = size++;
        table[position] = group;
        // A loop, not set(): the call costs more than copying a key of a few codes.
        for (let k = 0; k < width; k++) groupCodes[group * width + k] = scratch[k]!;
        if (size * 2 >= capacity) {
          capacity *= 2;
          table = rehash(groupCodes, size, width, capacity);
          const grown = new Int32Array((capacity >>> 1) * width);
          grown.set(groupCodes);
          groupCodes = grown;
        }
      }
      groupOf[i] = group;
    }
  }

  const codes = keys.map((_, k) => {
    const column = scratchInt32(size);
    for (let group = 0; group < size; group++) column[group] = groupCodes[group * width + k]!;
    return column;
  });
  return { groupOf, size, codes };
}

function mix(value: number): number {
  let hash = Math.imul(value, 0x9e3779b1);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  return hash ^ (hash >>> 13);
}

function sameKey(groupCodes: Int32Array, offset: number, key: Int32Array): boolean {
  for (let k = 0; k < key.length; k++) if (groupCodes[offset + k] !== key[k]) return false;
  return true;
}

function rehash(groupCodes: Int32Array, size: number, width: number, capacity: number): Int32Array {
  const table = new Int32Array(capacity).fill(-1);
  const mask = capacity - 1;
  for (let group = 0; group < size; group++) {
    let hash = 0;
    for (let k = 0; k < width; k++) hash = mix(hash ^ groupCodes[group * width + k]!);
    let position = hash & mask;
    while (table[position]! >= 0) position = (position + 1) & mask;
    table[position] = group;
  }
  return table;
}
