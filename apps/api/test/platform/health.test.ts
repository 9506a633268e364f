import { HealthReady } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/platform/db/client.js';
import { databaseKind, openTestDatabase, setup } from '../helpers/setup.js';

describe('health probes', () => {
  it('live answers 200 without touching the database', async () => {
    const { app } = await setup();
    const res = await app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('ready answers 200 with the driver in use', async () => {
    const { app } = await setup();
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    const body = HealthReady.parse(res.json());
    expect(body.status).toBe('ready');
    expect(body.checks.database).toMatchObject({ status: 'up', driver: databaseKind });
  });

  it('ready answers 503 when PostgreSQL is unreachable, and live stays 200', async () => {
    // Port 1 on loopback refuses connections: a database server that is down.
    const unreachable = openPostgres({
      url: 'postgres://habitual@127.0.0.1:1/habitual',
      poolMax: 1,
      connectTimeoutSeconds: 1,
    });
    const { app } = await setup({ database: unreachable });
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(HealthReady.parse(res.json())).toMatchObject({
      status: 'unavailable',
      checks: { database: { status: 'down', latencyMs: null }, shuttingDown: false },
    });
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    await app.close();
    await unreachable.close();
  });

  it('ready answers 503 when the database handle has gone away', async () => {
    const database = await openTestDatabase();
    const { app } = await setup({ database });
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    await database.close();
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.database.status).toBe('down');
  });
});
