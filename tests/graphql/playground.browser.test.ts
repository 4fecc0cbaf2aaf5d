import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeEngine } from '../../src/engine/index.ts';
import { buildApp } from '../../src/server/buildApp.ts';
import { PLAYGROUND_TABS } from '../../src/server/graphql/playgroundExamples.ts';
import { bankFixture, type BankFixture } from '../server/bankFixture.ts';

const ARTIFACTS = fileURLToPath(new URL('../.artifacts/', import.meta.url));
const CHROMIUM = findChromium();

function findChromium(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

let fixture: BankFixture;
let engine: CubeEngine;
let app: FastifyInstance;
let browser: Browser;
let url: string;

/** Headless Chromium (Debian's package, driven by playwright-core) against a real listening server, offline. */
describe.skipIf(CHROMIUM === undefined)('the GraphiQL playground', () => {
  beforeAll(async () => {
    fixture = await bankFixture();
    engine = new CubeEngine({});
    engine.load(fixture.cube);
    app = buildApp({ engine });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await engine?.close();
    await fixture?.close();
  });

  it('loads with every non-loopback request blocked, runs the first example and shows its numbers', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const blocked: string[] = [];
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.route('**/*', (route) => {
      const requested = new URL(route.request().url());
      if (requested.hostname === '127.0.0.1') return route.continue();
      blocked.push(requested.href);
      return route.abort('internetdisconnected');
    });

    await page.goto(`${url}/graphiql`);
    const run = page.locator('.graphiql-execute-button');
    await run.waitFor({ state: 'visible', timeout: 20_000 });
    await expect.poll(() => page.locator('.graphiql-query-editor').innerText()).toContain('VipProfitByProvinceAndQuarter');
    await run.click();

    // The numbers the same query answers over the API (cuboid sums are deterministic).
    const response = await app.inject({ method: 'POST', url: '/graphql', payload: { query: PLAYGROUND_TABS[0]!.query } });
    const first = response.json().data.transactions.rows[0];
    const resultPane = page.locator('.result-window');
    await expect.poll(() => resultPane.innerText(), { timeout: 20_000 }).toContain(`"profit": ${first.profit}`);
    const text = await resultPane.innerText();
    expect(text).toContain(`"province": "${first.region.province}"`);
    expect(text).toContain(`"amount": ${first.amount}`);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}graphiql.png` });
    expect(pageErrors).toEqual([]);
    expect(blocked).toEqual([]);
    await page.close();
  }, 90_000);

  it('serves the playground assets from npm packages', async () => {
    for (const asset of ['react.production.min.js', 'react-dom.production.min.js', 'graphiql.min.js', 'graphiql.min.css']) {
      const response = await app.inject({ method: 'GET', url: `/graphiql/assets/${asset}` });
      expect(response.statusCode, asset).toBe(200);
      expect(response.body.length, asset).toBeGreaterThan(1000);
    }
    const missing = await app.inject({ method: 'GET', url: '/graphiql/assets/../../package.json' });
    expect(missing.statusCode).toBe(404);
  });
});
