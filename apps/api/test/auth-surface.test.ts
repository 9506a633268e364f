/**
 * The better-auth surface: only the allowlisted endpoints answer, under any spelling of their
 * path; their errors are our envelope alone; their inputs are bounded like /api/v1's; their 2xx
 * bodies are exactly what the spec says; sessions are listed without tokens.
 */
import { ErrorEnvelope, MAX_SESSIONS_PER_USER } from '@habitual/shared';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { createAuthInstance } from '../src/modules/auth/index.js';
import { AUTH_ENDPOINTS } from '../src/modules/auth/mount.js';
import { setup, type TestContext } from './helpers/setup.js';
import { randomIp, sessionCookie, signIn, signUp, type TestUser, uniqueEmail } from './helpers/users.js';

type Response = Awaited<ReturnType<App['inject']>>;

function expectEnvelope(res: Response, code: string) {
  const body = res.json() as Record<string, unknown>;
  // Exactly the envelope: no better-auth `code`/`message` beside it.
  expect(Object.keys(body), res.body).toEqual(['error']);
  const error = ErrorEnvelope.strict().parse(body).error;
  expect(error.code, res.body).toBe(code);
  return error;
}

/** "METHOD /path" of every allowlisted endpoint, with better-auth's `:param` syntax. */
const ALLOWED = new Set(AUTH_ENDPOINTS.map((e) => `${e.method} ${e.path}`));

let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await setup();
  admin = await signUp(ctx.app);
  await ctx.database.rows(sql`update "user" set role = 'admin' where id = ${admin.id}`);
});

/** Every endpoint better-auth itself would serve with our configuration, read from the library. */
function betterAuthEndpoints(): Array<{ method: string; path: string }> {
  const auth = createAuthInstance(ctx.config, ctx.database.db, ctx.mailer);
  const found: Array<{ method: string; path: string }> = [];
  for (const endpoint of Object.values(auth.api as Record<string, { path?: string; options?: { method?: unknown } }>)) {
    if (!endpoint.path) continue;
    const methods = [endpoint.options?.method ?? 'GET'].flat().map(String);
    for (const method of methods.includes('*') ? ['GET', 'POST'] : methods) {
      found.push({ method, path: endpoint.path });
    }
  }
  return found;
}

describe('only the allowlist is served', () => {
  it('better-auth has more endpoints than we allow, and covers each allowed one', () => {
    const all = betterAuthEndpoints().map((e) => `${e.method} ${e.path}`);
    for (const allowed of ALLOWED) expect(all, allowed).toContain(allowed);
    expect(all.length).toBeGreaterThan(ALLOWED.size + 20);
  });

  it('every other better-auth path answers 404 in the envelope, however it is spelled, even for an admin', async () => {
    const fill = (path: string) => path.replace(/:[A-Za-z]+/g, 'x');
    const probes: Array<{ method: 'GET' | 'POST'; url: string }> = [];
    for (const { method, path } of betterAuthEndpoints()) {
      const m = method as 'GET' | 'POST';
      const p = fill(path);
      if (!ALLOWED.has(`${method} ${path}`)) {
        probes.push(
          { method: m, url: `/api/auth${p}` },
          { method: m, url: `/api/auth${p}/` },
          { method: m, url: `/api/auth${p.toUpperCase()}` },
          // The router-normalisation bypass (GHSA-x732-6j76-qmhm) and its relatives.
          { method: m, url: `/api/auth/${p}` },
          { method: m, url: `/api/auth//${p}` },
          { method: m, url: `/api/auth/.${p}` },
          { method: m, url: `/api/auth/x/..${p}` },
          { method: m, url: `/api/auth/%2F${p.slice(1)}` },
          { method: m, url: `/api/auth${p.replaceAll('/', '%2F')}` },
          { method: m, url: `/api/auth/${encodeURIComponent(p.slice(1, 2))}${p.slice(2)}` },
          { method: m, url: `/api/auth/%${p.charCodeAt(1).toString(16)}${p.slice(2)}` },
        );
      }
      // An allowed path with another method is not allowed either.
      const other = method === 'GET' ? 'POST' : 'GET';
      if (!ALLOWED.has(`${other} ${path}`)) probes.push({ method: other, url: `/api/auth${p}` });
    }
    expect(probes.length).toBeGreaterThan(300);
    for (const probe of probes) {
      const res = await ctx.app.inject({
        ...probe,
        remoteAddress: admin.ip,
        headers: { cookie: admin.cookie, ...(probe.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
        ...(probe.method === 'POST' ? { payload: '{}' } : {}),
      });
      // A path that normalises onto an allowed endpoint is that endpoint; nothing else answers.
      if (res.statusCode !== 404) {
        const normalised = new URL(probe.url, 'http://x').pathname.replace(/\/+$/, '');
        expect([...ALLOWED].map((a) => `${a.split(' ')[0]} /api/auth${fill(a.split(' ')[1] as string)}`)).toContain(
          `${probe.method} ${decodeURIComponent(normalised)}`,
        );
        continue;
      }
      expectEnvelope(res, 'NOT_FOUND');
    }
  });

  it('the side doors of the report change nothing: role, user, keys, deletion', async () => {
    const victim = await signUp(ctx.app);
    const post = (url: string, payload: unknown, who: TestUser = admin) =>
      ctx.app.inject({
        method: 'POST',
        url,
        remoteAddress: who.ip,
        headers: { cookie: who.cookie },
        payload: payload as object,
      });
    const calls = [
      post('/api/auth/admin/set-role', { userId: victim.id, role: 'admin' }),
      post('/api/auth//admin/set-role', { userId: victim.id, role: 'admin' }),
      post('/api/auth/admin/remove-user', { userId: victim.id }),
      post('/api/auth//admin/remove-user', { userId: victim.id }),
      post('/api/auth/admin/impersonate-user', { userId: victim.id }),
      post('/api/auth/admin/set-user-password', { userId: victim.id, newPassword: 'owned by admin' }),
      post('/api/auth/admin/create-user', { email: uniqueEmail('made'), password: 'long enough', name: 'M' }),
      post('/api/auth/api-key/create', { name: 'x', prefix: 'sk_live_' }, victim),
      post('/api/auth//api-key/create', { name: 'x' }, victim),
      post('/api/auth/update-user', { name: 'x'.repeat(500_000) }, victim),
      post('/api/auth/change-email', { newEmail: uniqueEmail('moved') }, victim),
      post('/api/auth/delete-user', {}, victim),
    ];
    for (const res of await Promise.all(calls)) expectEnvelope(res, 'NOT_FOUND');
    const [row] = await ctx.database.rows<{ role: string; name: string; email: string }>(
      sql`select role, name, email from "user" where id = ${victim.id}`,
    );
    expect(row).toEqual({ role: 'user', name: 'Test User', email: victim.email });
    const keys = await ctx.database.rows(sql`select id from apikey where reference_id = ${victim.id}`);
    expect(keys).toHaveLength(0);
    expect((await signIn(ctx.app, victim.email, victim.password)).statusCode).toBe(200);
  });

  it('the spec lists exactly the allowlisted endpoints under /api/auth', async () => {
    const spec = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/api/auth'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map(
          (m) => `${m.toUpperCase()} ${path.slice('/api/auth'.length).replace(/\{(\w+)\}/g, ':$1')}`,
        ),
      );
    expect(new Set(documented)).toEqual(ALLOWED);
  });
});

describe('errors', () => {
  it('better-auth errors are the envelope alone, with its own code in details', async () => {
    const user = await signUp(ctx.app);
    const wrong = await signIn(ctx.app, user.email, 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(expectEnvelope(wrong, 'UNAUTHENTICATED').details).toEqual([{ authCode: 'INVALID_EMAIL_OR_PASSWORD' }]);

    const again = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/sign-up/email',
      remoteAddress: randomIp(),
      payload: { email: user.email, password: 'long enough pw', name: 'Twice' },
    });
    expect(again.statusCode).toBe(409);
    expectEnvelope(again, 'CONFLICT');

    const badToken = await ctx.app.inject({ method: 'GET', url: '/api/auth/verify-email?token=forged' });
    expect(badToken.statusCode).toBe(401);
    expectEnvelope(badToken, 'UNAUTHENTICATED');

    const noSession = await ctx.app.inject({ method: 'GET', url: '/api/auth/list-sessions' });
    expect(noSession.statusCode).toBe(401);
    expectEnvelope(noSession, 'UNAUTHENTICATED');
  });
});

describe('bounds on every field', () => {
  const long = (n: number) => 'a'.repeat(n);
  const email = (local: number) => `${long(local)}@example.com`;
  const cases: Array<{ url: string; payload: Record<string, unknown>; field: string; session?: boolean }> = [
    { url: '/api/auth/sign-up/email', payload: { name: long(101), password: 'long enough pw' }, field: 'name' },
    { url: '/api/auth/sign-up/email', payload: { name: long(500_000), password: 'long enough pw' }, field: 'name' },
    { url: '/api/auth/sign-up/email', payload: { name: '   ', password: 'long enough pw' }, field: 'name' },
    {
      url: '/api/auth/sign-up/email',
      payload: { name: 'A', email: email(250), password: 'long enough pw' },
      field: 'email',
    },
    {
      url: '/api/auth/sign-up/email',
      payload: { name: 'A', email: 'not-an-email', password: 'long enough pw' },
      field: 'email',
    },
    { url: '/api/auth/sign-up/email', payload: { name: 'A', password: long(129) }, field: 'password' },
    { url: '/api/auth/sign-up/email', payload: { name: 'A', password: 'short' }, field: 'password' },
    {
      url: '/api/auth/sign-up/email',
      payload: { name: 'A', password: 'long enough pw', image: `https://img.example/${long(3000)}.png` },
      field: 'image',
    },
    {
      url: '/api/auth/sign-up/email',
      payload: { name: 'A', password: 'long enough pw', image: `data:image/png;base64,${long(900)}` },
      field: 'image',
    },
    {
      url: '/api/auth/sign-up/email',
      payload: { name: 'A', password: 'long enough pw', callbackURL: `/${long(3000)}` },
      field: 'callbackURL',
    },
    { url: '/api/auth/sign-up/email', payload: { name: 'A', password: 'long enough pw', role: 'admin' }, field: '' },
    { url: '/api/auth/sign-in/email', payload: { email: email(250), password: 'x' }, field: 'email' },
    { url: '/api/auth/sign-in/email', payload: { password: long(129) }, field: 'password' },
    { url: '/api/auth/send-verification-email', payload: { email: email(250) }, field: 'email' },
    {
      url: '/api/auth/request-password-reset',
      payload: { redirectTo: `https://a.example/${long(3000)}` },
      field: 'redirectTo',
    },
    { url: '/api/auth/reset-password', payload: { token: long(300), newPassword: 'long enough pw' }, field: 'token' },
    { url: '/api/auth/reset-password', payload: { token: 'abc', newPassword: long(129) }, field: 'newPassword' },
    {
      url: '/api/auth/change-password',
      payload: { currentPassword: 'x', newPassword: long(129) },
      field: 'newPassword',
      session: true,
    },
    { url: '/api/auth/revoke-session', payload: { token: long(300) }, field: 'token', session: true },
    { url: '/api/auth/sign-out', payload: { everything: true }, field: '', session: true },
  ];

  it('oversize or malformed fields answer 400 naming the field, and leave nothing behind', async () => {
    const user = await signUp(ctx.app);
    for (const c of cases) {
      const address = uniqueEmail('bounded');
      const payload = { email: address, ...c.payload };
      const res = await ctx.app.inject({
        method: 'POST',
        url: c.url,
        remoteAddress: randomIp(),
        headers: c.session ? { cookie: user.cookie } : {},
        payload,
      });
      const where = `${c.url} ${c.field} ${JSON.stringify(payload).slice(0, 120)}`;
      expect(res.statusCode, where).toBe(400);
      const error = expectEnvelope(res, 'VALIDATION_ERROR');
      expect(
        error.details?.some((d) => (d as { path?: string }).path === c.field),
        `${where}: ${res.body.slice(0, 300)}`,
      ).toBe(true);
      const created = await ctx.database.rows(sql`select id from "user" where email = ${address}`);
      expect(created, where).toHaveLength(0);
    }
    // The session survived every refused call (sign-out with a bad body did not sign out).
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } })).statusCode,
    ).toBe(200);
  });

  it('query and path parameters are bounded too', async () => {
    for (const url of [
      `/api/auth/verify-email?token=${'a'.repeat(5000)}`,
      `/api/auth/verify-email?token=abc&callbackURL=/${'a'.repeat(3000)}`,
      '/api/auth/reset-password/abc',
    ]) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect(res.statusCode, url.slice(0, 80)).toBe(400);
      expectEnvelope(res, 'VALIDATION_ERROR');
    }
    // Path parameters longer than the router's bound (200) match no route at all.
    const long = await ctx.app.inject({
      method: 'GET',
      url: `/api/auth/reset-password/${'a'.repeat(300)}?callbackURL=/r`,
    });
    expectEnvelope(long, 'NOT_FOUND');
  });
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
    const verifyLink = new URL(mailer.last(address, 'verify-email')?.url as string);
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
    const resetLink = new URL(mailer.last(address, 'reset-password')?.url as string);
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
