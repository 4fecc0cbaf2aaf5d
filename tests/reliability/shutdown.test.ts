import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesWarehouse, type SalesWarehouse } from './salesWarehouse.ts';

/** `arrowcube serve` as an operator runs it, stopped with SIGTERM while a request is in flight. */
const ROOT = join(import.meta.dirname, '..', '..');
const SLOW_QUERY = JSON.stringify({ cube: 'sales', measures: ['customers', 'amount'], levels: { store: 'city', time: 'month' }, route: 'source' });

let warehouse: SalesWarehouse;

beforeAll(async () => {
  warehouse = await salesWarehouse(20_000);
  await warehouse.build();
});

afterAll(async () => {
  await warehouse?.remove();
});

interface RunningServer {
  child: ChildProcess;
  url: URL;
  stderr(): string;
  exited: Promise<number | null>;
}

async function startServer(...flags: string[]): Promise<RunningServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'serve', '--definitions', warehouse.definitionsDir, '--cubes', warehouse.cubesDir, '--port', '0', ...flags],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<URL>((resolve, reject) => {
    child.stderr!.on('data', () => {
      const match = /serving on (\S+)/.exec(stderr);
      if (match) resolve(new URL(match[1]!));
    });
    void exited.then(() => reject(new Error(`the server exited before it listened: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr, exited };
}

/**
 * A query the server has started on (it answered `Expect: 100-continue`, which Node
 * does as it dispatches the request) but cannot finish until `send()` delivers its body.
 */
async function requestInFlight(url: URL): Promise<{ send(): Promise<{ status: number; connection?: string; body: any }>; abort(): void }> {
  const pending: ClientRequest = request(new URL('/v1/query', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(SLOW_QUERY), expect: '100-continue' },
  });
  const response = once(pending, 'response').then(async ([message]) => {
    let text = '';
    for await (const chunk of message) text += chunk;
    return { status: message.statusCode!, connection: message.headers.connection, body: JSON.parse(text) };
  });
  response.catch(() => undefined);
  await once(pending, 'continue');
  return {
    send: () => {
      pending.end(SLOW_QUERY);
      return response;
    },
    abort: () => pending.destroy(),
  };
}

/** Whether a new connection to `url` is refused. */
function refuses(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('arrowcube serve on SIGTERM', () => {
  it('stops accepting, finishes the request in flight, closes DuckDB and exits 0', async () => {
    const server = await startServer();
    try {
      const inFlight = await requestInFlight(server.url);
      server.child.kill('SIGTERM');
      await expect.poll(() => server.stderr(), { timeout: 10_000, interval: 20 }).toMatch(/SIGTERM: stopping/);
      await expect.poll(() => refuses(server.url), { timeout: 10_000, interval: 20 }).toBe(true);

      // It runs on DuckDB now, while the server is closing: the database must still be open.
      const { status, connection, body } = await inFlight.send();
      expect(status).toBe(200);
      // Closed after the answer, so a client's keep-alive does not hold the shutdown open.
      expect(connection).toBe('close');
      expect(body.meta).toMatchObject({ source: 'source', cached: false });
      expect(body.rows.length).toBeGreaterThan(0);
      expect(await server.exited).toBe(0);
      expect(server.stderr()).toMatch(/arrowcube: stopped\n$/);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('gives up after the shutdown timeout with a log line and a non-zero exit', async () => {
    const server = await startServer('--shutdown-timeout-ms', '300');
    const stuck = await requestInFlight(server.url);
    try {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(1);
      expect(server.stderr()).toMatch(/arrowcube: requests still in flight after the 300 ms shutdown timeout/);
    } finally {
      stuck.abort();
      server.child.kill('SIGKILL');
    }
  });
});
