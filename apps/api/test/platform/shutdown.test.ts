import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorEnvelope, HealthReady } from '@habitual/shared';
import lightMyRequest from 'light-my-request';
import { describe, expect, it, vi } from 'vitest';
import type { App } from '../../src/app.js';
import { installGracefulShutdown } from '../../src/platform/shutdown.js';
import { openTestDatabase, setup } from '../helpers/setup.js';

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

/**
 * A listening app with a `/slow` route that holds its request until `release()`, and the
 * shutdown function wired to it (exit codes recorded instead of exiting).
 */
async function drainingServer(timeoutMs: number) {
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
    timeoutMs,
    exit: (c) => exits.push(c),
    signals: [],
  });
  /** Starts the slow request and resolves once its handler is running. */
  const startSlowRequest = async () => {
    const response = get(port, '/slow');
    await handlerStarted;
    // Wrapped: returning the promise itself from an async function would wait for the response.
    return { response };
  };
  return { app, database, exits, shutdown, startSlowRequest, release: () => release() };
}

describe('graceful shutdown', () => {
  it('finishes an in-flight request, answers 503 meanwhile, closes the database and exits 0', async () => {
    const { app, database, exits, shutdown, startSlowRequest, release } = await drainingServer(5_000);
    const { response: inFlight } = await startSlowRequest();
    const done = shutdown('SIGTERM');

    // Readiness turns 503 at once; other routes are still served until the listener has closed.
    expect(HealthReady.parse((await onOpenConnection(app, '/health/ready')).json()).checks.shuttingDown).toBe(true);
    await vi.waitFor(() => expect(app.server.listening).toBe(false), { timeout: 10_000, interval: 10 });
    // While draining: readiness says 503, other routes answer the 503 envelope, liveness stays up.
    expect(exits).toEqual([]);
    const ready = await onOpenConnection(app, '/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(HealthReady.parse(ready.json()).checks.shuttingDown).toBe(true);
    const other = await onOpenConnection(app, '/nowhere');
    expect(other.statusCode).toBe(503);
    expect(other.headers.connection).toBe('close');
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
    const { exits, shutdown, startSlowRequest, release } = await drainingServer(200);
    const { response: stuck } = await startSlowRequest();
    const done = shutdown('SIGTERM');
    await vi.waitFor(() => expect(exits).toEqual([1]), { timeout: 10_000, interval: 20 });
    release();
    await stuck;
    await done;
  });
});
