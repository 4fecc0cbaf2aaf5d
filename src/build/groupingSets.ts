import { CubeError } from '../errors.ts';

/**
 * GROUPING SETS over key columns, with the grouping id that tells the sets' rows
 * apart. A rolled-up key reads as NULL exactly like a NULL member, so rows are split
 * by `GROUPING(keys…)` (bit set = key rolled up, first key = highest bit), never by
 * looking for NULLs. Equal sets are listed once: DuckDB would repeat their rows.
 */
export interface GroupingSets {
  keys: string[];
  sets: string[][];
}

/** DuckDB's GROUPING() takes at most 64 arguments; keep the ids exact in a BIGINT. */
const MAX_KEYS = 62;

export function groupingSets(sets: Iterable<readonly string[]>): GroupingSets {
  const keys: string[] = [];
  const unique = new Map<string, string[]>();
  for (const set of sets) {
    for (const key of set) if (!keys.includes(key)) keys.push(key);
    const members = [...new Set(set)];
    unique.set([...members].sort().join(','), members);
  }
  if (keys.length > MAX_KEYS) {
    throw new CubeError('BUILD_FAILED', `a build groups by ${keys.length} distinct expressions; at most ${MAX_KEYS} are supported`);
  }
  return { keys, sets: [...unique.values()] };
}

/** The value `GROUPING(keys…)` takes on rows of `set`, as an SQL literal. */
export function groupingId(grouping: GroupingSets, set: readonly string[]): string {
  let id = 0n;
  grouping.keys.forEach((key, index) => {
    if (!set.includes(key)) id |= 1n << BigInt(grouping.keys.length - 1 - index);
  });
  return id.toString();
}

/** `GROUPING(…) AS gid` for the select list (a constant 0 when nothing is grouped). */
export function groupingIdColumn(grouping: GroupingSets): string {
  return grouping.keys.length === 0 ? '0 AS gid' : `GROUPING(${grouping.keys.join(', ')}) AS gid`;
}

export function groupByClause(grouping: GroupingSets): string {
  return `GROUP BY GROUPING SETS (${grouping.sets.map((set) => `(${set.join(', ')})`).join(', ')})`;
}
