import { LRUCache } from 'lru-cache';
import type { CubeQuery } from '../model/query.ts';
import type { QueryResult } from './types.ts';

/**
 * Results by cube version and canonical query, bounded by an estimate of their bytes.
 * The version is part of the key, so a newly loaded version never sees an older
 * version's answers, and a replaced version's answers can be dropped at once instead
 * of lingering until the LRU evicts them. Cached results are shared: treat them as immutable.
 */
export class ResultCache {
  private readonly lru: LRUCache<string, QueryResult> | undefined;

  constructor(bytes: number) {
    this.lru = bytes > 0 ? new LRUCache({ maxSize: bytes, sizeCalculation: estimateBytes }) : undefined;
  }

  /** False when the budget is 0: callers then need no key at all. */
  get enabled(): boolean {
    return this.lru !== undefined;
  }

  get(key: string): QueryResult | undefined {
    return this.lru?.get(key);
  }

  set(key: string, result: QueryResult): void {
    this.lru?.set(key, result);
  }

  /** Forgets every answer of one cube version. */
  dropVersion(cube: string, version: string): void {
    if (this.lru === undefined) return;
    const prefix = versionPrefix(cube, version);
    for (const key of [...this.lru.keys()]) if (key.startsWith(prefix)) this.lru.delete(key);
  }
}

/**
 * The cache key: version, then the query with object keys sorted, except `levels`,
 * whose order is meaningful (column order, and the dimension pctOfParent rolls up).
 */
export function cacheKey(cube: string, version: string, query: CubeQuery): string {
  return `${versionPrefix(cube, version)}${canonicalJson({ ...query, levels: Object.entries(query.levels) })}`;
}

/** Cube names are identifiers and versions never hold `:`, so the prefix is unambiguous. */
function versionPrefix(cube: string, version: string): string {
  return `${cube}@${version}:`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Rough heap bytes of a result: object overhead per row and cell, plus text. */
function estimateBytes(result: QueryResult): number {
  let bytes = 1024 + result.columns.length * 128;
  for (const row of result.rows) {
    bytes += 64;
    for (const key in row) {
      const value = row[key];
      bytes += 16 + (typeof value === 'string' ? 2 * value.length : 8);
    }
  }
  return bytes;
}
