/**
 * SIGTERM under load, on the real server process: zero connection resets, every request that
 * went out answered, readiness 503 on an open connection, exit code 0. The load client is
 * first checked against reference servers, so a zero from it means something.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:http';
import { type AddressInfo, Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { migratePostgresDatabase } from '../../src/platform/db/migrate.js';
import { type LoadRequest, startLoad } from '../helpers/load-client.js';
import { startServerProcess } from '../helpers/server-process.js';
import { databaseKind } from '../helpers/setup.js';

const CONNECTIONS = 50;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: unknown; agent?: Agent },
): Promise<Reply> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        agent: options.agent ?? false,
        headers: { ...options.headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('the load client', () => {
  it('counts no reset against a server that drains correctly, and every request answered', async () => {
    let draining = false;
    const server = createServer((req, res) => {
      req.resume();
      // A little latency, so requests are in flight when the drain begins.
      setTimeout(() => {
        if (draining) res.setHeader('connection', 'close');
        res.end('{"ok":true}');
      }, 2);
    });
    server.keepAliveTimeout = 5_000;
    const port = await listen(server);
    const load = startLoad({ port, connections: 20, next: () => ({ method: 'GET', path: '/' }) });
    await load.answeredAtLeast(200);
    // The right thing: stop accepting, answer what comes with Connection: close, and leave idle
    // connections to the keep-alive timeout the client was told about.
    draining = true;
    const closed = new Promise((resolve) => server.once('close', resolve));
    NetServer.prototype.close.call(server);
    const result = await load.finished;
    await closed;
    expect(result.resets).toBe(0);
    expect(result.otherErrors).toEqual([]);
    expect(result.answered).toBe(result.sent);
    expect(result.refused).toBe(20);
    expect(result.connectionClose).toBeGreaterThan(0);
  });

  it('counts the resets of a server that destroys its connections', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((req, res) => {
      req.resume();
      setTimeout(() => res.end('{"ok":true}'), 5);
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const port = await listen(server);
    const load = startLoad({ port, connections: 20, next: () => ({ method: 'GET', path: '/' }) });
    await load.answeredAtLeast(200);
    server.close();
    // Every connection has a request in flight or about to be, most of the time.
    for (const socket of sockets) socket.resetAndDestroy();
    const result = await load.finished;
    expect(result.resets).toBeGreaterThan(0);
    expect(result.answered).toBeLessThan(result.sent);
  });
});

/** The environment of a spawned server on a database of its own, and how to remove it. */
async function serverDatabase(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (databaseKind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'habitual-shutdown-'));
    return { env: { EMBEDDED_DB_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const serverUrl = inject('serverUrl') ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `habitual_shutdown_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migratePostgresDatabase(url.toString());
  return {
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

describe(`SIGTERM under load (${databaseKind})`, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it(`${CONNECTIONS} busy connections: zero resets, every request answered, readiness 503, exit 0`, async () => {
    const database = await serverDatabase();
    cleanups.push(database.drop);
    const server = await startServerProcess({
      ...database.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      RATE_LIMIT_MAX: '1000000',
      SHUTDOWN_TIMEOUT_MS: '20000',
    });
    cleanups.push(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    const { port } = server;

    const signUp = await call(port, {
      method: 'POST',
      path: '/api/auth/sign-up/email',
      body: { email: `load-${randomBytes(6).toString('hex')}@example.com`, password: 'load-password-1', name: 'Load' },
    });
    expect(signUp.status, signUp.body).toBe(200);
    const cookie = String(signUp.headers['set-cookie'] ?? '')
      .split(';')[0]
      ?.trim() as string;
    const created = await call(port, {
      method: 'POST',
      path: '/api/v1/habits',
      headers: { cookie },
      body: { name: 'Load', startDate: '2026-01-01' },
    });
    expect(created.status, created.body).toBe(201);
    const habitId = (JSON.parse(created.body) as { id: string }).id;

    // The mix of the drill: the home screen, the habit list and check-ins.
    const next = (worker: number, sequence: number): LoadRequest => {
      const headers = { cookie };
      switch (sequence % 3) {
        case 0:
          return { method: 'GET', path: '/api/v1/today', headers };
        case 1:
          return { method: 'GET', path: '/api/v1/habits', headers };
        default: {
          const day = new Date(Date.UTC(2026, 0, 1 + ((worker * 7 + sequence) % 300)));
          return {
            method: 'PUT',
            path: `/api/v1/habits/${habitId}/checkins/${day.toISOString().slice(0, 10)}`,
            headers,
            body: { status: 'done' },
          };
        }
      }
    };

    // A readiness probe on a keep-alive connection of its own, as a load balancer keeps one.
    const probe = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(async () => probe.destroy());
    expect((await call(port, { path: '/health/ready', agent: probe })).status).toBe(200);

    const load = startLoad({ port, connections: CONNECTIONS, next });
    // Every connection is being served (under load Node accepts one new connection per event
    // loop turn, so the last ones can take a while on the embedded database).
    await load.answeredAtLeast(CONNECTIONS * 6);
    // Fresh, so the probe's connection is well inside its keep-alive time when the drain begins.
    expect((await call(port, { path: '/health/ready', agent: probe })).status).toBe(200);
    const answeredBefore = load.result.answered;

    const sigtermAt = Date.now();
    server.child.kill('SIGTERM');
    // The probe keeps asking on its open connection (each answer restarts its keep-alive time)
    // and hears 503 once the signal is handled, on that same connection.
    let ready = await call(port, { path: '/health/ready', agent: probe });
    while (ready.status === 200 && ready.headers.connection !== 'close') {
      ready = await call(port, { path: '/health/ready', agent: probe });
    }
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'unavailable', checks: { shuttingDown: true } });
    await server.logged('shutting down: draining in-flight requests');

    const code = await server.exited;
    const result = await load.finished;
    expect(
      { resets: result.resets, otherErrors: result.otherErrors, unanswered: result.sent - result.answered },
      `SIGTERM at ${sigtermAt}: ${JSON.stringify(result)}`,
    ).toEqual({ resets: 0, otherErrors: [], unanswered: 0 });
    expect(code, server.stderr()).toBe(0);
    expect(result.answered).toBeGreaterThan(answeredBefore);

    // Every worker ended because the server stopped listening, after a response told it to close.
    expect(result.refused).toBe(CONNECTIONS);
    expect(result.connectionClose).toBeGreaterThanOrEqual(CONNECTIONS);
    const statuses = Object.keys(result.byStatus).map(Number);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(server.lines.some((l) => l.msg === 'shutdown complete')).toBe(true);
    // A drain is routine: nothing in it is logged as an error.
    expect(server.lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  }, 180_000);
});
