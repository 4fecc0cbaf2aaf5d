import { describe, expect, it } from 'vitest';
import type { CubeEngine } from '../../src/engine/index.ts';
import { CubeError } from '../../src/errors.ts';
import { buildApp } from '../../src/server/buildApp.ts';

/** An engine whose every query fails with `error`: the server's mapping is what is under test. */
function failingApp(error: Error) {
  const logLines: string[] = [];
  const engine = { query: async () => Promise.reject(error) } as unknown as CubeEngine;
  const app = buildApp({ engine, logger: { level: 'info', stream: { write: (line: string) => void logLines.push(line) } } });
  const query = () => app.inject({ method: 'POST', url: '/v1/query', payload: { cube: 'c', measures: ['m'] } });
  return { app, query, logLines };
}

describe('error mapping', () => {
  it('a query timeout → 504 QUERY_TIMEOUT', async () => {
    const { app, query } = failingApp(new CubeError('QUERY_TIMEOUT', 'query ran over 10 ms', { hint: 'narrow the filters' }));
    const response = await query();
    expect(response.statusCode).toBe(504);
    expect(response.json()).toEqual({ error: { code: 'QUERY_TIMEOUT', message: 'query ran over 10 ms', hint: 'narrow the filters' } });
    await app.close();
  });

  it('a bug → 500 with a generic message; the detail only in the log', async () => {
    const { app, query, logLines } = failingApp(new TypeError('secret detail: cannot read x of undefined'));
    const response = await query();
    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe('INTERNAL');
    expect(response.body).not.toContain('secret');
    expect(logLines.join('\n')).toContain('secret detail');
    await app.close();
  });

  it('a server-side CubeError (corrupt cube) is internal too', async () => {
    const { app, query } = failingApp(new CubeError('CUBE_CORRUPT', 'checksum mismatch in /srv/cubes/x'));
    const response = await query();
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('/srv/cubes');
    await app.close();
  });
});
