import { describe, expect, it } from 'vitest';
import { isCubeError } from '../../src/errors.ts';
import { negotiate, RESULT_FORMATS } from '../../src/server/formats/negotiate.ts';

describe('negotiate', () => {
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['*/*', 'json'],
    ['application/json', 'json'],
    ['text/csv', 'csv'],
    ['text/*', 'csv'],
    ['application/vnd.apache.arrow.stream', 'arrow'],
    ['TEXT/CSV; charset=utf-8', 'csv'],
    ['application/json;q=0.5, text/csv', 'csv'],
    ['text/html, application/vnd.apache.arrow.stream;q=0.9, */*;q=0.1', 'arrow'],
    ['application/*', 'json'],
    ['*/*, application/json;q=0', 'arrow'],
  ] as const)('Accept %j → %s', (accept, format) => {
    expect(negotiate(accept, RESULT_FORMATS)).toBe(format);
  });

  it.each(['text/html', 'application/xml, image/*', 'text/csv;q=0'])('refuses %j with NOT_ACCEPTABLE', (accept) => {
    const error = catchError(() => negotiate(accept, RESULT_FORMATS));
    expect(isCubeError(error) && error.code).toBe('NOT_ACCEPTABLE');
    expect(isCubeError(error) && error.hint).toContain('text/csv');
  });

  it('offers only what the route offers', () => {
    expect(() => negotiate('text/csv', ['json'])).toThrow(/cannot answer/);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
