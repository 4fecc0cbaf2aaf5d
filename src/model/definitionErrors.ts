import { isMap, type Document, type LineCounter } from 'yaml';
import type { z } from 'zod';
import { CubeError } from '../errors.ts';
import { suggestion } from './closest.ts';

/** One problem in a definition file, at a path into its YAML document. */
export interface DefinitionIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Where a path points in the file. A path that is missing from the document (a
 * required key left out) points at the nearest ancestor that exists.
 */
function positionOf(
  document: Document,
  lines: LineCounter,
  path: (string | number)[],
): { line: number; col: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    const node = document.getIn(prefix, true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      return lines.linePos((keyNodeOf(document, prefix) ?? node).range![0]);
    }
  }
  return { line: 1, col: 1 };
}

/** The key's own position reads better than its value's for `key: value` lines. */
function keyNodeOf(document: Document, path: (string | number)[]): { range: [number, number, number] } | undefined {
  if (path.length === 0) return undefined;
  const parent = document.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const last = path[path.length - 1];
  const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === last);
  const key = pair?.key as { range?: [number, number, number] } | undefined;
  return key?.range ? { range: key.range } : undefined;
}

function formatIssue(file: string, document: Document, lines: LineCounter, issue: DefinitionIssue): string {
  const { line, col } = positionOf(document, lines, issue.path);
  const where = issue.path.length > 0 ? ` ${issue.path.join('.')}` : '';
  return `${file}:${line}:${col}${where}: ${issue.message}`;
}

export function definitionError(
  file: string,
  document: Document,
  lines: LineCounter,
  issues: DefinitionIssue[],
): CubeError {
  const formatted = issues.map((issue) => formatIssue(file, document, lines, issue));
  return new CubeError('DEFINITION_INVALID', formatted.join('\n'), {
    path: issues[0]!.path.join('.'),
    ...(formatted.length > 1 ? { hint: `${formatted.length} problems in ${file}` } : {}),
  });
}

/** zod issues → definition issues, with unknown keys answered by the closest known ones. */
export function issuesFromZod(error: z.ZodError, schema: z.ZodType): DefinitionIssue[] {
  return error.issues.flatMap((issue) => fromZodIssue(issue, schema, []));
}

function fromZodIssue(issue: z.core.$ZodIssue, schema: z.ZodType, prefix: PropertyKey[]): DefinitionIssue[] {
  const path = [...prefix, ...issue.path].map((part) => (typeof part === 'number' ? part : String(part)));
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(schema, path);
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: `unknown key "${key}"; ${suggestion(key, known)}`,
    }));
  }
  if (issue.code === 'invalid_union') {
    // The branch that got furthest into the value says what is really wrong.
    const branches = issue.errors.filter((branch) => branch.length > 0);
    const deepest = branches.sort((a, b) => depth(b) - depth(a))[0];
    if (deepest && depth(deepest) > 0) return deepest.flatMap((inner) => fromZodIssue(inner, schema, path));
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [{ path, message: `required: expected ${issue.expected}` }];
  }
  if (issue.code === 'invalid_key') {
    return issue.issues.map((inner) => ({ path, message: inner.message }));
  }
  return [{ path, message: issue.message }];
}

function depth(issues: z.core.$ZodIssue[]): number {
  return Math.max(...issues.map((issue) => issue.path.length));
}

/** The keys an object schema allows at `path`, found by walking the schema. */
function knownKeys(schema: z.ZodType, path: (string | number)[]): string[] {
  let current: unknown = schema;
  for (const part of [...path, undefined]) {
    current = unwrap(current);
    const def = (current as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    if (part === undefined) {
      return def.type === 'object' ? Object.keys(def.shape as object) : [];
    }
    if (def.type === 'object') current = (def.shape as Record<string, unknown>)[String(part)];
    else if (def.type === 'record') current = def.valueType;
    else if (def.type === 'array') current = def.element;
    else return [];
  }
  return [];
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  for (;;) {
    const def = (current as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return current;
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') current = def.innerType;
    else if (def.type === 'lazy') current = (def.getter as () => unknown)();
    else if (def.type === 'union') {
      const options = def.options as unknown[];
      current = options.find((option) => (option as { _zod: { def: { type: string } } })._zod.def.type === 'object') ?? options[0];
    } else return current;
  }
}

