import { sqlList } from './sqlLiterals.ts';

/**
 * The warehouse covers three full years. Transaction volume follows the seasons
 * banks see (year-end and Spring Festival peaks, a mid-year bump, a quiet Golden Week
 * October), grows a little every year and drops at weekends.
 */
const FIRST_YEAR = 2022;
const YEARS = 3;
export const FIRST_DAY = `${FIRST_YEAR}-01-01`;
export const LAST_DAY = `${FIRST_YEAR + YEARS - 1}-12-31`;
export const MONTHS = YEARS * 12;

const SEASON_BY_MONTH = [1.25, 0.95, 1.0, 0.95, 1.0, 1.15, 1.1, 0.95, 1.0, 0.9, 1.05, 1.3];
const GROWTH_BY_YEAR = [1.0, 1.08, 1.17];
/** ISO day of week: Monday 1 … Sunday 7. */
const ACTIVITY_BY_WEEKDAY = [1.0, 1.0, 1.0, 1.0, 1.05, 0.7, 0.6];

/** Integer relative transaction volume of a dim_date row (about 100 on an ordinary day). */
export function dayVolumeSql(): string {
  const season = `${sqlList(SEASON_BY_MONTH)}[month]`;
  const growth = `${sqlList(GROWTH_BY_YEAR)}[year - ${FIRST_YEAR - 1}]`;
  const weekday = `${sqlList(ACTIVITY_BY_WEEKDAY)}[day_of_week]`;
  return `round(100 * ${season} * ${growth} * ${weekday})::INTEGER`;
}

/** The last day of month `index` (0 = the first month covered), as a DATE. */
export function monthEndSql(index: string): string {
  return `last_day(DATE '${FIRST_DAY}' + to_months(${index}::INTEGER))`;
}
