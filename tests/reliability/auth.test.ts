import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import { isCubeError } from '../../src/errors.ts';
import { loadAuthConfig } from '../../src/server/auth/authConfig.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { Reloader } from '../../src/server/reloadCubes.ts';
import { listCubes } from '../../src/store/index.ts';
import { bankFixture, type BankFixture } from '../server/bankFixture.ts';
import { ADMIN_KEY, bearer, credentials, HEAD_OFFICE_KEY, HS256_SECRET, hs256, rs256, unsigned, type Credentials } from './credentials.ts';

/**
 * Authentication and what each role may see, against the bank definitions' security
 * section: API keys, HS256 and RS256 (JWKS) tokens, and every way a credential can be
 * wrong. Which rows a role sees is checked against DuckDB in leaks.test.ts.
 */
let fixture: BankFixture;
let engine: CubeEngine;
let app: FastifyInstance;
let creds: Credentials;
let branch: string;
let manager: string;

const QUERY = { cube: 'transactions', measures: ['amount'], levels: { region: 'branch' } };

beforeAll(async () => {
  [fixture, creds] = await Promise.all([bankFixture(), credentials()]);
  engine = new CubeEngine({});
  engine.load(fixture.cube);
  app = buildApp({ engine, auth: creds.config, reloader: new Reloader({ engine, cubesDir: fixture.cubesDir, log: () => app.log }) });
  branch = fixture.cube.dictionaries['region.branch']!.find((member) => member !== null)!;
  manager = fixture.cube.dictionaries['manager.manager']!.find((member) => member !== null)!;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await engine?.close();
  await Promise.all([fixture?.close(), creds?.remove()]);
});

const query = (headers: Record<string, string>, body: unknown = QUERY) => app.inject({ method: 'POST', url: '/v1/query', headers, payload: body as object });
const errorCode = (response: { json(): any }) => response.json().error?.code;

describe('authentication', () => {
  it('answers anonymous requests with 401 and a WWW-Authenticate challenge, on every data route', async () => {
    const requests = [
      { method: 'GET' as const, url: '/v1/cubes' },
      { method: 'GET' as const, url: '/v1/cubes/transactions' },
      { method: 'GET' as const, url: '/v1/cubes/transactions/members?dimension=region&level=branch' },
      { method: 'POST' as const, url: '/v1/query', payload: QUERY },
      { method: 'POST' as const, url: '/v1/explain', payload: QUERY },
      { method: 'POST' as const, url: '/v1/olap/pivot', payload: { query: QUERY, rows: ['region.branch'], columns: [] } },
      { method: 'POST' as const, url: '/graphql', payload: { query: '{ cubes { name } }' } },
      { method: 'POST' as const, url: '/v1/admin/reload' },
    ];
    for (const request of requests) {
      const response = await app.inject(request);
      expect(response.statusCode, request.url).toBe(401);
      if (request.url === '/graphql') {
        // GraphQL clients read errors from the GraphQL response shape.
        expect(response.json().errors[0].extensions.code).toBe('AUTH_REQUIRED');
        continue;
      }
      expect(errorCode(response), request.url).toBe('AUTH_REQUIRED');
      expect(response.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('refuses an anonymous subscription socket and opens one with a token', async () => {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const open = (headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers });
        // Terminated, not closed: a lingering socket would hold the server's close() open.
        socket.on('open', () => {
          socket.terminate();
          resolve('open');
        });
        // Resolved only once the server closes the refused socket: one left open would
        // pile up with every anonymous attempt.
        socket.on('unexpected-response', (request, response) => {
          response.resume();
          request.socket?.once('close', () => resolve(`HTTP ${response.statusCode}`));
        });
        socket.on('error', (error) => resolve(error.message));
      });
    expect(await open({})).toBe('HTTP 401');
    expect(await open(bearer(hs256({ role: 'head_office' })))).toBe('open');
  });

  it('serves the health check and the playground page without credentials', async () => {
    const health = await app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(200);
    // Anonymous callers learn that the server is up, not which cubes it serves.
    expect(health.json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/graphiql' })).statusCode).toBe(200);
  });

  it('accepts an API key, an HS256 token and an RS256 token signed by a JWKS key', async () => {
    for (const headers of [
      { 'x-api-key': HEAD_OFFICE_KEY },
      bearer(hs256({ sub: 'ho', role: 'head_office' })),
      bearer(rs256({ sub: 'ho', role: 'head_office' }, creds.rsaKey)),
    ]) {
      const response = await query(headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(200);
      expect(response.json().rows.length).toBe(fixture.cube.dictionaries['region.branch']!.length);
    }
  });

  it.each([
    ['a wrong API key', { 'x-api-key': 'not-a-key-0123456789' }, 'API_KEY_INVALID'],
    ['a token signed with another secret', bearer(hs256({ role: 'head_office' }, 'another-secret-of-more-than-thirty-two-chars')), 'TOKEN_INVALID'],
    ['an expired token', bearer(hs256({ role: 'head_office', exp: Math.floor(Date.now() / 1000) - 60 })), 'TOKEN_EXPIRED'],
    ['a token without an expiry', bearer(hs256({ role: 'head_office', exp: undefined })), 'TOKEN_INVALID'],
    ['a token not yet valid', bearer(hs256({ role: 'head_office', nbf: Math.floor(Date.now() / 1000) + 3600 })), 'TOKEN_INVALID'],
    ['an unsigned token (alg none)', bearer(unsigned({ role: 'head_office' })), 'TOKEN_INVALID'],
    ['a token from another issuer', bearer(hs256({ role: 'head_office', iss: 'https://evil.example' })), 'TOKEN_INVALID'],
    ['a token with an unknown key id', bearer(rs256({ role: 'head_office' }, generateOtherKey(), 'other-kid')), 'TOKEN_INVALID'],
    ['garbage in place of a token', bearer('not.a.jwt'), 'TOKEN_INVALID'],
    ['a tampered payload', bearer(tamper(hs256({ role: 'branch_head', branch: 'x' }))), 'TOKEN_INVALID'],
    ['a Basic header', { authorization: 'Basic dXNlcjpwYXNz' }, 'AUTH_REQUIRED'],
  ])('refuses %s with 401', async (_, headers, code) => {
    const response = await query(headers as Record<string, string>);
    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe(code);
    expect(response.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('never takes the RSA public key as an HMAC secret (algorithm confusion)', async () => {
    const publicPem = creds.config.jwt!.publicKeys.get('test-rsa-1')!.export({ format: 'pem', type: 'spki' }).toString();
    const response = await query(bearer(hs256({ role: 'head_office' }, publicPem, { kid: 'test-rsa-1' })));
    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe('TOKEN_INVALID');
  });
});

describe('roles', () => {
  it('refuses a role the cube does not list, and does not list the cube to it', async () => {
    const headers = bearer(hs256({ role: 'intern' }));
    const response = await query(headers);
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('ACCESS_DENIED');
    expect((await app.inject({ url: '/v1/cubes', headers })).json().cubes).toEqual([]);
    expect((await app.inject({ url: '/v1/cubes/transactions', headers })).statusCode).toBe(403);
  });

  it('refuses a role whose row rule needs a claim the credential lacks, rather than showing everything', async () => {
    const headers = bearer(hs256({ role: 'branch_head' }));
    const response = await query(headers);
    expect(response.statusCode).toBe(403);
    expect(response.json().error.message).toContain('claim "branch"');
    // The descriptions need no claim: the listing still names the cube, as the role sees it.
    const listing = await app.inject({ url: '/v1/cubes', headers });
    expect(listing.statusCode).toBe(200);
    expect(listing.json().cubes.map((cube: { name: string }) => cube.name)).toContain('transactions');
    expect((await app.inject({ url: '/v1/cubes/transactions', headers })).statusCode).toBe(200);
  });

  it('hides measures from a role: refused when asked for, left out of the descriptions', async () => {
    const headers = bearer(hs256({ role: 'account_manager', manager }));
    const refused = await query(headers, { ...QUERY, measures: ['amount', 'cost'] });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'ACCESS_DENIED', path: 'measures[1]' });
    for (const body of [
      { ...QUERY, order: [{ by: 'cost' }] },
      { ...QUERY, having: [{ measure: 'cost', op: 'gt', values: [0] }] },
      { ...QUERY, measures: ['cost:pctOfTotal'] },
    ]) {
      expect(errorCode(await query(headers, body)), JSON.stringify(body)).toBe('ACCESS_DENIED');
    }
    const description = (await app.inject({ url: '/v1/cubes/transactions', headers })).json();
    expect(description.measures.map((measure: { name: string }) => measure.name)).not.toContain('cost');
    const graphql = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query: '{ cube(name: "transactions") { measures { name } } }' } });
    expect(graphql.json().data.cube.measures.map((measure: { name: string }) => measure.name)).not.toContain('cost');
    const viaGraphQL = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers,
      payload: { query: '{ transactions(levels: { region: branch }) { rows { cost } } }' },
    });
    expect(viaGraphQL.json().errors[0].extensions.code).toBe('ACCESS_DENIED');
    // Head office sees cost.
    expect((await query({ 'x-api-key': HEAD_OFFICE_KEY }, { ...QUERY, measures: ['cost'] })).statusCode).toBe(200);
  });

  it('limits rows to the claimed branch on every answer', async () => {
    const headers = bearer(hs256({ role: 'branch_head', branch }));
    const response = await query(headers);
    expect(response.json().rows.map((row: Record<string, unknown>) => row['region.branch'])).toEqual([branch]);
    const members = await app.inject({ url: '/v1/cubes/transactions/members?dimension=region&level=branch', headers });
    expect(members.json()).toEqual({ members: [branch], total: 1 });
  });

  it('lets only admin roles reload, however the path is spelled', async () => {
    for (const url of ['/v1/admin/reload', '/v1/%61dmin/reload', '/v1/admin/%72eload?now']) {
      const asHeadOffice = await app.inject({ method: 'POST', url, headers: { 'x-api-key': HEAD_OFFICE_KEY } });
      expect(asHeadOffice.statusCode, url).toBe(403);
      expect(errorCode(asHeadOffice)).toBe('ACCESS_DENIED');
      const asAdmin = await app.inject({ method: 'POST', url, headers: { 'x-api-key': ADMIN_KEY } });
      expect(asAdmin.statusCode, url).toBe(200);
      expect(asAdmin.json().cubes.map((cube: { cube: string }) => cube.cube)).toEqual(await listCubes(fixture.cubesDir));
    }
  });
});

describe('configuration', () => {
  const configError = async (text: string, env: NodeJS.ProcessEnv = {}) => {
    const file = join(fixture.cubesDir, 'auth-case.yaml');
    await writeFile(file, text);
    try {
      await loadAuthConfig(file, env);
    } catch (error) {
      if (isCubeError(error)) return `${error.code}: ${error.message.replace(`${file}: `, '')}`;
      throw error;
    }
    throw new Error('expected the configuration to be refused');
  };

  it.each([
    ['nothing configured', 'roleClaim: role\n', 'CONFIG_INVALID: (top): configure apiKeys, jwt or both'],
    ['a short secret', 'jwt: { secret: short }\n', 'CONFIG_INVALID: jwt.secret: an HS256 secret needs at least 32 characters'],
    ['an unset variable', 'jwt: { secret: "${NOPE}" }\n', 'CONFIG_INVALID: environment variable NOPE is not set and has no default (write ${NOPE:-default})'],
    ['a key given twice', `apiKeys:\n  - { name: a, key: ${HEAD_OFFICE_KEY}, sha256: "${'0'.repeat(64)}", claims: {} }\n`, 'CONFIG_INVALID: apiKeys.0: give exactly one of key, sha256'],
    ['a missing JWKS file', 'jwt: { jwks: missing.json }\n', 'CONFIG_INVALID: jwt.jwks: cannot read'],
    ['an unknown key', `jwt: { secret: ${HS256_SECRET}, algorithm: HS512 }\n`, 'CONFIG_INVALID: jwt: Unrecognized key: "algorithm"'],
  ])('refuses %s with a message naming the place', async (_, text, expected) => {
    expect(await configError(text)).toContain(expected);
  });
});

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  return [header, Buffer.from(JSON.stringify({ ...claims, role: 'head_office' })).toString('base64url'), signature].join('.');
}

/** A key pair the JWKS does not publish. */
function generateOtherKey() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}
