import { GraphQLError } from 'graphql/index.js';
import type { FastifyBaseLogger } from 'fastify';
import { isCubeError } from '../../errors.ts';
import { INTERNAL_MESSAGE, isFastifyRequestError, RequestError, toHttpError, type HttpError } from '../httpError.ts';

/**
 * GraphQL errors as clients see them. A CubeError keeps its message and carries its
 * code, input path and hint in `extensions`; GraphQL's own syntax and validation errors
 * get GRAPHQL_VALIDATION_FAILED; anything else is a bug: logged, and masked as INTERNAL.
 */
export function formatGraphQLError(error: GraphQLError, log: FastifyBaseLogger | undefined): GraphQLError {
  const original = error.originalError;
  const base = { ...(error.nodes ? { nodes: error.nodes } : {}), ...(error.path ? { path: error.path } : {}) };
  if (original === undefined || original === null || original instanceof GraphQLError) {
    const code = (error.extensions?.code as string | undefined) ?? 'GRAPHQL_VALIDATION_FAILED';
    const location = error.source ? { source: error.source, positions: error.positions } : {};
    return new GraphQLError(error.message, { ...base, ...location, extensions: { ...error.extensions, code } });
  }
  if (isCubeError(original)) {
    const { status, body } = toHttpError(original);
    if (status >= 500) {
      log?.error({ err: original }, 'graphql request failed');
      return new GraphQLError(INTERNAL_MESSAGE, { ...base, extensions: { code: 'INTERNAL' } });
    }
    const { message, ...extensions } = body;
    return new GraphQLError(message, { ...base, extensions });
  }
  const fault = requestFault(error);
  if (fault !== undefined) {
    const { message, ...extensions } = fault.body;
    return new GraphQLError(message, { ...base, extensions });
  }
  const code = (original as Error & { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('MER_ERR')) {
    return new GraphQLError(error.message, { ...base, extensions: { ...error.extensions, code } });
  }
  log?.error({ err: original }, 'graphql request failed');
  return new GraphQLError(INTERNAL_MESSAGE, { ...base, extensions: { code: 'INTERNAL' } });
}

/**
 * A refusal from before execution (a hook's 429 or 503, a body fastify could not
 * read): it keeps its code, and its HTTP status, as REST would answer it.
 */
export function requestFault(error: GraphQLError): HttpError | undefined {
  const original = error.originalError;
  return original instanceof RequestError || isFastifyRequestError(original) ? toHttpError(original) : undefined;
}
