import { ErrorEnvelope, Me, type UpdateMe } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { setup } from '../helpers/setup.js';
import { createApiKey, randomIp, sessionCookie, signIn, signUp, uniqueEmail } from '../helpers/users.js';

function code(res: { json(): unknown }) {
  return ErrorEnvelope.parse(res.json()).error.code;
}

describe('sign-up, verification, sign-in', () => {
  it('sign-up answers a usable session when verification is off; cookie and bearer both reach /me', async () => {
    const { app } = await setup();
    const user = await signUp(app, { name: 'Ada' });
    const byCookie = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(byCookie.statusCode).toBe(200);
    expect(Me.parse(byCookie.json())).toMatchObject({
      id: user.id,
      email: user.email,
      name: 'Ada',
      role: 'user',
      timezone: 'UTC',
      dayStartHour: 0,
    });
    const byBearer = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(byBearer.statusCode).toBe(200);
    expect(byBearer.json().id).toBe(user.id);
  });

  it('with verification required: sign-up sends mail, sign-in is refused until the link is followed', async () => {
    const { app, mailer } = await setup({ env: { REQUIRE_EMAIL_VERIFICATION: 'true', WORKERS: 'on' } });
    const email = uniqueEmail('verify');
    const password = 'correct horse battery';
    const ip = randomIp();
    const up = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-up/email',
      remoteAddress: ip,
      payload: { email, password, name: 'V' },
    });
    expect(up.statusCode).toBe(200);
    expect(up.headers['set-auth-token']).toBeUndefined();

    const early = await signIn(app, email, password, ip);
    expect(early.statusCode).toBe(403);
    expect(code(early)).toBe('FORBIDDEN');

    const mail = await mailer.waitFor(email, 'verify-email');
    expect(mail?.url).toContain('/api/auth/verify-email?token=');
    const link = new URL(mail?.url as string);
    const verify = await app.inject({ method: 'GET', url: `${link.pathname}${link.search}`, remoteAddress: ip });
    expect(verify.statusCode).toBeLessThan(400);

    const signedIn = await signIn(app, email, password, ip);
    expect(signedIn.statusCode).toBe(200);
    const me = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${signedIn.headers['set-auth-token']}` },
    });
    expect(me.json()).toMatchObject({ email, emailVerified: true });
  });

  it('sets the session cookie HttpOnly, SameSite=Lax and Secure', async () => {
    const { app } = await setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-up/email',
      remoteAddress: randomIp(),
      payload: { email: uniqueEmail(), password: 'long enough pw', name: 'C' },
    });
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.includes('session_token='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // Outside development the cookie is Secure, with the __Secure- prefix browsers enforce.
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/^__Secure-habitual\.session_token=/);
  });

  it('wrong passwords and unknown emails get the same answer', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const wrong = await signIn(app, user.email, 'not the password');
    const unknown = await signIn(app, uniqueEmail('nobody'), 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(ErrorEnvelope.parse(wrong.json()).error.message).toBe(ErrorEnvelope.parse(unknown.json()).error.message);
    expect(code(wrong)).toBe('UNAUTHENTICATED');
  });

  it('sign-out ends the session at once on this instance', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } })).statusCode).toBe(
      200,
    );
    const out = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-out',
      headers: { cookie: user.cookie, 'content-type': 'application/json' },
      payload: '{}',
      remoteAddress: user.ip,
    });
    expect(out.statusCode).toBe(200);
    const after = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(after.statusCode).toBe(401);
    expect(code(after)).toBe('UNAUTHENTICATED');
  });
});

describe('password reset', () => {
  it('mails a link, sets the new password and revokes every other session', async () => {
    const { app, mailer } = await setup({ env: { WORKERS: 'on' } });
    const user = await signUp(app);
    const other = await signIn(app, user.email, user.password);
    const otherCookie = sessionCookie(other.headers['set-cookie']);

    const request = await app.inject({
      method: 'POST',
      url: '/api/auth/request-password-reset',
      remoteAddress: user.ip,
      payload: { email: user.email, redirectTo: 'http://localhost:3000/reset' },
    });
    expect(request.statusCode).toBe(200);
    const mail = await mailer.waitFor(user.email, 'reset-password');
    const token = /reset-password\/([^?]+)/.exec(mail?.url ?? '')?.[1];
    expect(token).toBeTruthy();

    const reset = await app.inject({
      method: 'POST',
      url: '/api/auth/reset-password',
      remoteAddress: user.ip,
      payload: { token, newPassword: 'a brand new password' },
    });
    expect(reset.statusCode).toBe(200);

    for (const cookie of [user.cookie, otherCookie]) {
      expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
    }
    expect((await signIn(app, user.email, user.password)).statusCode).toBe(401);
    expect((await signIn(app, user.email, 'a brand new password')).statusCode).toBe(200);
  });
});

describe('API keys', () => {
  it('create → use → list → revoke → 401; the secret is shown once and stored hashed', async () => {
    const { app, database } = await setup();
    const user = await signUp(app);
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { cookie: user.cookie },
      payload: { name: 'Zapier', permission: 'write' },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ name: 'Zapier', permission: 'write', rateLimitPerMinute: 600 });
    expect(body.key).toMatch(/^hbt_/);
    // Default expiry: one year.
    const days = (Date.parse(body.expiresAt) - Date.parse(body.createdAt)) / 86_400_000;
    expect(Math.round(days)).toBe(365);

    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-api-key': body.key } });
    expect(me.statusCode).toBe(200);
    expect(me.json().id).toBe(user.id);

    const list = await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { cookie: user.cookie } });
    expect(list.json().data).toHaveLength(1);
    expect(list.body).not.toContain(body.key);

    const stored = await database.rows<{ key: string }>(sql`select key from apikey where id = ${body.id}`);
    expect(stored[0]?.key).not.toBe(body.key);
    expect(stored[0]?.key).not.toContain(body.key.slice(4, 20));

    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${body.id}`,
      headers: { cookie: user.cookie },
    });
    expect(revoke.statusCode).toBe(204);
    const after = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-api-key': body.key } });
    expect(after.statusCode).toBe(401);
  });

  it('an expired key answers 401', async () => {
    const { app, database } = await setup();
    const user = await signUp(app);
    const key = await createApiKey(app, user);
    await database.rows(
      sql`update apikey set expires_at = now() - interval '1 minute' where reference_id = ${user.id}`,
    );
    const res = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-api-key': key } });
    expect(res.statusCode).toBe(401);
  });

  it('a read key cannot write (403); keys cannot manage keys or delete the account', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const readKey = await createApiKey(app, user, { permission: 'read' });
    const patch = await app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: { 'x-api-key': readKey },
      payload: { name: 'x' } satisfies UpdateMe,
    });
    expect(patch.statusCode).toBe(403);
    expect(code(patch)).toBe('FORBIDDEN');
    const writeKey = await createApiKey(app, user, { permission: 'write' });
    expect(
      (
        await app.inject({
          method: 'PATCH',
          url: '/api/v1/me',
          headers: { 'x-api-key': writeKey },
          payload: { name: 'x' } satisfies UpdateMe,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { 'x-api-key': writeKey } })).statusCode,
    ).toBe(403);
    expect(
      (await app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { 'x-api-key': writeKey } })).statusCode,
    ).toBe(403);
  });

  it('enforces the per-key rate limit', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const key = await createApiKey(app, user, { rateLimitPerMinute: 2 });
    const hit = () => app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-api-key': key } });
    expect((await hit()).statusCode).toBe(200);
    expect((await hit()).statusCode).toBe(200);
    const limited = await hit();
    expect(limited.statusCode).toBe(429);
    expect(code(limited)).toBe('RATE_LIMITED');
    // The user's session is not limited by the key's budget.
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } })).statusCode).toBe(
      200,
    );
  });

  it('malformed keys and tokens answer 401 with the envelope', async () => {
    const { app } = await setup();
    for (const headers of [
      { 'x-api-key': 'short' },
      { 'x-api-key': `hbt_${'x'.repeat(64)}` },
      { 'x-api-key': 'y'.repeat(1000) },
      { authorization: 'Bearer not-a-token' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer abc.def' },
      { cookie: 'habitual.session_token=forged.c2lnbmF0dXJl' },
      { cookie: 'habitual.session_token=%E0%A4%A' },
    ]) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/me', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(code(res)).toBe('UNAUTHENTICATED');
    }
  });
});

describe('admin', () => {
  async function makeAdmin(ctx: Awaited<ReturnType<typeof setup>>) {
    const admin = await signUp(ctx.app);
    await ctx.database.rows(sql`update "user" set role = 'admin' where id = ${admin.id}`);
    return admin;
  }

  it('lists users with search and pagination; non-admins get 403', async () => {
    const ctx = await setup();
    const admin = await makeAdmin(ctx);
    const tag = `find-${Date.now()}`;
    for (let i = 0; i < 3; i++) await signUp(ctx.app, { email: uniqueEmail(tag) });
    const first = await ctx.app.inject({
      method: 'GET',
      url: `/api/v1/admin/users?email=${tag}&limit=2`,
      headers: { cookie: admin.cookie },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json().data).toHaveLength(2);
    expect(first.json().nextCursor).toBeTruthy();
    const second = await ctx.app.inject({
      method: 'GET',
      url: `/api/v1/admin/users?email=${tag}&limit=2&cursor=${first.json().nextCursor}`,
      headers: { cookie: admin.cookie },
    });
    expect(second.json().data).toHaveLength(1);
    expect(second.json().nextCursor).toBeNull();
    const emails = [...first.json().data, ...second.json().data].map((u: { email: string }) => u.email);
    expect(new Set(emails).size).toBe(3);

    const plain = await signUp(ctx.app);
    const denied = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/admin/users',
      headers: { cookie: plain.cookie },
    });
    expect(denied.statusCode).toBe(403);
    expect(
      (
        await ctx.app.inject({
          method: 'GET',
          url: '/api/v1/admin/users?cursor=garbage',
          headers: { cookie: admin.cookie },
        })
      ).statusCode,
    ).toBe(400);
  });

  it('a banned user’s sessions and keys stop working; unban lets them sign in again', async () => {
    const ctx = await setup();
    const admin = await makeAdmin(ctx);
    const user = await signUp(ctx.app);
    const key = await createApiKey(ctx.app, user);
    const ban = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${user.id}/ban`,
      headers: { cookie: admin.cookie },
      payload: { reason: 'spam' },
    });
    expect(ban.statusCode).toBe(204);
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } })).statusCode,
    ).toBe(401);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-api-key': key } })).statusCode).toBe(
      401,
    );
    expect((await signIn(ctx.app, user.email, user.password)).statusCode).toBe(403);

    const unban = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${user.id}/unban`,
      headers: { cookie: admin.cookie },
    });
    expect(unban.statusCode).toBe(204);
    expect((await signIn(ctx.app, user.email, user.password)).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-api-key': key } })).statusCode).toBe(
      200,
    );
  });
});

describe('auth rate limits', () => {
  it('limits a burst of wrong passwords from one client without affecting another', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const attacker = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await signIn(app, user.email, `wrong-${i}`, attacker)).statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await signIn(app, user.email, user.password, attacker);
    expect(limited.statusCode).toBe(429);
    expect(code(limited)).toBe('RATE_LIMITED');
    // Someone else, from another address, signs in normally.
    expect((await signIn(app, user.email, user.password, randomIp())).statusCode).toBe(200);
  });
});
