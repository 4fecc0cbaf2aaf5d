import type { QueryResult } from '../../engine/index.ts';

/**
 * A result as CSV (RFC 4180: header row, CRLF line ends, fields quoted when they hold
 * a quote, comma or line break). A spreadsheet runs a cell that starts with = + - @
 * tab or CR as a formula, so such text cells get a leading single quote; numbers are
 * written as numbers, so a negative amount stays a number.
 */
export function resultToCsv(result: QueryResult): string {
  const names = result.columns.map((column) => column.name);
  const lines = [names.map(textField).join(',')];
  for (const row of result.rows) {
    lines.push(names.map((name) => field(row[name] ?? null)).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

function field(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return textField(value);
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

function textField(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
