/**
 * A cuboid's sort keys packed into as few INTEGER "words" as fit: consecutive keys
 * (major first) share a word while the product of their member counts stays within
 * 2^31, so word = ((k1 × n2 + k2) × n3 + k3)… and ordering by the words orders by the
 * keys. Stage 1 stores each row's codes as its set's words, a few columns instead of
 * one per level; DuckDB sorts a cuboid by a few narrow keys faster than by many; and
 * stage 2 copies one Int32 column per word out of its result instead of one per key.
 */
export interface SortKey {
  dimension: string;
  /** Its code column in the GROUPING SETS query of stage 1. */
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

/** The word as an SQL expression, each key read by `keySql`; every intermediate value stays below the word's span. */
export function wordSql(word: SortWord, keySql: (key: SortKey) => string): string {
  return word.reduce((sql, key, index) => (index === 0 ? keySql(key) : `(${sql}) * ${key.members} + ${keySql(key)}`), '');
}

/** The column a table of words stores word `index` in. */
export function wordColumn(index: number): string {
  return `w${index}`;
}

/** Whether two lists of words pack the same keys the same way. */
export function sameWords(a: readonly SortWord[], b: readonly SortWord[]): boolean {
  return a.length === b.length && a.every((word, index) => word.map((key) => key.column).join() === b[index]!.map((key) => key.column).join());
}

/** The SQL reading one key's codes back out of words stored in wordColumn(0 …), or undefined when no word holds it. */
export function keyFromWords(words: readonly SortWord[], column: string): string | undefined {
  for (const [index, word] of words.entries()) {
    const at = word.findIndex((key) => key.column === column);
    if (at < 0) continue;
    const stride = word.slice(at + 1).reduce((product, key) => product * key.members, 1);
    const quotient = stride === 1 ? wordColumn(index) : `${wordColumn(index)} // ${stride}`;
    return at === 0 ? quotient : `(${quotient}) % ${word[at]!.members}`;
  }
  return undefined;
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
