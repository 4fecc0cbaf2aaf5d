import type { FastifyError } from 'fastify';
import { isCubeError, type CubeErrorCode } from '../errors.ts';

/**
 * Every failure leaves the server as `{ error: { code, message, path?, hint? } }`.
 * Codes are CubeError codes plus the few only HTTP can produce (a body that is not
 * JSON, too large, of an unknown media type; a route that does not exist).
 */
export type ServerErrorCode =
  | CubeErrorCode
  | 'JSON_MALFORMED'
  | 'BODY_TOO_LARGE'
  | 'MEDIA_TYPE_UNSUPPORTED'
  | 'ROUTE_NOT_FOUND'
  | 'REQUEST_INVALID'
  | 'AUTH_REQUIRED'
  | 'API_KEY_INVALID'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'INTERNAL';

export interface ErrorBody {
  code: ServerErrorCode;
  message: string;
  path?: string;
  hint?: string;
}

export interface HttpError {
  status: number;
  body: ErrorBody;
  /** Headers the status calls for (WWW-Authenticate on a 401, Retry-After on a 429 or 503). */
  headers?: Record<string, string>;
}

/** 500 means the server, not the request, is at fault: the message is then withheld. */
const STATUS_OF_CODE: Record<CubeErrorCode, number> = {
  QUERY_INVALID: 400,
  DIMENSION_UNKNOWN: 400,
  LEVEL_UNKNOWN: 400,
  MEASURE_UNKNOWN: 400,
  MEMBER_UNKNOWN: 400,
  FILTER_INVALID: 400,
  OPERATION_INVALID: 400,
  ACCESS_DENIED: 403,
  CUBE_NOT_FOUND: 404,
  CUBE_NOT_BUILT: 404,
  NOT_ACCEPTABLE: 406,
  QUERY_TIMEOUT: 504,
  RESULT_TOO_LARGE: 400,
  QUERY_TOO_LARGE: 400,
  DEFINITION_INVALID: 500,
  DEFINITION_NOT_FOUND: 500,
  CONFIG_INVALID: 500,
  COLUMN_UNKNOWN: 500,
  HIERARCHY_VIOLATED: 500,
  BUILD_FAILED: 500,
  CUBE_CORRUPT: 500,
};

/** Fastify's own request errors that deserve a code of their own. */
const FASTIFY_CODES: Record<string, ServerErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'JSON_MALFORMED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'JSON_MALFORMED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'MEDIA_TYPE_UNSUPPORTED',
};

/** A request fault that only HTTP knows about, so it has no CubeError code. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers?: Record<string, string>,
  ) {
    super(body.message);
    this.name = 'RequestError';
  }
}

export const INTERNAL_MESSAGE = 'internal error; the server log has the details';

export function toHttpError(error: unknown): HttpError {
  if (isCubeError(error)) {
    const status = STATUS_OF_CODE[error.code];
    return status === 500 ? internal() : { status, body: error.toJSON() };
  }
  if (error instanceof RequestError) {
    return { status: error.status, body: error.body, ...(error.headers === undefined ? {} : { headers: error.headers }) };
  }
  if (isFastifyRequestError(error)) {
    return {
      status: error.statusCode,
      body: { code: FASTIFY_CODES[error.code] ?? 'REQUEST_INVALID', message: error.message },
    };
  }
  return internal();
}

function internal(): HttpError {
  return { status: 500, body: { code: 'INTERNAL', message: INTERNAL_MESSAGE } };
}

/** Fastify marks errors caused by the request (not by our code) with a 4xx status and an FST_ code. */
export function isFastifyRequestError(error: unknown): error is FastifyError & { statusCode: number } {
  const candidate = error as Partial<FastifyError> | null;
  return (
    typeof candidate?.code === 'string' &&
    candidate.code.startsWith('FST_') &&
    typeof candidate.statusCode === 'number' &&
    candidate.statusCode >= 400 &&
    candidate.statusCode < 500
  );
}
