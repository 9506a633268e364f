/**
 * Plan limits through the habits routes: Free stops at its active-habit limit with 402, an
 * upgrade by webhook lifts it, a downgrade keeps every habit and check-in but blocks new ones
 * beyond the limit; self-hosted has no plan limit, only the ceiling on active habits. Runs on PGlite and PostgreSQL like every file.
 */
import { ErrorEnvelope, MAX_ACTIVE_HABITS, MAX_HABITS_PER_USER, type PutCheckIn } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { deliverOk, getBilling, setupBilling, stripeEvent, upgrade } from '../helpers/billing.js';
import { setup } from '../helpers/setup.js';
import { signUp, type TestUser } from '../helpers/users.js';

const FREE_LIMIT = 5;

function createHabit(app: App, user: TestUser, name = 'Read') {
  return app.inject({
    method: 'POST',
    url: '/api/v1/habits',
    headers: { cookie: user.cookie },
    payload: { name, type: 'boolean', frequency: { times: 1, days: 1 } },
  });
}

async function createHabits(app: App, user: TestUser, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await createHabit(app, user, `Habit ${i + 1}`);
    expect(res.statusCode, res.body).toBe(201);
    ids.push((res.json() as { id: string }).id);
  }
  return ids;
}

async function expectLimitReached(app: App, user: TestUser, limit: number) {
  const res = await createHabit(app, user, 'One too many');
  expect(res.statusCode, res.body).toBe(402);
  const error = ErrorEnvelope.parse(res.json()).error;
  expect(error.code).toBe('PLAN_LIMIT_REACHED');
  expect(error.details?.[0]).toMatchObject({ limit });
}

async function habitNames(app: App, user: TestUser): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: '/api/v1/habits?limit=100', headers: { cookie: user.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { data: Array<{ name: string }> }).data.map((h) => h.name).sort();
}

describe('plan limits', () => {
  it('Free stops at the limit with 402; an upgrade by webhook lifts it; a downgrade keeps the data and blocks new habits', async () => {
    const { app, fake } = await setupBilling();
    const user = await signUp(app);

    const ids = await createHabits(app, user, FREE_LIMIT);
    await expectLimitReached(app, user, FREE_LIMIT);
    expect((await getBilling(app, user)).entitlements.activeHabits).toEqual({ limit: FREE_LIMIT, used: FREE_LIMIT });

    // Upgrade: Checkout, payment, webhooks. No other call changes the plan.
    const subscription = await upgrade(app, fake, user);
    ids.push(...(await createHabits(app, user, 3)));
    expect(await getBilling(app, user)).toMatchObject({
      plan: 'pro',
      entitlements: { activeHabits: { limit: MAX_ACTIVE_HABITS, used: FREE_LIMIT + 3 } },
    });
    const yesterday = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    const checkIn = await app.inject({
      method: 'PUT',
      url: `/api/v1/habits/${ids[FREE_LIMIT + 2]}/checkins/${yesterday}`,
      headers: { cookie: user.cookie },
      payload: { status: 'done' } satisfies PutCheckIn,
    });
    expect(checkIn.statusCode, checkIn.body).toBe(200);

    // Downgrade: the subscription ends and Stripe says so.
    const ended = fake.updateSubscription(subscription.id, { status: 'canceled' });
    expect(await deliverOk(app, stripeEvent('customer.subscription.deleted', fake.snapshot(ended)))).toBe('applied');
    expect((await getBilling(app, user)).plan).toBe('free');

    // Every habit and check-in is still there…
    expect(await habitNames(app, user)).toHaveLength(FREE_LIMIT + 3);
    const history = await app.inject({
      method: 'GET',
      url: `/api/v1/habits/${ids[FREE_LIMIT + 2]}/checkins?from=${yesterday}&to=${yesterday}`,
      headers: { cookie: user.cookie },
    });
    expect(history.statusCode, history.body).toBe(200);
    expect(history.body).toContain('"done"');
    // …but no new habit until the active ones are under the limit again.
    await expectLimitReached(app, user, FREE_LIMIT);
    for (const id of ids.slice(0, 4)) {
      const archived = await app.inject({
        method: 'PATCH',
        url: `/api/v1/habits/${id}`,
        headers: { cookie: user.cookie },
        payload: { archived: true },
      });
      expect(archived.statusCode, archived.body).toBe(200);
    }
    await createHabits(app, user, 1);
    await expectLimitReached(app, user, FREE_LIMIT);
  });

  it('the limit is per user: one user at the limit does not block another', async () => {
    const { app } = await setupBilling({ extraEnv: { PLAN_FREE_ACTIVE_HABITS: '1' } });
    const first = await signUp(app);
    const second = await signUp(app);
    await createHabits(app, first, 1);
    await expectLimitReached(app, first, 1);
    await createHabits(app, second, 1);
  });

  it('self-hosted (no Stripe keys): no plan limit, only the ceiling every account has', async () => {
    const { app, database } = await setup();
    const user = await signUp(app);
    await createHabits(app, user, FREE_LIMIT + 2);
    // Up to one below the ceiling directly in the table (a thousand requests would only be slow).
    await database.rows(sql`
      insert into habits (user_id, name, color, type, frequency_times, frequency_days, start_date, position)
      select ${user.id}, 'Bulk ' || n, '#336699', 'boolean', 1, 1, current_date, 100 + n
      from generate_series(1, ${MAX_ACTIVE_HABITS - FREE_LIMIT - 3}) as n`);
    await createHabits(app, user, 1);
    await expectLimitReached(app, user, MAX_ACTIVE_HABITS);
  });

  it(`archived habits count towards the ceiling of ${MAX_HABITS_PER_USER} habits per account`, async () => {
    const { app, database } = await setup();
    const user = await signUp(app);
    await database.rows(sql`
      insert into habits (user_id, name, color, type, frequency_times, frequency_days, start_date, position, archived_at)
      select ${user.id}, 'Archived ' || n, '#336699', 'boolean', 1, 1, current_date, n, now()
      from generate_series(1, ${MAX_HABITS_PER_USER - 1}) as n`);
    await createHabits(app, user, 1);
    const res = await createHabit(app, user, 'One too many');
    expect(res.statusCode, res.body).toBe(409);
    const error = ErrorEnvelope.parse(res.json()).error;
    expect(error.code).toBe('CONFLICT');
    expect(error.details).toEqual([{ resource: 'habits', limit: MAX_HABITS_PER_USER, usage: MAX_HABITS_PER_USER }]);
    // Deleting one makes room again.
    const [archived] = await database.rows<{ id: string }>(
      sql`select id from habits where user_id = ${user.id} and archived_at is not null limit 1`,
    );
    const del = await app.inject({
      method: 'DELETE',
      url: `/api/v1/habits/${archived?.id}`,
      headers: { cookie: user.cookie },
    });
    expect(del.statusCode, del.body).toBe(204);
    await createHabits(app, user, 1);
  });
});
