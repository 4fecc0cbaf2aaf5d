import { CubeError } from '../../errors.ts';

/** The representations a result can be sent in. */
export type Format = 'json' | 'arrow' | 'csv';

export const MEDIA_TYPES: Record<Format, string> = {
  json: 'application/json',
  arrow: 'application/vnd.apache.arrow.stream',
  csv: 'text/csv',
};

interface Range {
  type: string;
  subtype: string;
  q: number;
}

/**
 * The format to answer in, from an Accept header (RFC 9110 §12.5.1): the offered
 * format with the highest q, more specific ranges beating wildcards, ties going to
 * the route's first offer. No header means the first offer (JSON).
 */
export function negotiate(accept: string | undefined, offered: readonly Format[]): Format {
  if (accept === undefined || accept.trim() === '') return offered[0]!;
  const ranges = accept.split(',').map(parseRange).filter((range): range is Range => range !== null);
  let best: { format: Format; q: number } | null = null;
  for (const format of offered) {
    const q = qualityOf(format, ranges);
    if (q > 0 && (best === null || q > best.q)) best = { format, q };
  }
  if (best) return best.format;
  throw new CubeError('NOT_ACCEPTABLE', `cannot answer in ${accept}`, {
    path: 'accept',
    hint: `accepted: ${offered.map((format) => MEDIA_TYPES[format]).join(', ')}`,
  });
}

function parseRange(text: string): Range | null {
  const [mediaRange, ...parameters] = text.split(';').map((part) => part.trim());
  const [type, subtype] = (mediaRange ?? '').toLowerCase().split('/');
  if (!type || !subtype) return null;
  const qParameter = parameters.find((parameter) => /^q\s*=/i.test(parameter));
  const q = qParameter === undefined ? 1 : Number(qParameter.slice(qParameter.indexOf('=') + 1));
  return { type, subtype, q: Number.isFinite(q) ? q : 0 };
}

/** The q of the most specific range that matches the format's media type (0 if none). */
function qualityOf(format: Format, ranges: readonly Range[]): number {
  const [type, subtype] = MEDIA_TYPES[format].split('/') as [string, string];
  let best: { specificity: number; q: number } | null = null;
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype ? 2
      : range.type === type && range.subtype === '*' ? 1
      : range.type === '*' && range.subtype === '*' ? 0
      : -1;
    if (specificity >= 0 && (best === null || specificity > best.specificity)) best = { specificity, q: range.q };
  }
  return best?.q ?? 0;
}

/** Routes that answer with a query result offer every format; the rest offer JSON only. */
export const RESULT_FORMATS: readonly Format[] = ['json', 'arrow', 'csv'];
