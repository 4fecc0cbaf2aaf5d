import type { z } from 'zod';
import { CubeError } from '../errors.ts';
import { suggestion } from './closest.ts';

type Issue = z.core.$ZodIssue;

/**
 * Validates one external input (a query, a request body, a query string) at the
 * boundary. A failure becomes QUERY_INVALID naming the first problem's path inside
 * the input (prefixed with `at` when the input sits inside a larger one, e.g. "q").
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, at?: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = mostSpecific(parsed.error.issues);
  // An unknown key is best located at the key itself.
  const keys = issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
  const path = formatPath([...(at === undefined ? [] : [at]), ...issue.path, ...keys]);
  throw new CubeError('QUERY_INVALID', path === '' ? issue.message : `${path}: ${issue.message}`, {
    path,
    ...hintFor(issue, valueAt(input, issue.path)),
  });
}

/**
 * A union (filters are `LevelFilter | {and} | {or}`) reports every branch's failure;
 * the branch with the fewest problems is the one the client meant, so report its.
 */
function mostSpecific(issues: readonly Issue[]): Issue {
  const first = issues[0]!;
  if (first.code !== 'invalid_union' || first.errors.length === 0) return first;
  const branch = [...first.errors].sort((a, b) => a.length - b.length)[0]!;
  if (branch.length === 0) return first;
  const inner = mostSpecific(branch);
  return { ...inner, path: [...first.path, ...inner.path] };
}

function hintFor(issue: Issue, received: unknown): { hint?: string } {
  if (issue.code === 'invalid_value' && typeof received === 'string') {
    return { hint: suggestion(received, issue.values.map(String)) };
  }
  if (issue.code === 'unrecognized_keys') return { hint: `remove ${issue.keys.join(', ')}` };
  return {};
}

/** The engine's path style: `filters[0].values[2]`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
