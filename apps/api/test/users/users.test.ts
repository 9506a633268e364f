import { ErrorEnvelope, Me } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/app.js';
import { setup } from '../helpers/setup.js';
import { createApiKey, signIn, signUp } from '../helpers/users.js';

describe('PATCH /api/v1/me', () => {
  it('changes name, time zone, week start and day start', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const res = await app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: { cookie: user.cookie },
      payload: { name: '  Grace  ', timezone: 'Asia/Tokyo', weekStartsOn: 0, dayStartHour: 4 },
    });
    expect(res.statusCode).toBe(200);
    expect(Me.parse(res.json())).toMatchObject({
      name: 'Grace',
      timezone: 'Asia/Tokyo',
      weekStartsOn: 0,
      dayStartHour: 4,
    });
    const again = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(again.json()).toMatchObject({ timezone: 'Asia/Tokyo', dayStartHour: 4 });
  });

  it('rejects fields a user may not set, and stores none of the request', async () => {
    const { app, database } = await setup();
    const user = await signUp(app);
    for (const payload of [
      { role: 'admin' },
      { emailVerified: true },
      { id: 'someone-else' },
      { plan: 'pro' },
      { email: 'new@example.com' },
      { name: 'Sneaky', role: 'admin' },
    ]) {
      const res = await app.inject({ method: 'PATCH', url: '/api/v1/me', headers: { cookie: user.cookie }, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      const details = ErrorEnvelope.parse(res.json()).error.details ?? [];
      expect(JSON.stringify(details)).toContain('body');
    }
    const [row] = await database.rows<{ role: string | null; name: string; email_verified: boolean }>(
      sql`select role, name, email_verified from "user" where id = ${user.id}`,
    );
    expect(row).toMatchObject({ role: 'user', name: 'Test User', email_verified: false });
  });

  it('names the field of invalid time zones, out-of-range hours and oversized names', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ timezone: 'Mars/Olympus_Mons' }, 'timezone'],
      [{ timezone: '' }, 'timezone'],
      [{ dayStartHour: 24 }, 'dayStartHour'],
      [{ dayStartHour: -1 }, 'dayStartHour'],
      [{ weekStartsOn: 7 }, 'weekStartsOn'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: '   ' }, 'name'],
    ];
    for (const [payload, field] of cases) {
      const res = await app.inject({ method: 'PATCH', url: '/api/v1/me', headers: { cookie: user.cookie }, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(ErrorEnvelope.parse(res.json()).error.details?.[0]).toMatchObject({ location: 'body', path: field });
    }
  });
});

describe('GET /api/v1/me/export', () => {
  it('streams everything held about the user, without secrets', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const key = await createApiKey(app, user);
    const res = await app.inject({ method: 'GET', url: '/api/v1/me/export', headers: { cookie: user.cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    const doc = res.json();
    expect(doc.profile).toMatchObject({ id: user.id, email: user.email });
    expect(doc.sessions).toHaveLength(1);
    expect(doc.apiKeys).toHaveLength(1);
    expect(res.body).not.toContain(key);
    expect(res.body).not.toContain(user.token.split('.')[0]);
    expect(res.body).not.toContain(user.password);
  });
});

describe('DELETE /api/v1/me', () => {
  it('with a fresh session removes every row of the user in one go; other users keep theirs', async () => {
    const { app, database } = await setup();
    const user = await signUp(app);
    const bystander = await signUp(app);
    await createApiKey(app, user);
    const res = await app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(res.statusCode).toBe(204);
    const counts = await database.rows<{ users: number; sessions: number; accounts: number; keys: number }>(sql`
      select (select count(*)::int from "user" where id = ${user.id}) as users,
             (select count(*)::int from session where user_id = ${user.id}) as sessions,
             (select count(*)::int from account where user_id = ${user.id}) as accounts,
             (select count(*)::int from apikey where reference_id = ${user.id}) as keys`);
    expect(counts[0]).toEqual({ users: 0, sessions: 0, accounts: 0, keys: 0 });
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } })).statusCode).toBe(
      401,
    );
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: bystander.cookie } })).statusCode,
    ).toBe(200);
  });

  it('with an older session needs the password', async () => {
    let now = Date.now();
    const clock: Clock = { now: () => new Date(now) };
    const { app } = await setup({ deps: { clock } });
    const user = await signUp(app);
    now += 20 * 60 * 1000; // the session is now 20 minutes old

    const without = await app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(without.statusCode).toBe(403);
    expect(ErrorEnvelope.parse(without.json()).error.details?.[0]).toMatchObject({ path: 'password' });

    const wrong = await app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: { cookie: user.cookie },
      payload: { password: 'not it' },
    });
    expect(wrong.statusCode).toBe(403);
    expect((await signIn(app, user.email, user.password)).statusCode).toBe(200);

    const right = await app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: { cookie: user.cookie },
      payload: { password: user.password },
    });
    expect(right.statusCode).toBe(204);
    expect((await signIn(app, user.email, user.password)).statusCode).toBe(401);
  });
});
