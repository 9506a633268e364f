/**
 * The API in front of a PostgreSQL server that vanishes, stalls or refuses, through a TCP fault
 * proxy. These faults exist only on a networked database, so this file always runs against the
 * local PostgreSQL server (both passes of the suite), in a database of its own.
 */
import { ErrorEnvelope, HealthReady, type PutCheckIn } from '@habitual/shared';
import type { Response as InjectResponse } from 'light-my-request';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type DatabaseHandle, openPostgres, sql } from '../../src/platform/db/client.js';
import { databaseFailure } from '../../src/platform/db/db-errors.js';
import { toAppError } from '../../src/platform/error-handler.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { habitsApi } from '../helpers/habits.js';
import { type LogCapture, setup } from '../helpers/setup.js';
import { type ThrowawayDatabase, throwawayDatabase } from '../helpers/throwaway-postgres.js';
import { signUp, type TestUser } from '../helpers/users.js';

/** Short, so the drills are quick; production defaults to 5 s. */
const STATEMENT_TIMEOUT_MS = 1_000;
/**
 * The promise is an answer within the statement timeout plus one second. Speed is not asserted
 * here; a hang shows as this test timeout, far below Fastify's 30 s connection timeout that was
 * the only bound before.
 */
const HANG_TIMEOUT_MS = 15_000;
/** Readiness must be back this soon after the database answers again. */
const RECOVERY_BOUND_MS = 5_000;

let target: ThrowawayDatabase;
let proxy: FaultProxy;
let database: DatabaseHandle;
let app: App;
let user: TestUser;
let habitId: string;
let logs: LogCapture;

beforeAll(async () => {
  target = await throwawayDatabase();
  const url = new URL(target.url);
  proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port || 5432) });
  database = openPostgres({ url: proxy.urlFor(target.url), poolMax: 4, statementTimeoutMs: STATEMENT_TIMEOUT_MS });
  // No caches: every request below must reach the database.
  ({ app, logs } = await setup({ database, env: { AUTH_CACHE_TTL_MS: '0', HABIT_CACHE_SIZE: '0' } }));
  user = await signUp(app);
  habitId = (await habitsApi(app, user).create({ name: 'Read', startDate: '2026-01-01' })).id;
});

// A failed drill must not leave the network broken for the next one.
afterEach(() => proxy.set('pass'));

afterAll(async () => {
  await app?.close();
  await database?.close();
  await proxy?.close();
  await target?.drop();
});

/** The requests a client makes all day, each touching the database. */
function traffic(): Array<{ name: string; run: () => Promise<InjectResponse> }> {
  const headers = { cookie: user.cookie };
  return [
    { name: 'GET /api/v1/habits', run: () => app.inject({ method: 'GET', url: '/api/v1/habits', headers }) },
    { name: 'GET /api/v1/today', run: () => app.inject({ method: 'GET', url: '/api/v1/today', headers }) },
    { name: 'GET /api/v1/me', run: () => app.inject({ method: 'GET', url: '/api/v1/me', headers }) },
    {
      name: 'PUT check-in',
      run: () =>
        app.inject({
          method: 'PUT',
          url: `/api/v1/habits/${habitId}/checkins/2026-01-15`,
          headers,
          payload: { status: 'done' } satisfies PutCheckIn,
        }),
    },
    {
      name: 'POST /api/v1/habits',
      run: () => app.inject({ method: 'POST', url: '/api/v1/habits', headers, payload: { name: 'Walk' } }),
    },
    {
      name: 'POST /api/auth/sign-in/email',
      run: () =>
        app.inject({
          method: 'POST',
          url: '/api/auth/sign-in/email',
          remoteAddress: user.ip,
          payload: { email: user.email, password: user.password },
        }),
    },
  ];
}

/** Polls readiness until it answers 200; returns how long that took, or null past `boundMs`. */
async function readyWithin(boundMs: number): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < boundMs) {
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    if (res.statusCode === 200) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/** Sends all traffic at once; each answer is awaited with the promised bound as its only limit. */
async function everyRequestAnswers503() {
  const answers = await Promise.all(traffic().map(async ({ name, run }) => ({ name, res: await run() })));
  for (const { name, res } of answers) {
    expect(res.statusCode, `${name}: ${res.body}`).toBe(503);
    const body = ErrorEnvelope.parse(res.json());
    expect(body.error.code, name).toBe('SERVICE_UNAVAILABLE');
    expect(Number(res.headers['retry-after']), name).toBeGreaterThan(0);
    expect(body.error.details?.[0], name).toMatchObject({ retryAfterSeconds: Number(res.headers['retry-after']) });
  }
  return answers;
}

describe('database faults (PostgreSQL through a fault proxy)', () => {
  it('serves normally through the proxy, and with added latency below the deadline', async () => {
    for (const { name, run } of traffic()) {
      const res = await run();
      expect(res.statusCode, `${name}: ${res.body}`).toBeLessThan(300);
    }
    proxy.set('latency', { latencyMs: 50 });
    try {
      const res = await habitsApi(app, user).get('/api/v1/habits');
      expect(res.statusCode).toBe(200);
    } finally {
      proxy.set('pass');
    }
  });

  it(
    'blackholed: every request answers 503 with Retry-After, liveness stays 200, readiness 503; healed: ready again',
    async () => {
      expect(await readyWithin(RECOVERY_BOUND_MS)).not.toBeNull();
      proxy.set('blackhole');
      await everyRequestAnswers503();
      expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      const ready = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(HealthReady.parse(ready.json()).checks.database.status).toBe('down');

      proxy.set('pass');
      expect(await readyWithin(RECOVERY_BOUND_MS)).not.toBeNull();
      const res = await habitsApi(app, user).get('/api/v1/habits');
      expect(res.statusCode).toBe(200);
    },
    HANG_TIMEOUT_MS,
  );

  it(
    'bytes lost on open connections: in-flight requests answer 503, and the pool heals once the network does',
    async () => {
      expect(await readyWithin(RECOVERY_BOUND_MS)).not.toBeNull();
      // Requests go out on pooled connections, then the network drops their bytes mid-flight and
      // heals before the client deadline: the old sockets stay open but will never be answered.
      const droppedBefore = proxy.droppedChunks();
      proxy.set('blackhole');
      const inFlight = everyRequestAnswers503();
      // Heal once every request's statement has been swallowed (on a busy machine a request can
      // take longer than any fixed pause to reach the database), and before the deadline.
      const healBy = Date.now() + STATEMENT_TIMEOUT_MS / 2;
      while (proxy.droppedChunks() - droppedBefore < traffic().length && Date.now() < healBy) {
        await new Promise((r) => setTimeout(r, 5));
      }
      proxy.set('pass');
      await inFlight;
      expect(await readyWithin(RECOVERY_BOUND_MS)).not.toBeNull();
      for (const { name, run } of traffic()) {
        const res = await run();
        expect(res.statusCode, `${name}: ${res.body}`).toBeLessThan(300);
      }
    },
    HANG_TIMEOUT_MS,
  );

  it(
    'database down (connections reset): 503 at once, and ready again after it is back',
    async () => {
      proxy.set('reset');
      await everyRequestAnswers503();
      expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
      proxy.set('pass');
      expect(await readyWithin(RECOVERY_BOUND_MS)).not.toBeNull();
    },
    HANG_TIMEOUT_MS,
  );

  it('a statement past statement_timeout fails as a retryable 503 and the connection stays usable', async () => {
    const err = await database.rows(sql`select pg_sleep(${(STATEMENT_TIMEOUT_MS * 3) / 1000})`).catch((e) => e);
    expect(databaseFailure(err)).toMatchObject({ reason: 'timeout', mayHaveCommitted: false });
    const mapped = toAppError(err);
    expect(mapped.code).toBe('SERVICE_UNAVAILABLE');
    expect(mapped.headers['retry-after']).toBeDefined();
    await expect(database.ping()).resolves.toBeUndefined();
  });

  it('a statement that found no free connection before its deadline fails, and never runs later', async () => {
    const pool = openPostgres({ url: target.url, poolMax: 1, statementTimeoutMs: STATEMENT_TIMEOUT_MS });
    try {
      await pool.rows(sql`create table if not exists drill_marks (mark text)`);
      // The only connection is held by a transaction for longer than the deadline.
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const transaction = pool.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        await held;
      });
      const queued = await pool.rows(sql`insert into drill_marks (mark) values ('late')`).catch((err: unknown) => err);
      expect(databaseFailure(queued)).toEqual({ reason: 'timeout', retryAfterSeconds: 5, mayHaveCommitted: false });
      release();
      await transaction;
      await pool.ping(); // the connection has served whatever was still queued
      const marks = await pool.rows<{ n: number }>(sql`select count(*)::int as n from drill_marks`);
      expect(marks[0]?.n).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('a repeated check-in PUT after a 503 leaves one check-in', async () => {
    const api = habitsApi(app, user);
    const date = '2026-02-01';
    proxy.set('blackhole');
    const failed = await api.send('PUT', `/api/v1/habits/${habitId}/checkins/${date}`, {
      status: 'done',
      note: 'twice',
    });
    proxy.set('pass');
    expect(failed.statusCode).toBe(503);
    expect(await readyWithin(RECOVERY_BOUND_MS)).not.toBeNull();
    await api.checkIn(habitId, date, { status: 'done', note: 'twice' });
    await api.checkIn(habitId, date, { status: 'done', note: 'twice' });
    const list = await api.get(`/api/v1/habits/${habitId}/checkins?from=${date}&to=${date}`);
    expect(list.statusCode, list.body).toBe(200);
    expect((list.json() as { data: unknown[] }).data).toHaveLength(1);
  });

  it(
    'the TLS path of the pool (sslmode set) heals the same way after bytes are lost',
    async () => {
      // The shared server has no TLS, so `prefer` falls back to plain text, but through the stream
      // the pool hands to TLS: the watchdog must see and retire a wedged connection there too.
      const url = new URL(proxy.urlFor(target.url));
      url.searchParams.set('sslmode', 'prefer');
      const tlsPool = openPostgres({ url: url.toString(), poolMax: 2, statementTimeoutMs: STATEMENT_TIMEOUT_MS });
      try {
        await tlsPool.ping();
        const droppedBefore = proxy.droppedChunks();
        proxy.set('blackhole');
        const inFlight = tlsPool.ping().catch((err: unknown) => err);
        // Heal once the ping's bytes were swallowed (not after a fixed pause a busy machine may outlast).
        const healBy = Date.now() + STATEMENT_TIMEOUT_MS / 2;
        while (proxy.droppedChunks() === droppedBefore && Date.now() < healBy) {
          await new Promise((r) => setTimeout(r, 5));
        }
        proxy.set('pass');
        // A statement on the wedged connection times out; when the pool was opening its second
        // connection as the bytes went (a busy machine), the handshake is what hangs, and the
        // failure is "unavailable". Either is retryable; what matters is that the pool heals.
        const failure = databaseFailure(await inFlight);
        expect(['timeout', 'unavailable']).toContain(failure?.reason);
        const after = await Promise.allSettled([tlsPool.ping(), tlsPool.ping(), tlsPool.ping(), tlsPool.ping()]);
        expect(after.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      } finally {
        await tlsPool.close();
      }
    },
    HANG_TIMEOUT_MS,
  );

  it('logs database failures as JSON lines without the statement values', () => {
    const failures = logs.lines.filter((l) => l.msg === 'request failed');
    expect(failures.length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(user.email);
    expect(logs.text()).not.toContain(user.password);
  });
});
