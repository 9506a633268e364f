import { ErrorEnvelope, Insight, InsightList } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chatCompletion, errorReply, goodInsight, useFakeOpenAI } from '../helpers/fake-openai.js';
import { fixedClock, habitsApi } from '../helpers/habits.js';
import { setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

const NOW = '2026-03-15T10:00:00.000Z';
const SERVER_KEY = 'sk-server-test-key-0000';

const fake = useFakeOpenAI();

function aiEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { OPENAI_API_KEY: SERVER_KEY, OPENAI_BASE_URL: fake.url, AI_MODEL: 'fake-model', ...extra };
}

/** A user with one habit and three done days, on an app talking to the fake provider. */
async function userWithHabit(env: Record<string, string> = aiEnv()) {
  const clock = fixedClock(NOW);
  const ctx = await setup({ env, deps: { clock } });
  const user = await signUp(ctx.app);
  const api = habitsApi(ctx.app, user);
  const habit = await api.create({
    name: 'Meditate',
    type: 'boolean',
    frequency: { times: 1, days: 1 },
    startDate: '2026-03-01',
  });
  for (const d of ['2026-03-12', '2026-03-13', '2026-03-14']) await api.checkIn(habit.id, d, { status: 'done' });
  const headers = { cookie: user.cookie };
  return {
    ...ctx,
    clock,
    user,
    habit,
    api,
    generate: (query = '') => ctx.app.inject({ method: 'POST', url: `/api/v1/insights${query}`, headers }),
    list: async (query = '') => {
      const res = await ctx.app.inject({ method: 'GET', url: `/api/v1/insights${query}`, headers });
      expect(res.statusCode, res.body).toBe(200);
      return InsightList.parse(res.json());
    },
  };
}

async function countRows(
  database: { rows: <T extends Record<string, unknown>>(q: ReturnType<typeof sql>) => Promise<T[]> },
  userId: string,
) {
  const [insights] = await database.rows<{ n: number | string }>(
    sql`select count(*) as n from insights where user_id = ${userId}`,
  );
  const [billed] = await database.rows<{ n: number | string }>(
    sql`select count(*) as n from insight_generations where user_id = ${userId} and billed and status = 'succeeded'`,
  );
  return { insights: Number(insights?.n), billed: Number(billed?.n) };
}

describe('POST /api/v1/insights: a good answer', () => {
  it('is stored with the model, token usage and latency, and grounded in the user’s statistics', async () => {
    const { generate, habit, list, app, user } = await userWithHabit();
    const res = await generate();
    expect(res.statusCode, res.body).toBe(201);
    const insight = Insight.parse(res.json());
    expect(insight).toMatchObject({
      title: 'Mornings are working',
      model: 'fake-model-1',
      source: 'server',
      usage: { inputTokens: 812, outputTokens: 164, totalTokens: 976 },
      basedOn: { today: '2026-03-15', habitCount: 1 },
      createdAt: NOW,
    });
    expect(insight.latencyMs).toBeGreaterThanOrEqual(0);
    // The model may only point at the user's own habits: a foreign id is stored as null.
    expect(insight.observations).toEqual([
      { text: '"Meditate" is your steadiest habit.', habitId: habit.id },
      { text: 'Someone else’s habit.', habitId: null },
    ]);

    // What went over the wire: chat completions, the server key, strict JSON schema, data in a block.
    expect(fake.calls).toHaveLength(1);
    const call = fake.calls[0];
    expect(call?.headers.authorization).toBe(`Bearer ${SERVER_KEY}`);
    expect(call?.body.model).toBe('fake-model');
    expect(call?.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true } });
    const userMessage = call?.body.messages?.find((m) => m.role === 'user')?.content ?? '';
    expect(userMessage).toContain(`"habitId": "${habit.id}"`);
    expect(userMessage).toContain('"currentStreak": 3');

    const one = await app.inject({
      method: 'GET',
      url: `/api/v1/insights/${insight.id}`,
      headers: { cookie: user.cookie },
    });
    expect(Insight.parse(one.json())).toEqual(insight);
    expect((await list()).data).toEqual([insight]);
  });

  it('the same statistics within 24 hours return the stored insight (200) without a call; refresh=true makes a new one', async () => {
    const { generate, clock, list } = await userWithHabit();
    const first = Insight.parse((await generate()).json());
    const again = await generate();
    expect(again.statusCode).toBe(200);
    expect(Insight.parse(again.json()).id).toBe(first.id);
    expect(fake.calls).toHaveLength(1);

    const refreshed = await generate('?refresh=true');
    expect(refreshed.statusCode).toBe(201);
    expect(Insight.parse(refreshed.json()).id).not.toBe(first.id);
    expect(fake.calls).toHaveLength(2);

    // refresh=false is the default spelled out.
    expect((await generate('?refresh=false')).statusCode).toBe(200);
    // 23 hours later it is still the same day and the same statistics.
    clock.set('2026-03-15T23:00:00.000Z');
    expect((await generate()).statusCode).toBe(200);
    expect(fake.calls).toHaveLength(2);
    expect((await list()).data).toHaveLength(2);
  });
});

describe('POST /api/v1/insights: provider failures store nothing and use no quota', () => {
  const cases: Array<[string, number, string, number, () => void]> = [
    ['provider 429', 503, 'UPSTREAM_RATE_LIMITED', 3, () => fake.respond(() => errorReply(429, 'Rate limit reached'))],
    ['provider 500', 502, 'UPSTREAM_ERROR', 3, () => fake.respond(() => errorReply(500, 'The server had an error'))],
    [
      'a slow answer past the timeout',
      504,
      'UPSTREAM_TIMEOUT',
      1,
      () => fake.respond((request, index) => ({ ...goodInsight(request, index), delayMs: 10_000 })),
    ],
    [
      'malformed JSON',
      502,
      'UPSTREAM_ERROR',
      1,
      () => fake.respond(() => chatCompletion('{"title": "Mornings", "summ')),
    ],
    [
      'an answer that does not match the schema',
      502,
      'UPSTREAM_ERROR',
      1,
      () => fake.respond(() => chatCompletion(JSON.stringify({ title: 'Hi', tips: ['drink water'] }))),
    ],
  ];

  it.each(cases)('%s → %i %s', async (_name, status, code, calls, arrange) => {
    // A quota of exactly one insight: a failure that used it would make the good call below fail.
    const { generate, list, database, user } = await userWithHabit(
      aiEnv({ AI_INSIGHTS_MONTHLY_CAP: '1', AI_TIMEOUT_MS: '300' }),
    );
    arrange();
    const res = await generate();
    expect(res.statusCode, res.body).toBe(status);
    expect(ErrorEnvelope.parse(res.json()).error.code).toBe(code);
    if (code === 'UPSTREAM_RATE_LIMITED') expect(res.headers['retry-after']).toBe('1');
    // At most 2 retries: 3 calls for retryable failures, 1 for the rest.
    expect(fake.calls).toHaveLength(calls);
    expect((await list()).data).toEqual([]);
    expect(await countRows(database, user.id)).toEqual({ insights: 0, billed: 0 });

    fake.respond(goodInsight);
    expect((await generate()).statusCode).toBe(201);
  });

  it('the provider cannot be reached → 502 UPSTREAM_ERROR', async () => {
    const { generate } = await userWithHabit(aiEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', AI_MAX_RETRIES: '0' }));
    const res = await generate();
    expect(res.statusCode).toBe(502);
    expect(ErrorEnvelope.parse(res.json()).error).toMatchObject({
      code: 'UPSTREAM_ERROR',
      details: [{ reason: 'provider_unreachable' }],
    });
  });
});

describe('POST /api/v1/insights: bad requests', () => {
  it('without a provider: 503 that says so; the summary still works', async () => {
    const { generate, app, user } = await userWithHabit({});
    const res = await generate();
    expect(res.statusCode).toBe(503);
    const { error } = ErrorEnvelope.parse(res.json());
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toMatch(/not configured/);
    const summary = await app.inject({
      method: 'GET',
      url: '/api/v1/insights/summary',
      headers: { cookie: user.cookie },
    });
    expect(summary.statusCode).toBe(200);
  });

  it('a user with no habits: 409 naming the reason, and no AI call', async () => {
    const { app } = await setup({ env: aiEnv() });
    const user = await signUp(app);
    const res = await app.inject({ method: 'POST', url: '/api/v1/insights', headers: { cookie: user.cookie } });
    expect(res.statusCode).toBe(409);
    expect(ErrorEnvelope.parse(res.json()).error).toMatchObject({
      code: 'CONFLICT',
      details: [{ reason: 'no_habits' }],
    });
    expect(fake.calls).toHaveLength(0);
  });

  it.each(['maybe', '2', '', 'TRUEISH'])(
    'refresh=%j is not a boolean → 400 naming querystring.refresh',
    async (value) => {
      const { generate } = await userWithHabit();
      const res = await generate(`?refresh=${encodeURIComponent(value)}`);
      expect(res.statusCode).toBe(400);
      expect(ErrorEnvelope.parse(res.json()).error.details?.[0]).toMatchObject({
        location: 'querystring',
        path: 'refresh',
      });
      expect(fake.calls).toHaveLength(0);
    },
  );
});

describe('quota and rate limit', () => {
  it('over the monthly quota → 429 QUOTA_EXCEEDED with the reset date', async () => {
    const { generate } = await userWithHabit(aiEnv({ AI_INSIGHTS_MONTHLY_CAP: '2' }));
    expect((await generate('?refresh=true')).statusCode).toBe(201);
    expect((await generate('?refresh=true')).statusCode).toBe(201);
    const res = await generate('?refresh=true');
    expect(res.statusCode).toBe(429);
    const { error } = ErrorEnvelope.parse(res.json());
    expect(error.code).toBe('QUOTA_EXCEEDED');
    // Calendar months in UTC: the quota of March 2026 resets on April 1st, 00:00 UTC.
    expect(error.details).toEqual([
      { quota: 'aiInsightsPerMonth', limit: 2, used: 2, resetsAt: '2026-04-01T00:00:00.000Z' },
    ]);
    expect(fake.calls).toHaveLength(2);
    // A stored insight for the same statistics is still returned: it costs nothing.
    expect((await generate()).statusCode).toBe(200);
  });

  it('the quota counts per calendar month: on the 1st it is free again', async () => {
    const { generate, clock } = await userWithHabit(aiEnv({ AI_INSIGHTS_MONTHLY_CAP: '1' }));
    expect((await generate('?refresh=true')).statusCode).toBe(201);
    expect((await generate('?refresh=true')).statusCode).toBe(429);
    clock.set('2026-04-01T00:00:00.000Z');
    expect((await generate('?refresh=true')).statusCode).toBe(201);
  });

  it('20 concurrent requests with 3 left in the quota → exactly 3 generated and billed', async () => {
    const { generate, list, database, user } = await userWithHabit(
      aiEnv({ AI_INSIGHTS_MONTHLY_CAP: '5', AI_RATE_LIMIT_PER_HOUR: '100' }),
    );
    expect((await generate('?refresh=true')).statusCode).toBe(201);
    expect((await generate('?refresh=true')).statusCode).toBe(201);
    const responses = await Promise.all(Array.from({ length: 20 }, () => generate('?refresh=true')));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    for (const r of responses.filter((x) => x.statusCode === 429)) {
      expect(ErrorEnvelope.parse(r.json()).error.code).toBe('QUOTA_EXCEEDED');
    }
    expect(fake.calls).toHaveLength(5);
    expect((await list('?limit=100')).data).toHaveLength(5);
    expect(await countRows(database, user.id)).toEqual({ insights: 5, billed: 5 });
  });

  it('per-user rate limit on generation → 429 RATE_LIMITED with Retry-After', async () => {
    const { generate, clock } = await userWithHabit(aiEnv({ AI_RATE_LIMIT_PER_HOUR: '2' }));
    expect((await generate('?refresh=true')).statusCode).toBe(201);
    clock.set('2026-03-15T10:20:00.000Z');
    expect((await generate('?refresh=true')).statusCode).toBe(201);
    const res = await generate('?refresh=true');
    expect(res.statusCode).toBe(429);
    expect(ErrorEnvelope.parse(res.json()).error.code).toBe('RATE_LIMITED');
    // The oldest attempt (10:00) leaves the one-hour window at 11:00: 40 minutes from 10:20.
    expect(res.headers['retry-after']).toBe('2400');
    // The headers describe the hourly limit that was reached, not the per-address one.
    expect(res.headers['x-ratelimit-limit']).toBe('2');
    expect(res.headers['x-ratelimit-remaining']).toBe('0');
    expect(res.headers['x-ratelimit-reset']).toBe('2400');
    expect(fake.calls).toHaveLength(2);
    clock.set('2026-03-15T11:00:01.000Z');
    expect((await generate('?refresh=true')).statusCode).toBe(201);
  });
});

describe('stored insights: read, list, delete', () => {
  it("another user's insight id answers 404 on GET and DELETE; the owner can delete it", async () => {
    const { generate, app, user } = await userWithHabit();
    const insight = Insight.parse((await generate()).json());
    const intruder = await signUp(app);
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await app.inject({
        method,
        url: `/api/v1/insights/${insight.id}`,
        headers: { cookie: intruder.cookie },
      });
      expect(res.statusCode).toBe(404);
      expect(ErrorEnvelope.parse(res.json()).error.code).toBe('NOT_FOUND');
    }
    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      const res = await app.inject({ method: 'GET', url: `/api/v1/insights/${id}`, headers: { cookie: user.cookie } });
      expect(res.statusCode).toBe(404);
    }
    const del = await app.inject({
      method: 'DELETE',
      url: `/api/v1/insights/${insight.id}`,
      headers: { cookie: user.cookie },
    });
    expect(del.statusCode).toBe(204);
    const gone = await app.inject({
      method: 'GET',
      url: `/api/v1/insights/${insight.id}`,
      headers: { cookie: user.cookie },
    });
    expect(gone.statusCode).toBe(404);
  });

  it('lists newest first with a cursor; a foreign cursor is a 400 naming it', async () => {
    const { generate, clock, list } = await userWithHabit();
    const ids: string[] = [];
    for (const at of ['2026-03-15T10:00:00.000Z', '2026-03-15T10:01:00.000Z', '2026-03-15T10:02:00.000Z']) {
      clock.set(at);
      ids.push(Insight.parse((await generate('?refresh=true')).json()).id);
    }
    const first = await list('?limit=2');
    expect(first.data.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    expect(first.nextCursor).not.toBeNull();
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.data.map((i) => i.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
  });

  it('a cursor that this list did not return → 400', async () => {
    const { app, user } = await userWithHabit();
    const bad = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url');
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/insights?cursor=${bad}`,
      headers: { cookie: user.cookie },
    });
    expect(res.statusCode).toBe(400);
    expect(ErrorEnvelope.parse(res.json()).error.details?.[0]).toMatchObject({
      location: 'querystring',
      path: 'cursor',
    });
  });
});

describe('export and account deletion', () => {
  it('the export includes insights (with their statistics); deleting the account removes them', async () => {
    const { generate, app, user, database } = await userWithHabit();
    const insight = Insight.parse((await generate()).json());
    const res = await app.inject({ method: 'GET', url: '/api/v1/me/export', headers: { cookie: user.cookie } });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { insights: Array<Record<string, unknown>> };
    expect(doc.insights).toHaveLength(1);
    expect(doc.insights[0]).toMatchObject({ id: insight.id, title: insight.title, statistics: { habitCount: 1 } });

    const del = await app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(del.statusCode).toBe(204);
    expect(await countRows(database, user.id)).toEqual({ insights: 0, billed: 0 });
  });
});
