/**
 * The better-auth surface: only the allowlisted endpoints answer, under any spelling of their
 * path, and nothing else is in the spec; their errors are our envelope alone; their inputs are
 * bounded like /api/v1's (sessions and response shapes: auth-sessions.test.ts).
 */
import { ErrorEnvelope } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { AUTH_ENDPOINTS } from '../../src/modules/auth/auth-endpoints.js';
import { createAuthInstance } from '../../src/modules/auth/index.js';
import { setup, type TestContext } from '../helpers/setup.js';
import { randomIp, signIn, signUp, type TestUser, uniqueEmail } from '../helpers/users.js';

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
      expect(res.statusCode, `${probe.method} ${probe.url}`).toBe(404);
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
