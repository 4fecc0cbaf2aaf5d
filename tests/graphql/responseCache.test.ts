import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { credentials, hs256, type Credentials } from '../reliability/credentials.ts';
import { bankFixture, type BankFixture } from '../server/bankFixture.ts';

let fixture: BankFixture;
let creds: Credentials;

beforeAll(async () => {
  fixture = await bankFixture();
  creds = await credentials();
}, 60_000);

afterAll(async () => {
  await fixture?.close();
  await creds?.remove();
});

/** A fresh engine and app per test, with a spy counting the queries the engine really runs. */
async function withApp(test: (app: FastifyInstance, engine: CubeEngine, ran: () => number) => Promise<void>, options: { cacheBytes?: number; auth?: boolean } = {}) {
  const engine = new CubeEngine(options.cacheBytes === undefined ? {} : { cacheBytes: options.cacheBytes });
  engine.load(fixture.cube);
  const app = buildApp({ engine, ...(options.auth ? { auth: creds.config } : {}) });
  const spy = vi.spyOn(engine, 'query');
  try {
    await test(app, engine, () => spy.mock.calls.length);
  } finally {
    await app.close();
    await engine.close();
  }
}

async function post(app: FastifyInstance, payload: object, headers: Record<string, string> = {}) {
  const response = await app.inject({ method: 'POST', url: '/graphql', payload, headers });
  return { status: response.statusCode, text: response.body, body: response.json() as { data?: any; errors?: any[] } };
}

const BY_TIER = '{ transactions(levels: { segment: tier }) { rows { segment { tier } profit } meta { source cubeVersion } } }';

describe('the GraphQL response cache', () => {
  it('answers a repeated request with the same bytes without running the engine', async () => {
    await withApp(async (app, _engine, ran) => {
      const first = await post(app, { query: BY_TIER });
      expect(first.body.errors).toBeUndefined();
      expect(ran()).toBe(1);
      const second = await post(app, { query: BY_TIER });
      expect(second.text).toBe(first.text);
      expect(ran()).toBe(1);
      // Another body (different variables, another operation name) is another entry.
      await post(app, { query: BY_TIER, variables: { unused: 1 } });
      expect(ran()).toBe(2);
    });
  });

  it('marks every selected meta as cached on a hit, through aliases and fragments, with the hit elapsed time', async () => {
    const query = `query Report {
      transactions(levels: { segment: tier }) { rows { segment { tier } profit } meta { cached elapsedMs source } again: meta { ...Timing } }
      byChannel: transactions(levels: { channel: channel }) { rows { amount } m: meta { fresh: cached ms: elapsedMs } }
    }
    fragment Timing on QueryMeta { hit: cached took: elapsedMs }`;
    await withApp(async (app, _engine, ran) => {
      const first = await post(app, { query, operationName: 'Report' });
      expect(first.body.errors).toBeUndefined();
      const miss = first.body.data;
      expect([miss.transactions.meta.cached, miss.transactions.again.hit, miss.byChannel.m.fresh]).toEqual([false, false, false]);
      const second = await post(app, { query, operationName: 'Report' });
      expect(ran()).toBe(2);
      const hit = second.body.data;
      expect([hit.transactions.meta.cached, hit.transactions.again.hit, hit.byChannel.m.fresh]).toEqual([true, true, true]);
      for (const elapsed of [hit.transactions.meta.elapsedMs, hit.transactions.again.took, hit.byChannel.m.ms]) {
        expect(elapsed).toBeTypeOf('number');
        expect(elapsed).toBeGreaterThanOrEqual(0);
      }
      expect(hit.transactions.rows).toEqual(miss.transactions.rows);
      expect(hit.transactions.meta.source).toBe(miss.transactions.meta.source);
      expect(hit.byChannel.rows).toEqual(miss.byChannel.rows);
    });
  });

  it('never shares an entry between callers of different roles or claims', async () => {
    await withApp(
      async (app, engine, ran) => {
        const branches = (await engine.members('transactions', { dimension: 'region', level: 'branch', limit: 2 })).members as string[];
        const as = (claims: Record<string, unknown>) => ({ authorization: `Bearer ${hs256(claims)}` });
        const query = '{ transactions(levels: { region: branch }) { rows { region { branch } amount } } }';
        const branchHead = as({ role: 'branch_head', branch: branches[0] });
        const headOffice = await post(app, { query }, as({ role: 'head_office' }));
        const first = await post(app, { query }, branchHead);
        const other = await post(app, { query }, as({ role: 'branch_head', branch: branches[1] }));
        expect(ran()).toBe(3);
        expect(headOffice.body.data.transactions.rows.length).toBeGreaterThan(1);
        expect(first.body.data.transactions.rows.map((row: any) => row.region.branch)).toEqual([branches[0]]);
        expect(other.body.data.transactions.rows.map((row: any) => row.region.branch)).toEqual([branches[1]]);
        const again = await post(app, { query }, branchHead);
        expect(again.text).toBe(first.text);
        expect(ran()).toBe(3);
        // A refreshed token (new iat, exp and id) of the same role and row claim shares the entry.
        const refreshed = as({ role: 'branch_head', branch: branches[0], iat: Math.floor(Date.now() / 1000) - 60, exp: Math.floor(Date.now() / 1000) + 7200, jti: 'refreshed' });
        expect((await post(app, { query }, refreshed)).text).toBe(first.text);
        expect(ran()).toBe(3);
      },
      { auth: true },
    );
  });

  it('never answers a new cube version from an entry of the old one', async () => {
    await withApp(async (app, engine, ran) => {
      const first = await post(app, { query: BY_TIER });
      engine.load({ ...fixture.cube, version: `${fixture.cube.version}-next` });
      const second = await post(app, { query: BY_TIER });
      expect(ran()).toBe(2);
      expect(first.body.data.transactions.meta.cubeVersion).toBe(fixture.cube.version);
      expect(second.body.data.transactions.meta.cubeVersion).toBe(`${fixture.cube.version}-next`);
    });
  });

  it('does not keep errors, nor anything when the engine caches nothing', async () => {
    await withApp(async (app, _engine, ran) => {
      const bad = { query: '{ transactions(where: { segment: { tier: { eq: "VIPP" } } }) { rows { profit } } }' };
      expect((await post(app, bad)).body.errors![0].extensions.code).toBe('MEMBER_UNKNOWN');
      expect((await post(app, bad)).body.errors![0].extensions.code).toBe('MEMBER_UNKNOWN');
      expect(ran()).toBe(2);
    });
    await withApp(
      async (app, _engine, ran) => {
        await post(app, { query: BY_TIER });
        await post(app, { query: BY_TIER });
        expect(ran()).toBe(2);
      },
      { cacheBytes: 0 },
    );
  });
});
