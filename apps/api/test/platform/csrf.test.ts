/**
 * Cross-site protection for cookie sessions, driven from the spec: every state-changing /api/v1
 * operation is called with the session cookie from an untrusted and a trusted Origin, with a
 * bearer token and no Origin, and with read and write API keys.
 */
import { type CreateHabit, ErrorEnvelope, type PutCheckIn } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { setup, type TestContext } from '../helpers/setup.js';
import { createApiKey, signUp } from '../helpers/users.js';

interface Operation {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** The spec's first example of the request body, or `{}`. */
  body: unknown;
  hasBody: boolean;
  keysAllowed: boolean;
}

type Spec = {
  paths: Record<
    string,
    Record<string, { security?: Array<Record<string, unknown>>; requestBody?: { content: Record<string, unknown> } }>
  >;
  components: { schemas: Record<string, { examples?: unknown[] }> };
};

const UNTRUSTED = 'http://evil.example';

async function stateChangingOperations(ctx: TestContext): Promise<{ ops: Operation[]; trusted: string }> {
  const { app, config } = ctx;
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Spec;
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [method, op] of Object.entries(methods)) {
      if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
      if (!op.security || op.security.length === 0) continue;
      const schema = (op.requestBody?.content['application/json'] as { schema?: { $ref?: string } } | undefined)
        ?.schema;
      const ref = schema?.$ref?.split('/').pop();
      ops.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        body: (ref && spec.components.schemas[ref]?.examples?.[0]) ?? {},
        hasBody: op.requestBody !== undefined,
        keysAllowed: op.security.some((s) => 'apiKeyAuth' in s),
      });
    }
  }
  return { ops, trusted: new URL(config.PUBLIC_URL).origin };
}

/** A fresh admin (so admin routes pass the role check) who owns a habit with a check-in and a key. */
async function world(ctx: TestContext) {
  const user = await signUp(ctx.app);
  await ctx.database.rows(sql`update "user" set role = 'admin' where id = ${user.id}`);
  const other = await signUp(ctx.app);
  const habit = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/habits',
    headers: { authorization: `Bearer ${user.token}` },
    payload: { name: 'Read', startDate: '2026-01-01' } satisfies CreateHabit,
  });
  expect(habit.statusCode, habit.body).toBe(201);
  const habitId = habit.json().id as string;
  const checkIn = await ctx.app.inject({
    method: 'PUT',
    url: `/api/v1/habits/${habitId}/checkins/2026-01-01`,
    headers: { authorization: `Bearer ${user.token}` },
    payload: { status: 'done' } satisfies PutCheckIn,
  });
  expect(checkIn.statusCode, checkIn.body).toBe(200);
  const key = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: { authorization: `Bearer ${user.token}` },
    payload: { name: 'spare' },
  });
  expect(key.statusCode, key.body).toBe(201);
  const params: Record<string, string> = {
    habitId,
    date: '2026-01-01',
    keyId: key.json().id as string,
    userId: other.id,
    insightId: '00000000-0000-4000-8000-000000000000',
  };
  return { user, params };
}

function call(ctx: TestContext, op: Operation, params: Record<string, string>, headers: Record<string, string>) {
  const url = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => params[name] ?? 'unknown');
  return ctx.app.inject({
    method: op.method,
    url,
    headers,
    ...(op.hasBody ? { payload: op.body as Record<string, unknown> } : {}),
  });
}

const codeOf = (res: LightMyRequestResponse) =>
  res.statusCode >= 400 ? ErrorEnvelope.parse(res.json()).error.code : null;

describe('cross-site protection for cookie sessions', async () => {
  // One app for the file: every test builds worlds (users, habits, keys) of its own.
  const ctx = await setup();
  const { ops, trusted } = await stateChangingOperations(ctx);

  it('covers the state-changing operations of the spec', () => {
    expect(ops.length).toBeGreaterThan(10);
    expect(ops.map((o) => `${o.method} ${o.path}`)).toContain('POST /api/v1/habits');
  });

  it.each(ops.map((o) => [`${o.method} ${o.path}`, o] as const))(
    '%s: cookie from an untrusted Origin → 403; trusted Origin, bearer and a write key → as the route answers',
    async (_name, op) => {
      const attacked = await world(ctx);
      const refused = await call(ctx, op, attacked.params, { cookie: attacked.user.cookie, origin: UNTRUSTED });
      expect(refused.statusCode, refused.body).toBe(403);
      expect(codeOf(refused)).toBe('FORBIDDEN');
      expect(ErrorEnvelope.parse(refused.json()).error.message).toContain(UNTRUSTED);

      // Each credential gets a world of its own, so one call's side effects cannot change the next.
      const viaBearer = await world(ctx);
      const bearer = await call(ctx, op, viaBearer.params, { authorization: `Bearer ${viaBearer.user.token}` });
      expect(codeOf(bearer), bearer.body).not.toBe('FORBIDDEN');

      const viaCookie = await world(ctx);
      const cookie = await call(ctx, op, viaCookie.params, { cookie: viaCookie.user.cookie, origin: trusted });
      expect(codeOf(cookie), cookie.body).not.toBe('FORBIDDEN');
      expect(cookie.statusCode, cookie.body).toBe(bearer.statusCode);

      const viaKey = await world(ctx);
      const writeKey = await createApiKey(ctx.app, viaKey.user, { permission: 'write' });
      const keyed = await call(ctx, op, viaKey.params, { 'x-api-key': writeKey, origin: UNTRUSTED });
      if (op.keysAllowed) {
        expect(keyed.statusCode, keyed.body).toBe(bearer.statusCode);
      } else {
        expect(keyed.statusCode, keyed.body).toBe(403);
      }
      const readKey = await createApiKey(ctx.app, viaKey.user, { permission: 'read' });
      const read = await call(ctx, op, viaKey.params, { 'x-api-key': readKey });
      expect(read.statusCode, read.body).toBe(403);
      expect(codeOf(read)).toBe('FORBIDDEN');
    },
  );

  it('without an Origin, a browser’s cross-site or same-site fetch metadata refuses the cookie; same-origin and scripts pass', async () => {
    const { user } = await world(ctx);
    const create = (headers: Record<string, string>) =>
      ctx.app.inject({
        method: 'POST',
        url: '/api/v1/habits',
        headers: { cookie: user.cookie, ...headers },
        payload: { name: 'Stretch' },
      });
    for (const site of ['cross-site', 'same-site']) {
      const res = await create({ 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors' });
      expect(res.statusCode, site).toBe(403);
      expect(codeOf(res)).toBe('FORBIDDEN');
    }
    expect((await create({ 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' })).statusCode).toBe(201);
    expect((await create({})).statusCode).toBe(201);
    expect((await create({ origin: 'null' })).statusCode).toBe(403);
    // Reads are not state-changing: a cross-site GET may carry the cookie (CORS keeps its answer from the page).
    const list = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/habits',
      headers: { cookie: user.cookie, origin: UNTRUSTED },
    });
    expect(list.statusCode).toBe(200);
  });

  it("better-auth's own cookie writes (sign-out, change-password) refuse an untrusted Origin too", async () => {
    const { user } = await world(ctx);
    const post = (url: string, origin: string, payload: Record<string, unknown>) =>
      ctx.app.inject({
        method: 'POST',
        url,
        remoteAddress: user.ip,
        headers: { cookie: user.cookie, origin, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
        payload,
      });
    const change = { currentPassword: user.password, newPassword: 'another long password' };
    const refused = await post('/api/auth/change-password', UNTRUSTED, change);
    expect(refused.statusCode, refused.body).toBe(403);
    expect(codeOf(refused)).toBe('FORBIDDEN');
    const signOut = await post('/api/auth/sign-out', UNTRUSTED, {});
    expect(signOut.statusCode).toBe(403);
    // The session survived both.
    const me = await ctx.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(me.statusCode).toBe(200);
    const allowed = await post('/api/auth/sign-out', trusted, {});
    expect(allowed.statusCode, allowed.body).toBe(200);
  });

  it('a text/plain or form body to a JSON route → 415, with or without a body', async () => {
    const { user } = await world(ctx);
    const cases = [
      { url: '/api/v1/insights?refresh=true', type: 'text/plain', payload: '' },
      { url: '/api/v1/insights?refresh=true', type: 'text/plain;charset=UTF-8', payload: 'x' },
      { url: '/api/v1/habits', type: 'text/plain', payload: '{"name":"Sneaky"}' },
      { url: '/api/v1/habits', type: 'application/x-www-form-urlencoded', payload: 'name=Sneaky' },
      { url: '/api/v1/habits', type: 'multipart/form-data; boundary=x', payload: '--x--' },
    ];
    for (const c of cases) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: c.url,
        headers: { authorization: `Bearer ${user.token}`, 'content-type': c.type },
        payload: c.payload,
      });
      expect(res.statusCode, `${c.type} → ${c.url}`).toBe(415);
      expect(codeOf(res)).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const habits = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/habits',
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect((habits.json() as { data: Array<{ name: string }> }).data.map((h) => h.name)).toEqual(['Read']);
  });
});
