/**
 * Readiness tells the truth about the schema: an unmigrated or partly migrated database is not
 * ready, and nothing answers 500 on it. Runs on both kinds of database in every pass (the local
 * PostgreSQL server and an in-memory PGlite), since each starts from a schema state of its own.
 */
import { ErrorEnvelope, HealthReady } from '@habitual/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type DatabaseHandle, openPglite, openPostgres, sql } from '../../src/platform/db/client.js';
import { shippedMigrations } from '../../src/platform/db/schema-status.js';
import { openMigratedPglite, setup } from '../helpers/setup.js';
import { throwawayDatabase } from '../helpers/throwaway-postgres.js';
import { randomIp, uniqueEmail } from '../helpers/users.js';

const shipped = shippedMigrations();
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  vi.restoreAllMocks();
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function openDatabase(kind: 'postgres' | 'pglite', migrated: boolean): Promise<DatabaseHandle> {
  if (kind === 'pglite') {
    const handle = migrated ? await openMigratedPglite() : await openPglite('memory');
    cleanups.push(() => handle.close());
    return handle;
  }
  const target = await throwawayDatabase({ migrate: migrated });
  const handle = openPostgres({ url: target.url, poolMax: 2 });
  cleanups.push(async () => {
    await handle.close();
    await target.drop();
  });
  return handle;
}

async function ready(app: Awaited<ReturnType<typeof setup>>['app']) {
  const res = await app.inject({ method: 'GET', url: '/health/ready' });
  return { status: res.statusCode, body: HealthReady.parse(res.json()) };
}

describe.each(['postgres', 'pglite'] as const)('readiness and the schema (%s)', (kind) => {
  it('an unmigrated database: readiness 503 naming the pending migrations, and no route answers 500', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const database = await openDatabase(kind, false);
    const { app, logs } = await setup({ database });

    const { status, body } = await ready(app);
    expect(status).toBe(503);
    expect(body.checks.database.status).toBe('up');
    expect(body.checks.migrations).toMatchObject({
      status: 'pending',
      shipped: shipped.length,
      applied: 0,
      pending: shipped.map((m) => m.tag),
    });
    expect(body.checks.migrations.message).toContain(`${shipped.length} migrations pending`);
    expect(body.checks.migrations.message).toContain('npm run db:migrate');
    const line = logs.lines.find((l) => String(l.msg).startsWith('database schema is behind this release'));
    expect(line?.level).toBe('error');

    const email = uniqueEmail('unmigrated');
    const password = 'correct horse battery';
    const signUp = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-up/email',
      remoteAddress: randomIp(),
      payload: { email, password, name: 'Nobody' },
    });
    expect(signUp.statusCode, signUp.body).toBe(503);
    const envelope = ErrorEnvelope.parse(signUp.json());
    expect(envelope.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(envelope.error.details?.[0]).toMatchObject({ reason: 'database_schema_out_of_date' });
    expect(signUp.headers['retry-after']).toBeDefined();

    const signIn = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      remoteAddress: randomIp(),
      payload: { email, password },
    });
    expect(signIn.statusCode, signIn.body).toBe(503);

    const habits = await app.inject({
      method: 'GET',
      url: '/api/v1/habits',
      headers: { authorization: 'Bearer not-a-session-in-this-database' },
    });
    expect(habits.statusCode, habits.body).toBe(503);

    // Every library error went through pino as JSON, without the submitted values.
    expect(consoleError).not.toHaveBeenCalled();
    expect(logs.text()).not.toContain(email);
    expect(logs.text()).not.toContain(password);
  });

  it('a partly migrated database: readiness 503 naming the one migration left', async () => {
    const database = await openDatabase(kind, true);
    const newest = shipped.at(-1);
    if (!newest) throw new Error('no migrations shipped');
    await database.rows(sql`delete from drizzle.__drizzle_migrations where created_at = ${newest.when}`);
    const { app } = await setup({ database });
    const { status, body } = await ready(app);
    expect(status).toBe(503);
    expect(body.checks.migrations).toMatchObject({
      status: 'pending',
      applied: shipped.length - 1,
      pending: [newest.tag],
    });
    expect(body.checks.migrations.message).toContain('1 migration pending');
  });

  it('a migrated database is ready; one migrated by a newer release is ready with a warning', async () => {
    const database = await openDatabase(kind, true);
    const { app, logs } = await setup({ database });
    const current = await ready(app);
    expect(current.status).toBe(200);
    expect(current.body.checks.migrations).toMatchObject({
      status: 'current',
      shipped: shipped.length,
      applied: shipped.length,
      pending: [],
    });

    const newest = shipped.at(-1)?.when ?? 0;
    await database.rows(
      sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('from-a-newer-release', ${newest + 1000})`,
    );
    const ahead = await ready(app);
    expect(ahead.status).toBe(200);
    expect(ahead.body.checks.migrations).toMatchObject({ status: 'ahead', applied: shipped.length + 1, pending: [] });
    const line = logs.lines.find((l) => String(l.msg).startsWith('database schema is ahead of this release'));
    expect(line?.level).toBe('warn');
  });
});
