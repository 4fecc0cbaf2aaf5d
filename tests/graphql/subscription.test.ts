import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CubeEngine } from '../../src/engine/index.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { bearer, credentials, hs256 } from '../reliability/credentials.ts';
import { bankFixture, type BankFixture } from '../server/bankFixture.ts';

let fixture: BankFixture;
let engine: CubeEngine;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  fixture = await bankFixture(5_000);
  engine = new CubeEngine({});
  engine.load(fixture.cube);
  app = buildApp({ engine });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await engine?.close();
  await fixture?.close();
});

/** A graphql-transport-ws client that collects the `next` payloads of one subscription. */
async function subscribe(query: string, headers: Record<string, string> = {}, server = url) {
  const socket = new WebSocket(`${server.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers });
  const received: any[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        resolve();
      }
      if (message.type === 'next') received.push(message.payload);
      if (message.type === 'error') received.push({ errors: message.payload });
    });
  });
  return { received, close: () => socket.close() };
}

describe('subscription cubeVersionChanged', () => {
  it('fires when a new version of a cube is loaded, and the schema follows it', async () => {
    const all = await subscribe('subscription { cubeVersionChanged { cube version previousVersion builtAt } }');
    const other = await subscribe('subscription { cubeVersionChanged(cube: "balances") { cube version } }');
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const next = { ...fixture.cube, version: `${fixture.cube.version}-rebuilt`, builtAt: new Date().toISOString() };
      engine.load(next);
      // Nobody calls refreshGraphQLSchema: the server notices on its own within a second or so.
      await expect.poll(() => all.received.length, { timeout: 5_000, interval: 50 }).toBe(1);
      expect(all.received[0]).toEqual({
        data: { cubeVersionChanged: { cube: 'transactions', version: next.version, previousVersion: fixture.cube.version, builtAt: next.builtAt } },
      });
      expect(other.received).toEqual([]);

      const response = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ transactions { meta { cubeVersion } } }' } });
      expect(response.json().data.transactions.meta.cubeVersion).toBe(next.version);
    } finally {
      all.close();
      other.close();
    }
  });
});

describe('subscription cubeVersionChanged with authentication', () => {
  it('tells a caller only of the cubes its role may see', async () => {
    const creds = await credentials();
    const secured = buildApp({ engine, auth: creds.config });
    const securedUrl = await secured.listen({ host: '127.0.0.1', port: 0 });
    const query = 'subscription { cubeVersionChanged { cube version } }';
    // The bank definitions list head_office on the transactions cube; "visitor" is no role of it.
    const headOffice = await subscribe(query, bearer(hs256({ role: 'head_office' })), securedUrl);
    const visitor = await subscribe(query, bearer(hs256({ role: 'visitor' })), securedUrl);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const before = headOffice.received.length;
      const next = { ...engine.cubes()[0]!, version: `${fixture.cube.version}-secured`, builtAt: new Date().toISOString() };
      engine.load(next);
      await expect.poll(() => headOffice.received.length, { timeout: 5_000, interval: 50 }).toBe(before + 1);
      expect(headOffice.received.at(-1)).toEqual({ data: { cubeVersionChanged: { cube: 'transactions', version: next.version } } });
      expect(visitor.received).toEqual([]);
    } finally {
      headOffice.close();
      visitor.close();
      await secured.close();
      await creds.remove();
    }
  });
});
