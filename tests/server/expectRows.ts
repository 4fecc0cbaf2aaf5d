import { expect } from 'vitest';

type Row = Record<string, unknown>;

/**
 * Asserts two row sets hold the same cells, matched by their key columns (order is
 * not compared) and with measures equal to a relative 1e-9, since sums folded in a
 * different order differ in the last bits.
 */
export function expectSameRows(actual: readonly Row[], expected: readonly Row[], keys: string[], measures: string[]): void {
  const keyOf = (row: Row) => JSON.stringify(keys.map((key) => row[key] ?? null));
  const byKey = new Map(expected.map((row) => [keyOf(row), row]));
  expect(actual.map(keyOf).sort()).toEqual([...byKey.keys()].sort());
  for (const row of actual) {
    const want = byKey.get(keyOf(row))!;
    for (const measure of measures) {
      const [got, wanted] = [row[measure], want[measure]];
      if (typeof wanted !== 'number') expect(got, `${keyOf(row)} ${measure}`).toBe(wanted ?? null);
      else expect(Math.abs((got as number) - wanted), `${keyOf(row)} ${measure}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(wanted)));
    }
  }
}
