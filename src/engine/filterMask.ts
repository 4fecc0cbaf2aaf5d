import type { LevelFilter } from '../model/query.ts';
import type { LevelIndex } from './levelIndex.ts';
import { scratchUint8 } from './scratch.ts';

/**
 * The one meaning of a level filter: the set of the level's members it keeps, as a
 * byte per member code (1 = kept). Both answering paths start from this mask, so they
 * cannot disagree about what a filter means.
 *
 * - eq / in keep the listed members (null = the NULL member); ne / notIn keep exactly
 *   the rest, NULL member included, so a filter and its complement partition the rows.
 * - between (inclusive) / gt / gte / lt / lte compare in the level's natural order:
 *   as numbers on numeric levels, as text (Unicode code point order, which is UTF-8
 *   byte order, as in DuckDB) on time and text levels. The NULL member never matches.
 * - contains / startsWith match member text, case-sensitively; never the NULL member.
 */
export function filterMask(index: LevelIndex, filter: LevelFilter): Uint8Array {
  const mask = scratchUint8(index.size);
  switch (filter.op) {
    case 'eq':
    case 'in':
      markMembers(index, filter.values, mask);
      return mask;
    case 'ne':
    case 'notIn':
      markMembers(index, filter.values, mask);
      for (let code = 0; code < mask.length; code++) mask[code] ^= 1;
      return mask;
    case 'contains':
    case 'startsWith': {
      const needle = filter.values[0]!;
      const matches = filter.op === 'contains' ? (text: string) => text.includes(needle) : (text: string) => text.startsWith(needle);
      index.members.forEach((member, code) => {
        if (member !== null && matches(member)) mask[code] = 1;
      });
      return mask;
    }
    default:
      markRange(index, filter, mask);
      return mask;
  }
}

function markMembers(index: LevelIndex, values: readonly (string | null)[], mask: Uint8Array): void {
  for (const value of values) {
    const code = index.codeOf(value);
    if (code !== undefined) mask[code] = 1;
  }
}

type Bound = { value: string; inclusive: boolean };

function markRange(index: LevelIndex, filter: LevelFilter, mask: Uint8Array): void {
  const [first, second] = filter.values as string[];
  const bounds: { lower?: Bound; upper?: Bound } =
    filter.op === 'between'
      ? { lower: { value: first!, inclusive: true }, upper: { value: second!, inclusive: true } }
      : filter.op === 'gt' || filter.op === 'gte'
        ? { lower: { value: first!, inclusive: filter.op === 'gte' } }
        : { upper: { value: first!, inclusive: filter.op === 'lte' } };
  if (index.level.order === 'numeric') {
    const numbers = index.numericMembers();
    const within = (bound: Bound | undefined, sign: 1 | -1, member: number) => {
      if (bound === undefined) return true;
      const difference = sign * (member - Number(bound.value));
      return difference > 0 || (bound.inclusive && difference === 0);
    };
    numbers.forEach((member, code) => {
      if (!Number.isNaN(member) && within(bounds.lower, 1, member) && within(bounds.upper, -1, member)) mask[code] = 1;
    });
    return;
  }
  const within = (bound: Bound | undefined, sign: 1 | -1, member: string) => {
    if (bound === undefined) return true;
    const difference = sign * compareText(member, bound.value);
    return difference > 0 || (bound.inclusive && difference === 0);
  };
  index.members.forEach((member, code) => {
    if (member !== null && within(bounds.lower, 1, member) && within(bounds.upper, -1, member)) mask[code] = 1;
  });
}

/**
 * Code point order. JavaScript's `<` compares UTF-16 units, which puts characters
 * above the surrogate range (U+E000…U+FFFF) after supplementary ones; UTF-8 bytes do not.
 */
export function compareText(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
