import type { ResolvedHaving } from './resolveQuery.ts';
import { scratchInt32 } from './scratch.ts';

/** Cells whose finished measures pass every having condition; a null never passes. */
export function applyHaving(having: readonly ResolvedHaving[], columns: readonly Float64Array[], size: number): Int32Array {
  const kept = scratchInt32(size);
  let count = 0;
  for (let cell = 0; cell < size; cell++) {
    if (passesAll(having, columns, cell)) kept[count++] = cell;
  }
  return kept.subarray(0, count);
}

function passesAll(having: readonly ResolvedHaving[], columns: readonly Float64Array[], cell: number): boolean {
  for (const condition of having) if (!passes(condition, columns[condition.column]![cell]!)) return false;
  return true;
}

function passes({ op, values }: ResolvedHaving, value: number): boolean {
  if (Number.isNaN(value)) return false;
  const first = values[0];
  const second = values[1];
  switch (op) {
    case 'eq':
      return value === first;
    case 'ne':
      return value !== first;
    case 'gt':
      return value > first!;
    case 'gte':
      return value >= first!;
    case 'lt':
      return value < first!;
    case 'lte':
      return value <= first!;
    case 'between':
      return value >= first! && value <= second!;
  }
}
