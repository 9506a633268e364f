/**
 * Sessions and the shapes of the auth endpoints: no response lists a session's token, sessions
 * are revoked by id under /api/v1, a user's sessions are capped, and every 2xx body of every
 * allowlisted operation, called for real, matches the spec.
 */
import { MAX_SESSIONS_PER_USER } from '@habitual/shared';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { AUTH_ENDPOINTS } from '../../src/modules/auth/auth-endpoints.js';
import { setup, type TestContext } from '../helpers/setup.js';
import { randomIp, sessionCookie, signIn, signUp, uniqueEmail } from '../helpers/users.js';

type Response = Awaited<ReturnType<App['inject']>>;

const ALLOWED = new Set(AUTH_ENDPOINTS.map((e) => `${e.method} ${e.path}`));

let ctx: TestContext;
beforeAll(async () => {
  ctx = await setup({ env: { WORKERS: 'on' } });
});

describe('sessions', () => {
  it('list-sessions and get-session carry no token; /api/v1/sessions lists and revokes by id', async () => {
    const user = await signUp(ctx.app);
    const other = await signIn(ctx.app, user.email, user.password);
    expect(other.statusCode).toBe(200);
    const otherToken = other.headers['set-auth-token'] as string;
    const tokens = [user.token, otherToken];

    for (const url of ['/api/auth/list-sessions', '/api/auth/get-session', '/api/v1/sessions']) {
      const res = await ctx.app.inject({ method: 'GET', url, headers: { cookie: user.cookie } });
      expect(res.statusCode, url).toBe(200);
      for (const token of tokens) expect(res.body, url).not.toContain(token);
      expect(res.body, url).not.toMatch(/"token"/);
    }
    const listed = (
      await ctx.app.inject({ method: 'GET', url: '/api/auth/list-sessions', headers: { cookie: user.cookie } })
    ).json();
    expect(listed).toHaveLength(2);

    const mine = await ctx.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: { cookie: user.cookie } });
    const sessions = mine.json().data as Array<{ id: string; current: boolean }>;
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const target = sessions.find((s) => !s.current);

    // Another user cannot revoke it, and learns nothing (404).
    const stranger = await signUp(ctx.app);
    const foreign = await ctx.app.inject({
      method: 'DELETE',
      url: `/api/v1/sessions/${target?.id}`,
      headers: { cookie: stranger.cookie },
    });
    expect(foreign.statusCode).toBe(404);
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${otherToken}` } }))
        .statusCode,
    ).toBe(200);

    const revoke = await ctx.app.inject({
      method: 'DELETE',
      url: `/api/v1/sessions/${target?.id}`,
      headers: { cookie: user.cookie },
    });
    expect(revoke.statusCode).toBe(204);
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${otherToken}` } }))
        .statusCode,
    ).toBe(401);
    const after = await ctx.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: { cookie: user.cookie } });
    expect(after.json().data.map((s: { id: string }) => s.id)).toEqual(
      sessions.filter((s) => s.current).map((s) => s.id),
    );

    // API keys cannot see or end sessions.
    const key = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { cookie: user.cookie },
      payload: { name: 'k', permission: 'write' },
    });
    const byKey = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/sessions',
      headers: { 'x-api-key': key.json().key },
    });
    expect(byKey.statusCode).toBe(403);
  });
});

describe('sessions per user', () => {
  it(`a sign-in keeps the newest ${MAX_SESSIONS_PER_USER} sessions and signs older ones out`, async () => {
    const user = await signUp(ctx.app);
    // Older sessions straight in the table: as many sign-ins would only be slow.
    await ctx.database.rows(sql`
      insert into session (id, token, user_id, expires_at, created_at, updated_at)
      select 'old-' || n || '-' || ${user.id}, 'old-token-' || n || '-' || ${user.id}, ${user.id},
             now() + interval '1 day', now() - (n || ' hours')::interval, now()
      from generate_series(1, ${MAX_SESSIONS_PER_USER}) as n`);
    const count = async () =>
      (
        await ctx.database.rows<{ n: number }>(sql`select count(*)::int as n from session where user_id = ${user.id}`)
      )[0]?.n;
    expect(await count()).toBe(MAX_SESSIONS_PER_USER + 1);

    const fresh = await signIn(ctx.app, user.email, user.password);
    expect(fresh.statusCode).toBe(200);
    expect(await count()).toBe(MAX_SESSIONS_PER_USER);
    // The oldest went: the two inserted longest ago (n = MAX and MAX - 1 hours old).
    const gone = await ctx.database.rows(
      sql`select id from session where id in (${`old-${MAX_SESSIONS_PER_USER}-${user.id}`}, ${`old-${MAX_SESSIONS_PER_USER - 1}-${user.id}`})`,
    );
    expect(gone).toHaveLength(0);
    for (const cookie of [user.cookie, sessionCookie(fresh.headers['set-cookie'])]) {
      expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200);
    }
  });
});

describe('every 2xx body matches the spec', () => {
  it('of every allowlisted operation, called for real', async () => {
    const spec = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(spec, 'spec');
    const pointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');
    const seen = new Set<string>();

    const check = (res: Response, method: string, path: string) => {
      const where = `${method} ${path} → ${res.statusCode}`;
      expect(res.statusCode, `${where}: ${res.body.slice(0, 300)}`).toBeLessThan(400);
      const response = spec.paths[path]?.[method.toLowerCase()]?.responses[String(res.statusCode)];
      expect(response, `${where} is not documented`).toBeDefined();
      if (res.statusCode < 300) {
        const validate = ajv.compile({
          $ref: `spec#/paths/${pointer(path)}/${method.toLowerCase()}/responses/${res.statusCode}/content/application~1json/schema`,
        });
        const valid = validate(res.json());
        expect(validate.errors ?? [], `${where}: ${res.body.slice(0, 300)}`).toEqual([]);
        expect(valid).toBe(true);
      }
      seen.add(`${method} ${path.slice('/api/auth'.length).replace(/\{(\w+)\}/g, ':$1')}`);
      return res;
    };
    const { app, mailer } = ctx;
    const ip = randomIp();
    const json = (cookie?: string) => ({ ...(cookie ? { cookie } : {}), 'content-type': 'application/json' });

    const address = uniqueEmail('spec');
    const password = 'a long password';
    const up = check(
      await app.inject({
        method: 'POST',
        url: '/api/auth/sign-up/email',
        remoteAddress: ip,
        payload: { email: address, password, name: 'Spec', image: 'https://img.example/a.png' },
      }),
      'POST',
      '/api/auth/sign-up/email',
    );
    const cookie = sessionCookie(up.headers['set-cookie']);
    const inn = check(await signIn(app, address, password, ip), 'POST', '/api/auth/sign-in/email');
    const second = inn.headers['set-auth-token'] as string;
    check(
      await app.inject({ method: 'GET', url: '/api/auth/get-session', headers: { cookie } }),
      'GET',
      '/api/auth/get-session',
    );
    check(await app.inject({ method: 'GET', url: '/api/auth/get-session' }), 'GET', '/api/auth/get-session');
    check(
      await app.inject({ method: 'GET', url: '/api/auth/list-sessions', headers: { cookie } }),
      'GET',
      '/api/auth/list-sessions',
    );

    check(
      await app.inject({
        method: 'POST',
        url: '/api/auth/send-verification-email',
        remoteAddress: ip,
        payload: { email: address },
      }),
      'POST',
      '/api/auth/send-verification-email',
    );
    const verifyLink = new URL((await mailer.waitFor(address, 'verify-email')).url as string);
    const verifyToken = verifyLink.searchParams.get('token') as string;
    check(
      await app.inject({ method: 'GET', url: `/api/auth/verify-email?token=${verifyToken}`, remoteAddress: ip }),
      'GET',
      '/api/auth/verify-email',
    );
    check(
      await app.inject({ method: 'GET', url: `${verifyLink.pathname}${verifyLink.search}`, remoteAddress: ip }),
      'GET',
      '/api/auth/verify-email',
    );

    check(
      await app.inject({
        method: 'POST',
        url: '/api/auth/request-password-reset',
        remoteAddress: ip,
        payload: { email: address, redirectTo: '/reset' },
      }),
      'POST',
      '/api/auth/request-password-reset',
    );
    const resetLink = new URL((await mailer.waitFor(address, 'reset-password')).url as string);
    const resetToken = resetLink.pathname.split('/').pop() as string;
    const callback = check(
      await app.inject({ method: 'GET', url: `${resetLink.pathname}${resetLink.search}`, remoteAddress: ip }),
      'GET',
      '/api/auth/reset-password/{token}',
    );
    expect(callback.headers.location).toContain(`token=${resetToken}`);
    check(
      await app.inject({
        method: 'POST',
        url: '/api/auth/reset-password',
        remoteAddress: ip,
        payload: { token: resetToken, newPassword: 'a newer long password' },
      }),
      'POST',
      '/api/auth/reset-password',
    );

    // The reset ended every session: sign in again on three devices.
    const devices: string[] = [];
    const rawTokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await signIn(app, address, 'a newer long password', ip);
      devices.push(res.headers['set-auth-token'] as string);
      rawTokens.push((res.json() as { token: string }).token);
    }
    const [a, b, c] = devices.map((t) => `Bearer ${t}`) as [string, string, string];
    check(
      await app.inject({
        method: 'POST',
        url: '/api/auth/change-password',
        remoteAddress: ip,
        headers: { authorization: a },
        payload: { currentPassword: 'a newer long password', newPassword: 'the newest long password' },
      }),
      'POST',
      '/api/auth/change-password',
    );
    check(
      await app.inject({
        method: 'POST',
        url: '/api/auth/revoke-session',
        remoteAddress: ip,
        headers: { authorization: a },
        payload: { token: rawTokens[1] },
      }),
      'POST',
      '/api/auth/revoke-session',
    );
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: b } })).statusCode).toBe(
      401,
    );
    check(
      await app.inject({
        method: 'POST',
        url: '/api/auth/revoke-other-sessions',
        remoteAddress: ip,
        headers: { authorization: a },
      }),
      'POST',
      '/api/auth/revoke-other-sessions',
    );
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: c } })).statusCode).toBe(
      401,
    );
    check(
      await app.inject({
        method: 'POST',
        url: '/api/auth/revoke-sessions',
        remoteAddress: ip,
        headers: { ...json(), authorization: a },
        payload: '{}',
      }),
      'POST',
      '/api/auth/revoke-sessions',
    );
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: a } })).statusCode).toBe(
      401,
    );
    check(
      await app.inject({
        method: 'POST',
        url: '/api/auth/sign-out',
        remoteAddress: ip,
        headers: { authorization: a },
        payload: {},
      }),
      'POST',
      '/api/auth/sign-out',
    );
    expect(second).toBeTruthy();
    expect(seen).toEqual(ALLOWED);
  });
});
