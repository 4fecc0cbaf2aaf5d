/**
 * The one error type users see. `code` is stable (clients branch on it); `path` says
 * where in the input the problem is; `hint` says what would have been valid.
 * Anything that is not a CubeError is a bug and is reported as an internal error.
 */
export type CubeErrorCode =
  | 'DEFINITION_INVALID'
  | 'DEFINITION_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'COLUMN_UNKNOWN'
  | 'HIERARCHY_VIOLATED'
  | 'BUILD_FAILED'
  | 'CUBE_NOT_FOUND'
  | 'CUBE_NOT_BUILT'
  | 'CUBE_CORRUPT'
  | 'QUERY_INVALID'
  | 'DIMENSION_UNKNOWN'
  | 'LEVEL_UNKNOWN'
  | 'MEASURE_UNKNOWN'
  | 'MEMBER_UNKNOWN'
  | 'FILTER_INVALID'
  | 'OPERATION_INVALID'
  | 'ACCESS_DENIED'
  | 'QUERY_TIMEOUT'
  | 'RESULT_TOO_LARGE'
  | 'QUERY_TOO_LARGE'
  | 'NOT_ACCEPTABLE';

export interface CubeErrorOptions {
  path?: string;
  hint?: string;
  cause?: unknown;
}

export class CubeError extends Error {
  readonly code: CubeErrorCode;
  readonly path: string | undefined;
  readonly hint: string | undefined;

  constructor(code: CubeErrorCode, message: string, options: CubeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CubeError';
    this.code = code;
    this.path = options.path;
    this.hint = options.hint;
  }

  toJSON(): { code: CubeErrorCode; message: string; path?: string; hint?: string } {
    return {
      code: this.code,
      message: this.message,
      ...(this.path === undefined ? {} : { path: this.path }),
      ...(this.hint === undefined ? {} : { hint: this.hint }),
    };
  }
}

export function isCubeError(error: unknown): error is CubeError {
  return error instanceof CubeError;
}
