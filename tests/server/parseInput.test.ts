import { describe, expect, it } from 'vitest';
import { CubeError } from '../../src/errors.ts';
import { CubeQuerySchema } from '../../src/model/query.ts';
import { RequestError } from '../../src/server/httpError.ts';
import { parseInput } from '../../src/model/parseInput.ts';
import { parseJsonParam } from '../../src/server/parseJsonParam.ts';

function failure(input: unknown, at?: string): CubeError {
  try {
    parseInput(CubeQuerySchema, input, at);
  } catch (error) {
    if (error instanceof CubeError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('parseInput', () => {
  it('returns the parsed value with defaults', () => {
    expect(parseInput(CubeQuerySchema, { cube: 'c', measures: ['m'] })).toMatchObject({ limit: 1000, levels: {} });
  });

  it('reports QUERY_INVALID at the path of the first problem', () => {
    expect(failure({ cube: 'c', measures: ['m'], limit: 1e9 })).toMatchObject({ code: 'QUERY_INVALID', path: 'limit' });
    expect(failure({ cube: 'c', measures: ['m'], limit: 'ten' }, 'q')).toMatchObject({ path: 'q.limit' });
  });

  it('follows the union branch the client meant and suggests the closest option', () => {
    const error = failure({ cube: 'c', measures: ['m'], filters: [{ dimension: 'd', level: 'l', op: 'eqq', values: [] }] });
    expect(error).toMatchObject({ path: 'filters[0].op' });
    expect(error.hint).toMatch(/^did you mean eq,/);
  });

  it('locates an unknown key at the key', () => {
    expect(failure({ cube: 'c', measures: ['m'], limitt: 5 })).toMatchObject({ path: 'limitt' });
  });

  it('refuses JSON that does not parse with JSON_MALFORMED', () => {
    expect(() => parseJsonParam('{"cube":', 'q')).toThrow(RequestError);
    expect(parseJsonParam('{"cube":"c"}', 'q')).toEqual({ cube: 'c' });
  });
});
