import type { ResolvedHaving } from './resolveQuery.ts';

/** Cells whose finished measures pass every having condition; a null never passes. */
export function applyHaving(having: readonly ResolvedHaving[], columns: readonly Float64Array[], size: number): Int32Array {
  const kept: number[] = [];
  for (let cell = 0; cell < size; cell++) {
    if (having.every((condition) => passes(condition, columns[condition.column]![cell]!))) kept.push(cell);
  }
  return Int32Array.from(kept);
}

function passes({ op, values: [first, second] }: ResolvedHaving, value: number): boolean {
  if (Number.isNaN(value)) return false;
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
