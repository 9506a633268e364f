import { randomBytes } from 'node:crypto';
import { AiKeyStatus, ErrorEnvelope, Insight } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { errorReply, useFakeOpenAI } from '../helpers/fake-openai.js';
import { fixedClock, habitsApi } from '../helpers/habits.js';
import { setup } from '../helpers/setup.js';
import { createApiKey, signUp, type TestUser } from '../helpers/users.js';

const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const OWN_KEY = `sk-own-${randomBytes(16).toString('hex')}`;

const fake = useFakeOpenAI();

async function app(env: Record<string, string> = {}) {
  const ctx = await setup({
    env: { OPENAI_BASE_URL: fake.url, ENCRYPTION_KEY, ENCRYPTION_KEY_ID: 'k1', ...env },
    deps: { clock: fixedClock('2026-03-15T10:00:00.000Z') },
  });
  const key = (user: TestUser) => ({
    put: (payload: unknown) =>
      ctx.app.inject({
        method: 'PUT',
        url: '/api/v1/me/ai-key',
        headers: { cookie: user.cookie },
        payload: payload as object,
      }),
    get: () => ctx.app.inject({ method: 'GET', url: '/api/v1/me/ai-key', headers: { cookie: user.cookie } }),
    del: () => ctx.app.inject({ method: 'DELETE', url: '/api/v1/me/ai-key', headers: { cookie: user.cookie } }),
    generate: (query = '') =>
      ctx.app.inject({ method: 'POST', url: `/api/v1/insights${query}`, headers: { cookie: user.cookie } }),
  });
  return { ...ctx, key };
}

async function withHabit(ctx: Awaited<ReturnType<typeof app>>, user: TestUser) {
  const api = habitsApi(ctx.app, user);
  const habit = await api.create({
    name: 'Stretch',
    type: 'boolean',
    frequency: { times: 1, days: 1 },
    startDate: '2026-03-01',
  });
  await api.checkIn(habit.id, '2026-03-14', { status: 'done' });
  return habit;
}

describe('PUT/GET/DELETE /api/v1/me/ai-key', () => {
  it('stores the key encrypted: GET shows only whether, the last 4 characters and when', async () => {
    const ctx = await app();
    const user = await signUp(ctx.app);
    expect(AiKeyStatus.parse((await ctx.key(user).get()).json())).toEqual({ set: false, last4: null, updatedAt: null });

    const put = await ctx.key(user).put({ apiKey: OWN_KEY });
    expect(put.statusCode, put.body).toBe(200);
    const status = { set: true, last4: OWN_KEY.slice(-4), updatedAt: '2026-03-15T10:00:00.000Z' };
    expect(AiKeyStatus.parse(put.json())).toEqual(status);
    expect(put.body).not.toContain(OWN_KEY);
    const got = await ctx.key(user).get();
    expect(got.json()).toEqual(status);
    expect(got.body).not.toContain(OWN_KEY);

    // The row: no plain text, no plain base64 or hex of the key, and the id of the encryption key.
    const rows = await ctx.database.rows<Record<string, unknown>>(
      sql`select * from user_ai_keys where user_id = ${user.id}`,
    );
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows[0]);
    for (const form of [
      OWN_KEY,
      OWN_KEY.slice(0, 12),
      Buffer.from(OWN_KEY).toString('base64'),
      Buffer.from(OWN_KEY).toString('hex'),
    ]) {
      expect(stored).not.toContain(form);
    }
    expect(rows[0]).toMatchObject({ encryption_key_id: 'k1', last4: OWN_KEY.slice(-4) });

    // Nor in the logs, nor in the export.
    expect(ctx.logs.text()).not.toContain(OWN_KEY);
    const exported = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/me/export',
      headers: { cookie: user.cookie },
    });
    expect(exported.statusCode).toBe(200);
    expect(exported.body).not.toContain(OWN_KEY);
    expect(exported.body).not.toContain(String((rows[0] as { ciphertext: string }).ciphertext));

    expect((await ctx.key(user).del()).statusCode).toBe(204);
    expect((await ctx.key(user).get()).json()).toEqual({ set: false, last4: null, updatedAt: null });
    // Deleting again is fine (idempotent).
    expect((await ctx.key(user).del()).statusCode).toBe(204);
  });

  it.each([
    ['an empty key', { apiKey: '' }, 'apiKey'],
    ['a too short key', { apiKey: 'short' }, 'apiKey'],
    ['an oversized key (503 characters)', { apiKey: `sk-${'x'.repeat(500)}` }, 'apiKey'],
    ['a key with a space', { apiKey: 'sk-has a space-0123456789' }, 'apiKey'],
    ['a key with a line break', { apiKey: 'sk-line\nbreak-0123456789' }, 'apiKey'],
    ['a number', { apiKey: 12345678901 }, 'apiKey'],
    ['no key', {}, 'apiKey'],
    ['a base URL next to the key', { apiKey: OWN_KEY, baseURL: 'http://169.254.169.254/latest' }, ''],
  ])('rejects %s with 400 naming the field', async (_label, payload, path) => {
    const ctx = await app();
    const user = await signUp(ctx.app);
    const res = await ctx.key(user).put(payload);
    expect(res.statusCode).toBe(400);
    const { error } = ErrorEnvelope.parse(res.json());
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details?.[0]).toMatchObject({ location: 'body', path });
    expect(res.body).not.toContain(OWN_KEY);
    expect((await ctx.key(user).get()).json()).toMatchObject({ set: false });
  });

  it('without ENCRYPTION_KEY on the server: 503 that says so, and nothing is stored', async () => {
    const ctx = await setup({ env: { OPENAI_BASE_URL: fake.url } });
    const user = await signUp(ctx.app);
    const res = await ctx.app.inject({
      method: 'PUT',
      url: '/api/v1/me/ai-key',
      headers: { cookie: user.cookie },
      payload: { apiKey: OWN_KEY },
    });
    expect(res.statusCode).toBe(503);
    expect(ErrorEnvelope.parse(res.json()).error.message).toMatch(/ENCRYPTION_KEY/);
  });

  it('API keys cannot manage it (a person’s session is needed)', async () => {
    const ctx = await app();
    const user = await signUp(ctx.app);
    const apiKey = await createApiKey(ctx.app, user, { permission: 'write' });
    const res = await ctx.app.inject({
      method: 'PUT',
      url: '/api/v1/me/ai-key',
      headers: { 'x-api-key': apiKey },
      payload: { apiKey: OWN_KEY },
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('generating with the user’s own key', () => {
  it('sends the own key to the server’s provider, ignores the quota, and marks the insight', async () => {
    // A quota of zero for server-paid insights: only the own key can work.
    const ctx = await app({ AI_INSIGHTS_MONTHLY_CAP: '0' });
    const user = await signUp(ctx.app);
    await withHabit(ctx, user);
    const refused = await ctx.key(user).generate();
    expect(refused.statusCode).toBe(429);
    expect(ErrorEnvelope.parse(refused.json()).error.code).toBe('QUOTA_EXCEEDED');

    await ctx.key(user).put({ apiKey: OWN_KEY });
    const first = await ctx.key(user).generate();
    expect(first.statusCode, first.body).toBe(201);
    expect(Insight.parse(first.json()).source).toBe('own_key');
    const second = await ctx.key(user).generate('?refresh=true');
    expect(second.statusCode).toBe(201);
    expect(fake.calls.map((c) => c.headers.authorization)).toEqual([`Bearer ${OWN_KEY}`, `Bearer ${OWN_KEY}`]);
    expect(ctx.logs.text()).not.toContain(OWN_KEY);
  });

  it('a provider that rejects (and echoes) the key: 502, and the key is still not in the logs', async () => {
    const ctx = await app({ LOG_LEVEL: 'trace' });
    const user = await signUp(ctx.app);
    await withHabit(ctx, user);
    await ctx.key(user).put({ apiKey: OWN_KEY });
    fake.respond((request) => errorReply(401, `Incorrect API key provided: ${request.headers.authorization}`));
    const res = await ctx.key(user).generate();
    expect(res.statusCode).toBe(502);
    expect(ErrorEnvelope.parse(res.json()).error.details).toEqual([
      { reason: 'provider_rejected_key', upstreamStatus: 401 },
    ]);
    expect(res.body).not.toContain(OWN_KEY);
    // The failure was logged (5xx), without the key.
    expect(ctx.logs.lines.some((l) => l.msg === 'request failed')).toBe(true);
    expect(ctx.logs.text()).not.toContain(OWN_KEY);
  });

  it('key rotation: a key stored under k1 still works after k2 becomes current, and moves to k2', async () => {
    const before = await app();
    const user = await signUp(before.app);
    await withHabit(before, user);
    await before.key(user).put({ apiKey: OWN_KEY });

    const newKey = randomBytes(32).toString('hex');
    const after = await app({
      ENCRYPTION_KEY: newKey,
      ENCRYPTION_KEY_ID: 'k2',
      ENCRYPTION_KEYS_OLD: `k1:${ENCRYPTION_KEY}`,
    });
    const res = await after.key(user).generate();
    expect(res.statusCode, res.body).toBe(201);
    expect(fake.calls[0]?.headers.authorization).toBe(`Bearer ${OWN_KEY}`);
    const [row] = await after.database.rows<{ encryption_key_id: string }>(
      sql`select encryption_key_id from user_ai_keys where user_id = ${user.id}`,
    );
    expect(row?.encryption_key_id).toBe('k2');

    // Without the old key, a row under it is unreadable: a clear 503, never a 500.
    const stored = await before.key(user).put({ apiKey: OWN_KEY }); // back under k1
    expect(stored.statusCode).toBe(200);
    const withoutOld = await app({ ENCRYPTION_KEY: newKey, ENCRYPTION_KEY_ID: 'k2' });
    const failed = await withoutOld.key(user).generate('?refresh=true');
    expect(failed.statusCode).toBe(503);
    expect(ErrorEnvelope.parse(failed.json()).error.details).toEqual([{ reason: 'own_key_unreadable' }]);
  });
});
