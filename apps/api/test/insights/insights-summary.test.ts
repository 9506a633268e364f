import { InsightsSummary } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import { fixedClock, habitsApi } from '../helpers/habits.js';
import { setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

// 10:30 UTC on Sunday 2026-03-15: already Monday 2026-03-16 in Kiritimati (UTC+14).
const INSTANT = '2026-03-15T10:30:00.000Z';

async function userWithHabits(timezone?: string) {
  // No AI variables at all: the summary must not need them.
  const ctx = await setup({ deps: { clock: fixedClock(INSTANT) } });
  const user = await signUp(ctx.app);
  const api = habitsApi(ctx.app, user);
  if (timezone) await api.setProfile({ timezone });
  const read = await api.create({
    name: 'Read',
    type: 'boolean',
    frequency: { times: 1, days: 1 },
    startDate: '2026-03-01',
  });
  const walk = await api.create({
    name: 'Walk',
    type: 'boolean',
    frequency: { times: 1, days: 1 },
    startDate: '2026-03-01',
  });
  // Read: an earlier 3-day streak (03-05..03-07), then 4 days 03-12..03-15.
  for (const d of ['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15']) {
    await api.checkIn(read.id, d, { status: 'done' });
  }
  await api.checkIn(walk.id, '2026-03-15', { status: 'done' });
  const summary = async () => {
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/insights/summary',
      headers: { cookie: user.cookie },
    });
    expect(res.statusCode, res.body).toBe(200);
    return InsightsSummary.parse(res.json());
  };
  return { ...ctx, user, read, walk, summary };
}

describe('GET /api/v1/insights/summary', () => {
  it('answers without any AI configured, for a user with no habits: an empty picture that says what to do', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const res = await app.inject({ method: 'GET', url: '/api/v1/insights/summary', headers: { cookie: user.cookie } });
    expect(res.statusCode).toBe(200);
    const body = InsightsSummary.parse(res.json());
    expect(body).toMatchObject({ habitCount: 0, habits: [], streaksAtRisk: [], strongest: null, weakest: null });
    expect(body.highlights[0]).toMatch(/create one/);
  });

  it('in UTC, both habits are done today: nothing at risk; Read is the strongest', async () => {
    const { summary, read, walk } = await userWithHabits();
    const body = await summary();
    expect(body).toMatchObject({ today: '2026-03-15', timezone: 'UTC', habitCount: 2, streaksAtRisk: [] });
    expect(body.habits.map((h) => [h.habitId, h.currentStreak, h.bestStreak, h.completedToday])).toEqual([
      [read.id, 4, 4, true],
      [walk.id, 1, 1, true],
    ]);
    // Read passed its earlier best (3) on its 4th day, today: a record just reached.
    expect(body.recordsReached).toEqual([{ habitId: read.id, name: 'Read', streak: 4, previousBest: 3 }]);
    expect(body.strongest?.habitId).toBe(read.id);
    expect(body.weakest?.habitId).toBe(walk.id);
  });

  it("in the user's time zone: in Kiritimati it is already the 16th, so both streaks are at risk", async () => {
    const { summary, read, walk } = await userWithHabits('Pacific/Kiritimati');
    const body = await summary();
    expect(body).toMatchObject({ today: '2026-03-16', timezone: 'Pacific/Kiritimati' });
    expect(body.streaksAtRisk).toEqual([
      { habitId: read.id, name: 'Read', currentStreak: 4 },
      { habitId: walk.id, name: 'Walk', currentStreak: 1 },
    ]);
    // The record was passed yesterday (the 15th): still "just reached".
    expect(body.recordsReached).toEqual([{ habitId: read.id, name: 'Read', streak: 4, previousBest: 3 }]);
    expect(body.highlights[0]).toBe('"Read": your 4-day streak ends unless you check in today.');
  });

  it("never shows another user's habits", async () => {
    const { app, summary } = await userWithHabits();
    const other = await signUp(app);
    const res = await app.inject({ method: 'GET', url: '/api/v1/insights/summary', headers: { cookie: other.cookie } });
    expect(InsightsSummary.parse(res.json()).habitCount).toBe(0);
    expect((await summary()).habitCount).toBe(2);
  });
});
