import type { LevelIndex } from './levelIndex.ts';
import type { ResolvedOrder } from './resolveQuery.ts';
import { OTHERS_CODE, type RowTable } from './rowTable.ts';
import { scratchInt32 } from './scratch.ts';

/**
 * Row order: the query's order entries, then every grouped level in its natural order
 * (codes) as the tie-break. The NULL member, the "Others" row and null measures come
 * last whichever the direction, as in SQL's default NULLS LAST.
 */
export function orderRows(
  order: readonly ResolvedOrder[],
  levels: readonly LevelIndex[],
  table: RowTable,
  wanted: number = table.size,
): Int32Array {
  const rows = new RowOrder(order, levels, table);
  // A page from the top (top 20 of a thousand managers) needs only its first rows in order.
  if (wanted * 8 < table.size) return firstInOrder(table.size, wanted, rows);
  const all = scratchInt32(table.size);
  for (let row = 0; row < all.length; row++) all[row] = row;
  return all.sort((a, b) => rows.compare(a, b));
}

/**
 * The comparison as a class, not closures: its state is prepared once per query and the
 * method stays monomorphic, which matters as it runs O(rows · log rows) times.
 */
class RowOrder {
  // Small plain arrays: a handful of entries per query, where typed arrays would cost a buffer each.
  /** Per order entry: a measure column, or -1 - the grouped level. */
  private readonly entries: number[] = [];
  private readonly descending: boolean[] = [];
  private readonly codes: readonly Int32Array[];
  private readonly columns: readonly Float64Array[];
  private readonly ranks: Int32Array[] = [];
  private readonly sizes: number[] = [];
  /** Members ranked below this are real; NULL (size − 1 with it, or size) and Others (size + 1) rank after. */
  private readonly realMembers: number[] = [];

  constructor(order: readonly ResolvedOrder[], levels: readonly LevelIndex[], table: RowTable) {
    for (const entry of order) {
      this.descending.push(entry.desc);
      this.entries.push(entry.kind === 'level' ? -1 - entry.group : entry.column);
    }
    this.codes = table.codes;
    this.columns = table.columns;
    for (const index of levels) {
      this.ranks.push(index.rank);
      this.sizes.push(index.size);
      this.realMembers.push(index.codeOf(null) === undefined ? index.size : index.size - 1);
    }
  }

  compare(a: number, b: number): number {
    for (let position = 0; position < this.entries.length; position++) {
      const entry = this.entries[position]!;
      const desc = this.descending[position]!;
      const difference = entry >= 0 ? this.compareMeasure(entry, desc, a, b) : this.compareLevel(-1 - entry, desc, a, b);
      if (difference !== 0) return difference;
    }
    for (let group = 0; group < this.codes.length; group++) {
      const difference = this.compareLevel(group, false, a, b);
      if (difference !== 0) return difference;
    }
    return a - b;
  }

  private compareMeasure(column: number, desc: boolean, a: number, b: number): number {
    const values = this.columns[column]!;
    const x = values[a]!;
    const y = values[b]!;
    if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
    const difference = x < y ? -1 : x > y ? 1 : 0;
    return desc ? -difference : difference;
  }

  private compareLevel(group: number, desc: boolean, a: number, b: number): number {
    const x = this.rank(group, a);
    const y = this.rank(group, b);
    const real = this.realMembers[group]!;
    return desc && x < real && y < real ? y - x : x - y;
  }

  /** Members rank 0…k-1 in natural order, then NULL (k), then Others (k+1). */
  private rank(group: number, row: number): number {
    const code = this.codes[group]![row]!;
    return code === OTHERS_CODE ? this.sizes[group]! + 1 : this.ranks[group]![code]!;
  }
}

/** The `wanted` first rows in order, by insertion into a sorted prefix: O(rows · log wanted) comparisons. */
function firstInOrder(size: number, wanted: number, rows: RowOrder): Int32Array {
  const best = scratchInt32(wanted);
  if (wanted === 0) return best;
  let kept = 0;
  for (let row = 0; row < size; row++) {
    if (kept === wanted && rows.compare(row, best[kept - 1]!) >= 0) continue;
    let low = 0;
    let high = kept;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (rows.compare(row, best[middle]!) < 0) high = middle;
      else low = middle + 1;
    }
    if (kept < wanted) kept++;
    // A plain loop: copyWithin's call costs more than moving a page's few entries.
    for (let position = kept - 1; position > low; position--) best[position] = best[position - 1]!;
    best[low] = row;
  }
  return best.subarray(0, kept);
}
