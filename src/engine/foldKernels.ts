import { HLL_REGISTERS } from '../model/partials.ts';
import { allRows, type RowRanges } from './rowRanges.ts';

/**
 * Fold kernels: merge source rows' partials into their groups' partials. Each reads
 * `groupOf` (a group per source row, -1 = left out) for the rows in `ranges` (default:
 * all). Value targets hold one slot per group plus `TRASH_SLOTS` slots that left-out rows fold into, without a branch (a
 * branch on a random filter mispredicts on every other row): `(group >> 31) & x` is x
 * for -1 and 0 otherwise. Rows take turns among the trash slots (`i & 7`) so that
 * consecutive left-out rows do not wait on each other's stores. The caller initialises
 * targets with `FOLD_IDENTITY` and ignores the trash slots. (The slot expression is
 * written out in each loop: as a shared helper it was not inlined, and cost a quarter.)
 */
export const TRASH_SLOTS = 8; // the `i & 7` below

export function foldSum(source: Float64Array, groupOf: Int32Array, target: Float64Array, ranges: RowRanges = allRows(groupOf.length)): void {
  const trash = target.length - TRASH_SLOTS + 1;
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    for (let i = ranges[r]!; i < end; i++) {
      const group = groupOf[i]!;
      target[group + ((group >> 31) & (trash + (i & 7)))] += source[i]!;
    }
  }
}

/** NaN is "no value" (an empty cell's min): it never wins against a number. */
export function foldMin(source: Float64Array, groupOf: Int32Array, target: Float64Array, ranges: RowRanges = allRows(groupOf.length)): void {
  const trash = target.length - TRASH_SLOTS + 1;
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    for (let i = ranges[r]!; i < end; i++) {
      let group = groupOf[i]!;
      group += (group >> 31) & (trash + (i & 7));
      const value = source[i]!;
      const current = target[group]!;
      if (value < current || current !== current) target[group] = value;
    }
  }
}

export function foldMax(source: Float64Array, groupOf: Int32Array, target: Float64Array, ranges: RowRanges = allRows(groupOf.length)): void {
  const trash = target.length - TRASH_SLOTS + 1;
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    for (let i = ranges[r]!; i < end; i++) {
      let group = groupOf[i]!;
      group += (group >> 31) & (trash + (i & 7));
      const value = source[i]!;
      const current = target[group]!;
      if (value > current || current !== current) target[group] = value;
    }
  }
}

/**
 * Semi-additive "last": keep the latest period code and the sum of the values that
 * share it, so the fold of folds is the sum over the latest period of the whole group.
 */
export function foldLast(
  value: Float64Array,
  period: Float64Array,
  groupOf: Int32Array,
  targetValue: Float64Array,
  targetPeriod: Float64Array,
  ranges: RowRanges = allRows(groupOf.length),
): void {
  const trash = targetValue.length - TRASH_SLOTS + 1;
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    for (let i = ranges[r]!; i < end; i++) {
      let group = groupOf[i]!;
      group += (group >> 31) & (trash + (i & 7));
      const p = period[i]!;
      const latest = targetPeriod[group]!;
      if (p > latest) {
        targetPeriod[group] = p;
        targetValue[group] = value[i]!;
      } else if (p === latest) {
        targetValue[group] += value[i]!;
      }
    }
  }
}

/** HLL registers merge by a per-register max; left-out rows are skipped (a merge costs more than a mispredict). */
export function foldHll(source: Uint8Array, groupOf: Int32Array, target: Uint8Array, ranges: RowRanges = allRows(groupOf.length)): void {
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    for (let i = ranges[r]!; i < end; i++) {
      const group = groupOf[i]!;
      if (group < 0) continue;
      const from = i * HLL_REGISTERS;
      const to = group * HLL_REGISTERS;
      for (let r = 0; r < HLL_REGISTERS; r++) {
        const rank = source[from + r]!;
        if (rank > target[to + r]!) target[to + r] = rank;
      }
    }
  }
}

/**
 * A partial that cannot fold (an exact distinct count): a group made of one row keeps
 * its value; a group of several becomes NaN (unknown) rather than a wrong number.
 */
export function foldNone(source: Float64Array, groupOf: Int32Array, target: Float64Array, ranges: RowRanges = allRows(groupOf.length)): void {
  const seen = new Uint8Array(target.length);
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    for (let i = ranges[r]!; i < end; i++) {
      const group = groupOf[i]!;
      if (group < 0) continue;
      target[group] = seen[group] === 0 ? source[i]! : NaN;
      seen[group] = 1;
    }
  }
}

/** Accumulator start values per fold: the value a group of no rows has. */
export const FOLD_IDENTITY = { sum: 0, min: NaN, max: NaN, last: 0, period: -Infinity, none: NaN } as const;
