import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorEnvelope, HealthReady } from '@habitual/shared';
import lightMyRequest from 'light-my-request';
import { describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { installGracefulShutdown } from '../src/platform/shutdown.js';
import { openTestDatabase, setup } from './helpers/setup.js';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a request straight into the server's request listener, as on an open keep-alive connection. */
function onOpenConnection(app: App, url: string) {
  return lightMyRequest((req, res) => app.server.emit('request', req, res), { method: 'GET', url });
}

describe('graceful shutdown', () => {
  it('finishes an in-flight request, answers 503 meanwhile, closes the database and exits 0', async () => {
    const database = await openTestDatabase();
    let release!: () => void;
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const { app } = await setup({
      database,
      routes: (a) => {
        a.get('/slow', async () => {
          started();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { finished: true };
        });
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;

    const exits: number[] = [];
    const shutdown = installGracefulShutdown({
      app,
      close: () => database.close(),
      timeoutMs: 5_000,
      exit: (c) => exits.push(c),
      signals: [],
    });

    const inFlight = get(port, '/slow');
    await handlerStarted;
    const done = shutdown('SIGTERM');

    // While draining: readiness says 503, other routes answer the 503 envelope, liveness stays up.
    await new Promise((r) => setTimeout(r, 50));
    expect(exits).toEqual([]);
    const ready = await onOpenConnection(app, '/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(HealthReady.parse(ready.json()).checks.shuttingDown).toBe(true);
    const other = await onOpenConnection(app, '/nowhere');
    expect(other.statusCode).toBe(503);
    expect(ErrorEnvelope.parse(other.json()).error.code).toBe('SERVICE_UNAVAILABLE');
    expect((await onOpenConnection(app, '/health/live')).statusCode).toBe(200);

    release();
    const response = await inFlight;
    expect(response).toEqual({ status: 200, body: JSON.stringify({ finished: true }) });
    await done;
    expect(exits).toEqual([0]);
    await expect(database.ping()).rejects.toThrow();
  });

  it('exits 1 when draining takes longer than the timeout', async () => {
    const database = await openTestDatabase();
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release!: () => void;
    const { app } = await setup({
      database,
      routes: (a) => {
        a.get('/stuck', async () => {
          started();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { finished: true };
        });
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const exits: number[] = [];
    const shutdown = installGracefulShutdown({
      app,
      close: () => database.close(),
      timeoutMs: 200,
      exit: (c) => exits.push(c),
      signals: [],
    });
    const stuck = get(port, '/stuck');
    await handlerStarted;
    const done = shutdown('SIGTERM');
    await new Promise((r) => setTimeout(r, 400));
    expect(exits).toEqual([1]);
    release();
    await stuck;
    await done;
  });
});
