/**
 * A cuboid's sort keys packed into as few INTEGER "words" as fit: consecutive keys
 * (major first) share a word while the product of their member counts stays within
 * 2^31, so word = ((k1 × n2 + k2) × n3 + k3)… and ordering by the words orders by the
 * keys. DuckDB sorts a few narrow keys faster than many, and stage 2 copies one Int32
 * column per word out of its result instead of one per key (on SSB's largest cuboid:
 * one word for four keys, about a third less time for its sort and half for its copy).
 */
export interface SortKey {
  dimension: string;
  /** Its code column in the stage-1 table. */
  column: string;
  /** Members of its level: codes run 0 … members − 1. */
  members: number;
}

export type SortWord = SortKey[];

const WORD_SPAN = 2 ** 31;

export function sortWords(keys: readonly SortKey[]): SortWord[] {
  const words: SortWord[] = [];
  let span = Infinity;
  for (const key of keys) {
    if (span * key.members <= WORD_SPAN) {
      words.at(-1)!.push(key);
      span *= key.members;
    } else {
      words.push([key]);
      span = key.members;
    }
  }
  return words;
}

/** The word as an SQL expression over `table`'s code columns; every intermediate value stays below the word's span. */
export function wordSql(word: SortWord, table: string): string {
  return word.reduce((sql, key, index) => (index === 0 ? `${table}.${key.column}` : `(${sql}) * ${key.members} + ${table}.${key.column}`), '');
}

/**
 * A word's values → each key's codes, by dimension. The values array is taken over
 * as the major key's codes (the quotient left after the minor keys are divided out).
 */
export function unpackWord(word: SortWord, values: Int32Array, codes: Record<string, Int32Array>): void {
  for (let index = word.length - 1; index > 0; index--) {
    const { dimension, members } = word[index]!;
    const minor = new Int32Array(values.length);
    for (let row = 0; row < values.length; row++) {
      const value = values[row]!;
      const rest = (value / members) | 0;
      minor[row] = value - rest * members;
      values[row] = rest;
    }
    codes[dimension] = minor;
  }
  codes[word[0]!.dimension] = values;
}
