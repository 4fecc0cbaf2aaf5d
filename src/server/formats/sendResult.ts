import type { FastifyReply } from 'fastify';
import type { QueryResult } from '../../engine/index.ts';
import { resultToArrowStream } from './arrow.ts';
import { resultToCsv } from './csv.ts';
import { MEDIA_TYPES, type Format } from './negotiate.ts';

/**
 * Sends a result in the negotiated format. Arrow and CSV bodies hold only the table,
 * so total, totals and meta travel in the `arrowcube-meta` header as JSON (the
 * explain list, which can be long, is left to /v1/explain).
 */
export function sendResult(reply: FastifyReply, format: Format, result: QueryResult): FastifyReply {
  if (format === 'json') return reply.send(result);
  const { total, totals, meta } = result;
  reply.header('arrowcube-meta', headerJson({ total, totals, meta }));
  return format === 'arrow'
    ? reply.type(MEDIA_TYPES.arrow).send(resultToArrowStream(result))
    : reply.type(`${MEDIA_TYPES.csv}; charset=utf-8`).send(resultToCsv(result));
}

/** Header values must be Latin-1; escaping the rest keeps the JSON valid and members like "广东" intact. */
function headerJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
