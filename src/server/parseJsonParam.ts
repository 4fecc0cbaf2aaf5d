import { RequestError } from './httpError.ts';

/** JSON text carried in a query-string parameter (GET /v1/explain?q=…). */
export function parseJsonParam(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestError(400, { code: 'JSON_MALFORMED', message: `${name} is not valid JSON`, path: name });
  }
}
