import type { LevelModel, TimeGrain } from './types.ts';

/**
 * Levels derived from a date column. Members are ISO-like strings (`2024`, `2024-Q3`,
 * `2024-07`, `2024-W27`, `2024-07-15`) chosen so that text order is chronological
 * order; weeks are ISO weeks of the ISO year, so they sit under days, not years.
 */
export function timeLevel(grain: TimeGrain, dateExpr: string): LevelModel {
  const date = `CAST(${dateExpr} AS DATE)`;
  const expr: Record<TimeGrain, string> = {
    year: `strftime(${date}, '%Y')`,
    quarter: `(strftime(${date}, '%Y') || '-Q' || CAST(quarter(${date}) AS VARCHAR))`,
    month: `strftime(${date}, '%Y-%m')`,
    week: `strftime(${date}, '%G-W%V')`,
    day: `strftime(${date}, '%Y-%m-%d')`,
  };
  return { name: grain, expr: expr[grain], sortExpr: expr[grain], order: 'time', grain };
}

/** Default hierarchies of a time dimension: the calendar, and ISO weeks beside it. */
export function timeHierarchies(grains: readonly TimeGrain[]): { name: string; levels: string[] }[] {
  const calendar: string[] = (['year', 'quarter', 'month', 'day'] as const).filter((grain) => grains.includes(grain));
  const hierarchies = calendar.length > 0 ? [{ name: 'calendar', levels: calendar }] : [];
  if (grains.includes('week')) {
    hierarchies.push({ name: 'iso_week', levels: grains.includes('day') ? ['week', 'day'] : ['week'] });
  }
  return hierarchies;
}
