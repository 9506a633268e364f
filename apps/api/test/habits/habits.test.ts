/**
 * The habits API end to end, on the real database. Expected numbers are derived by hand from
 * the rules of DESIGN §5 (m = 0.5^(sqrt(times/days)/13); score = previous·m + c·(1 − m)).
 */
import { CheckIn, HabitCalendar, HabitStreaks, HabitWithSummary, Today } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import { fixedClock, habitsApi, multiplier } from '../helpers/habits.js';
import { setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

// A UTC user at noon: today is 2026-03-10 (a Tuesday).
const NOON = '2026-03-10T12:00:00.000Z';
const TODAY = '2026-03-10';
const m = multiplier(1, 1);

async function start() {
  const clock = fixedClock(NOON);
  const { app, database } = await setup({ deps: { clock } });
  const user = await signUp(app);
  return { app, database, clock, user, api: habitsApi(app, user) };
}

describe('habits: create, read, list', () => {
  it('creates a boolean daily habit with defaults and returns it with its summary', async () => {
    const { api } = await start();
    const habit = await api.create({ name: '  Read  ' });
    expect(habit).toMatchObject({
      name: 'Read',
      description: null,
      color: '#3B82F6',
      icon: null,
      type: 'boolean',
      frequency: { times: 1, days: 1 },
      target: null,
      startDate: TODAY,
      position: 0,
      archived: false,
      archivedAt: null,
    });
    expect(habit.summary).toEqual({
      today: TODAY,
      entry: null,
      status: 'unknown',
      requiredToday: true,
      completedToday: false,
      score: 0,
      currentStreak: null,
      bestStreak: null,
    });
    const second = await api.create({ name: 'Walk', color: '#10b981', icon: 'shoe', startDate: '2025-01-01' });
    expect(second).toMatchObject({ position: 1, color: '#10b981', icon: 'shoe', startDate: '2025-01-01' });

    const one = await api.get(`/api/v1/habits/${habit.id}`);
    expect(one.statusCode).toBe(200);
    expect(HabitWithSummary.parse(one.json())).toEqual(habit);

    const list = await api.get('/api/v1/habits?limit=1');
    expect(list.statusCode).toBe(200);
    const page1 = list.json() as { data: HabitWithSummary[]; nextCursor: string | null };
    expect(page1.data.map((h) => h.name)).toEqual(['Read']);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = (await api.get(`/api/v1/habits?limit=1&cursor=${page1.nextCursor}`)).json();
    expect(page2.data.map((h: HabitWithSummary) => h.name)).toEqual(['Walk']);
    expect(page2.nextCursor).toBeNull();
  });

  it('a measurable habit keeps its target', async () => {
    const { api } = await start();
    const habit = await api.create({
      name: 'Run',
      type: 'measurable',
      frequency: { times: 1, days: 7 },
      target: { value: 15, unit: 'km', direction: 'at_least' },
    });
    expect(habit).toMatchObject({ type: 'measurable', target: { value: 15, unit: 'km', direction: 'at_least' } });
  });
});

describe('worked examples through the API (derived by hand)', () => {
  it('daily, three done days (two back-filled before the start date): score 1 − m³, streak 3', async () => {
    const { api } = await start();
    const habit = await api.create({ name: 'Meditate' });
    await api.checkIn(habit.id, '2026-03-08', { status: 'done' });
    await api.checkIn(habit.id, '2026-03-09', { status: 'done' });
    const written = await api.checkIn(habit.id, TODAY, { status: 'done', note: 'morning' });
    expect(CheckIn.parse(written.checkIn)).toMatchObject({ date: TODAY, status: 'done', value: null, note: 'morning' });
    const streak = { start: '2026-03-08', end: TODAY, length: 3 };
    expect(written.summary).toMatchObject({ status: 'done', currentStreak: streak, completedToday: true });
    expect(written.summary.score).toBeCloseTo(1 - m ** 3, 12);

    const today = Today.parse((await api.get('/api/v1/today')).json());
    expect(today.date).toBe(TODAY);
    const item = today.habits[0] as HabitWithSummary;
    expect(item.summary.entry).toMatchObject({ date: TODAY, status: 'done', note: 'morning' });
    expect(item.summary.score).toBeCloseTo(1 - m ** 3, 12);
    expect(item.summary.currentStreak).toEqual(streak);
    expect(item.summary.bestStreak).toEqual(streak);

    const calendar = HabitCalendar.parse(
      (await api.get(`/api/v1/habits/${habit.id}/calendar?from=2026-03-07&to=2026-03-11`)).json(),
    );
    expect(calendar.days.map((d) => [d.date, d.status, d.note])).toEqual([
      ['2026-03-07', 'unknown', null],
      ['2026-03-08', 'done', null],
      ['2026-03-09', 'done', null],
      ['2026-03-10', 'done', 'morning'],
      ['2026-03-11', 'unknown', null],
    ]);
    const scores = calendar.days.map((d) => d.score);
    expect(scores[0]).toBe(0);
    expect(scores[1]).toBeCloseTo(1 - m, 12);
    expect(scores[2]).toBeCloseTo(1 - m ** 2, 12);
    expect(scores[3]).toBeCloseTo(1 - m ** 3, 12);
    expect(scores[4]).toBeNull();

    const streaks = HabitStreaks.parse((await api.get(`/api/v1/habits/${habit.id}/streaks`)).json());
    expect(streaks).toEqual({ current: streak, best: [streak] });
    // The list, /today, /calendar and /streaks agree.
    const listed = (await api.get('/api/v1/habits')).json().data[0] as HabitWithSummary;
    expect(listed.summary).toEqual(item.summary);
    expect(scores[3]).toBe(item.summary.score);
  });

  it('3 per week: three done days in a row open a 7-day window; the rest of it is auto', async () => {
    const { api } = await start();
    const habit = await api.create({ name: 'Gym', frequency: { times: 3, days: 7 } });
    for (const day of ['2026-03-04', '2026-03-05', '2026-03-06']) await api.checkIn(habit.id, day, { status: 'done' });
    const calendar = HabitCalendar.parse(
      (await api.get(`/api/v1/habits/${habit.id}/calendar?from=2026-03-03&to=${TODAY}`)).json(),
    );
    expect(calendar.days.map((d) => d.status)).toEqual([
      'unknown',
      'done',
      'done',
      'done',
      'auto',
      'auto',
      'auto',
      'auto',
    ]);
    // c = done-days in the last 14 days / 6 (3 per week judged as 6 in 14).
    const m37 = multiplier(3, 7);
    let score = 0;
    const expected = [0];
    for (const c of [1 / 6, 2 / 6, 3 / 6, 3 / 6, 3 / 6, 3 / 6, 3 / 6]) {
      score = score * m37 + c * (1 - m37);
      expected.push(score);
    }
    calendar.days.forEach((d, i) => {
      expect(d.score).toBeCloseTo(expected[i] as number, 12);
    });
    const { summary } = HabitWithSummary.parse((await api.get(`/api/v1/habits/${habit.id}`)).json());
    expect(summary).toMatchObject({
      status: 'auto',
      requiredToday: false,
      completedToday: true,
      currentStreak: { start: '2026-03-04', end: TODAY, length: 7 },
    });
  });

  it('skips keep a boolean streak and leave the score unchanged; an explicit miss breaks it', async () => {
    const { api } = await start();
    const skipping = await api.create({ name: 'Stretch' });
    await api.checkIn(skipping.id, '2026-03-08', { status: 'done' });
    await api.checkIn(skipping.id, '2026-03-09', { status: 'skipped', note: 'travel' });
    await api.checkIn(skipping.id, TODAY, { status: 'done' });
    const skipCal = HabitCalendar.parse(
      (await api.get(`/api/v1/habits/${skipping.id}/calendar?from=2026-03-08&to=${TODAY}`)).json(),
    );
    expect(skipCal.days.map((d) => d.score)).toEqual([
      expect.closeTo(1 - m, 12),
      expect.closeTo(1 - m, 12),
      expect.closeTo(1 - m ** 2, 12),
    ]);
    expect(skipCal.days[1]).toMatchObject({ status: 'skipped', note: 'travel' });
    const skipStreaks = HabitStreaks.parse((await api.get(`/api/v1/habits/${skipping.id}/streaks`)).json());
    expect(skipStreaks.current).toEqual({ start: '2026-03-08', end: TODAY, length: 3 });

    const missing = await api.create({ name: 'Floss' });
    await api.checkIn(missing.id, '2026-03-08', { status: 'done' });
    await api.checkIn(missing.id, '2026-03-09', { status: 'missed', note: 'sick' });
    await api.checkIn(missing.id, TODAY, { status: 'done' });
    const missCal = HabitCalendar.parse(
      (await api.get(`/api/v1/habits/${missing.id}/calendar?from=2026-03-08&to=${TODAY}`)).json(),
    );
    expect(missCal.days.map((d) => d.status)).toEqual(['done', 'missed', 'done']);
    expect(missCal.days[2]?.score).toBeCloseTo((1 - m) * m ** 2 + (1 - m), 12);
    const missStreaks = HabitStreaks.parse((await api.get(`/api/v1/habits/${missing.id}/streaks?limit=5`)).json());
    expect(missStreaks).toEqual({
      current: { start: TODAY, end: TODAY, length: 1 },
      // Equal lengths: the later one ranks first, and the list is newest first.
      best: [
        { start: TODAY, end: TODAY, length: 1 },
        { start: '2026-03-08', end: '2026-03-08', length: 1 },
      ],
    });
  });

  it('measurable at least 5 km a day: 6 then 3; today is still open', async () => {
    const { api } = await start();
    const habit = await api.create({
      name: 'Run',
      type: 'measurable',
      frequency: { times: 1, days: 1 },
      target: { value: 5, unit: 'km', direction: 'at_least' },
    });
    await api.checkIn(habit.id, '2026-03-09', { value: 6 });
    const written = await api.checkIn(habit.id, TODAY, { value: 3 });
    expect(written.checkIn).toMatchObject({ status: null, value: 3 });
    // c = min(1, 6/5) = 1, then 3/5.
    expect(written.summary.score).toBeCloseTo((1 - m) * m + 0.6 * (1 - m), 12);
    expect(written.summary).toMatchObject({
      status: 'missed',
      completedToday: false,
      currentStreak: { start: '2026-03-09', end: '2026-03-09', length: 1 },
    });
    const stats = (await api.get(`/api/v1/habits/${habit.id}/stats?from=2026-03-09&to=${TODAY}`)).json();
    expect(stats.totals).toMatchObject({ days: 2, trackedDays: 2, done: 1, missed: 1, completed: 1, value: 9 });
    // Today is open (more can be added), so it is not held against the rate yet: 1 / 1.
    expect(stats.completionRate).toBe(1);
  });

  it('measurable at most 2 coffees a day starts from strength 1.0', async () => {
    const { api } = await start();
    const habit = await api.create({
      name: 'Coffee',
      type: 'measurable',
      target: { value: 2, unit: 'cups', direction: 'at_most' },
    });
    const written = await api.checkIn(habit.id, TODAY, { value: 3 });
    // c = clamp(1 − (3 − 2)/2, 0, 1) = 0.5, previous = 1.
    expect(written.summary.score).toBeCloseTo(m + 0.5 * (1 - m), 12);
    expect(written.summary.status).toBe('missed');
    const ok = await api.checkIn(habit.id, TODAY, { value: 1 });
    expect(ok.summary.score).toBeCloseTo(1, 12);
    expect(ok.summary.status).toBe('done');
  });
});

describe('check-ins', () => {
  it('PUT is idempotent and replaces the day; DELETE makes it unknown again', async () => {
    const { api } = await start();
    const habit = await api.create({ name: 'Read' });
    const first = await api.checkIn(habit.id, TODAY, { status: 'done', note: 'a' });
    const again = await api.checkIn(habit.id, TODAY, { status: 'done', note: 'a' });
    // The same state again; only the write time moves.
    expect({ ...again.summary, entry: { ...again.summary.entry, updatedAt: 0 } }).toEqual({
      ...first.summary,
      entry: { ...first.summary.entry, updatedAt: 0 },
    });
    await api.checkIn(habit.id, TODAY, { status: 'skipped' });
    const list = (await api.get(`/api/v1/habits/${habit.id}/checkins`)).json();
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ date: TODAY, status: 'skipped', note: null });
    expect(list).toMatchObject({ from: '2026-02-09', to: TODAY });

    const del = await api.send('DELETE', `/api/v1/habits/${habit.id}/checkins/${TODAY}`);
    expect(del.statusCode).toBe(204);
    const after = HabitWithSummary.parse((await api.get(`/api/v1/habits/${habit.id}`)).json());
    expect(after.summary).toMatchObject({ status: 'unknown', entry: null, score: 0 });
    expect((await api.send('DELETE', `/api/v1/habits/${habit.id}/checkins/${TODAY}`)).statusCode).toBe(204);
  });

  it('two app instances never serve each other a stale history', async () => {
    const clock = fixedClock(NOON);
    const a = await setup({ deps: { clock } });
    const b = await setup({ deps: { clock }, database: a.database });
    const user = await signUp(a.app);
    const onA = habitsApi(a.app, user);
    const onB = habitsApi(b.app, user);
    const habit = await onA.create({ name: 'Read' });
    await onA.checkIn(habit.id, TODAY, { status: 'done' });
    expect((await onB.get('/api/v1/today')).json().habits[0].summary.status).toBe('done');
    await onB.checkIn(habit.id, TODAY, { status: 'missed' });
    expect((await onA.get('/api/v1/today')).json().habits[0].summary.status).toBe('missed');
    await onB.send('DELETE', `/api/v1/habits/${habit.id}/checkins/${TODAY}`);
    expect((await onA.get('/api/v1/today')).json().habits[0].summary.status).toBe('unknown');
  });

  it('a batch is applied atomically and idempotently; the last entry for a day wins', async () => {
    const { api } = await start();
    const read = await api.create({ name: 'Read' });
    const run = await api.create({
      name: 'Run',
      type: 'measurable',
      target: { value: 5, unit: 'km', direction: 'at_least' },
    });
    const batch = {
      checkIns: [
        { habitId: read.id, date: '2026-03-08', status: 'done' },
        { habitId: read.id, date: '2026-03-09', status: 'missed' },
        { habitId: read.id, date: '2026-03-09', status: 'done', note: 'caught up' },
        { habitId: run.id, date: TODAY, value: 7.5 },
      ],
    };
    const res = await api.send('POST', '/api/v1/checkins/batch', batch);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().written).toHaveLength(3);
    const again = await api.send('POST', '/api/v1/checkins/batch', batch);
    expect(again.statusCode).toBe(200);
    const readList = (await api.get(`/api/v1/habits/${read.id}/checkins`)).json().data;
    expect(readList.map((c: CheckIn) => [c.date, c.status, c.note])).toEqual([
      ['2026-03-08', 'done', null],
      ['2026-03-09', 'done', 'caught up'],
    ]);

    // One bad entry rejects the whole batch: nothing of it is written.
    const bad = await api.send('POST', '/api/v1/checkins/batch', {
      checkIns: [
        { habitId: read.id, date: TODAY, status: 'done' },
        { habitId: run.id, date: TODAY, status: 'done' },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0]).toMatchObject({ location: 'body', path: 'checkIns.1.status' });
    expect((await api.get(`/api/v1/habits/${read.id}/checkins?from=${TODAY}`)).json().data).toEqual([]);

    // Deleting in a batch.
    const del = await api.send('POST', '/api/v1/checkins/batch', {
      checkIns: [{ habitId: read.id, date: '2026-03-08', delete: true }],
    });
    expect(del.json()).toEqual({ written: [], deleted: [{ habitId: read.id, date: '2026-03-08' }] });
  });

  it("a batch naming another user's habit is rejected whole with 404, nothing written", async () => {
    const { app, api } = await start();
    const mine = await api.create({ name: 'Mine' });
    const other = habitsApi(app, await signUp(app));
    const theirs = await other.create({ name: 'Theirs' });
    const res = await api.send('POST', '/api/v1/checkins/batch', {
      checkIns: [
        { habitId: mine.id, date: TODAY, status: 'done' },
        { habitId: theirs.id, date: TODAY, status: 'done' },
      ],
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'NOT_FOUND', details: [{ path: 'checkIns.1.habitId' }] });
    expect((await api.get(`/api/v1/habits/${mine.id}/checkins`)).json().data).toEqual([]);
    expect((await other.get(`/api/v1/habits/${theirs.id}/checkins`)).json().data).toEqual([]);
  });
});

describe('order, archive, delete, export', () => {
  it('reorders: listed habits first, the rest keep their order', async () => {
    const { api } = await start();
    const [a, b, c] = [
      await api.create({ name: 'A' }),
      await api.create({ name: 'B' }),
      await api.create({ name: 'C' }),
    ];
    const res = await api.send('PUT', '/api/v1/habits/order', { habitIds: [c.id] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual([
      { id: c.id, position: 0 },
      { id: a.id, position: 1 },
      { id: b.id, position: 2 },
    ]);
    const today = Today.parse((await api.get('/api/v1/today')).json());
    expect(today.habits.map((h) => h.name)).toEqual(['C', 'A', 'B']);
    const dup = await api.send('PUT', '/api/v1/habits/order', { habitIds: [a.id, a.id] });
    expect(dup.statusCode).toBe(400);
    const unknown = await api.send('PUT', '/api/v1/habits/order', { habitIds: [a.id, crypto.randomUUID()] });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.details[0].path).toBe('habitIds.1');
  });

  it('archives and restores; archived habits leave /today and the active list', async () => {
    const { api } = await start();
    const habit = await api.create({ name: 'Old' });
    await api.checkIn(habit.id, TODAY, { status: 'done' });
    const archived = await api.send('PATCH', `/api/v1/habits/${habit.id}`, { archived: true });
    expect(archived.statusCode).toBe(200);
    expect(archived.json()).toMatchObject({ archived: true, archivedAt: NOON });
    expect((await api.get('/api/v1/today')).json().habits).toEqual([]);
    expect((await api.get('/api/v1/habits')).json().data).toEqual([]);
    expect((await api.get('/api/v1/habits?archived=true')).json().data.map((h: HabitWithSummary) => h.id)).toEqual([
      habit.id,
    ]);
    const restored = await api.send('PATCH', `/api/v1/habits/${habit.id}`, { archived: false, name: 'New' });
    expect(restored.json()).toMatchObject({ archived: false, archivedAt: null, name: 'New' });
    expect(restored.json().summary.status).toBe('done');
  });

  it('a new frequency recomputes the history', async () => {
    const { api } = await start();
    const habit = await api.create({ name: 'Gym' });
    await api.checkIn(habit.id, '2026-03-09', { status: 'done' });
    const before = HabitWithSummary.parse((await api.get(`/api/v1/habits/${habit.id}`)).json());
    expect(before.summary.status).toBe('unknown');
    const after = await api.send('PATCH', `/api/v1/habits/${habit.id}`, { frequency: { times: 1, days: 2 } });
    // 1 in 2 days: the done day opens a 2-day window 03-09..03-10, so today is auto.
    expect(after.json().summary).toMatchObject({ status: 'auto', requiredToday: false });
  });

  it('deletes a habit with its check-ins; the export lists habits and check-ins', async () => {
    const { api } = await start();
    const keep = await api.create({ name: 'Keep' });
    const gone = await api.create({ name: 'Gone' });
    await api.checkIn(keep.id, TODAY, { status: 'done' });
    await api.checkIn(gone.id, TODAY, { status: 'done' });
    expect((await api.send('DELETE', `/api/v1/habits/${gone.id}`)).statusCode).toBe(204);
    expect((await api.get(`/api/v1/habits/${gone.id}`)).statusCode).toBe(404);
    const exported = (await api.get('/api/v1/me/export')).json();
    expect(exported.habits.map((h: { id: string }) => h.id)).toEqual([keep.id]);
    expect(exported.checkIns).toEqual([expect.objectContaining({ habitId: keep.id, date: TODAY, status: 'done' })]);
  });

  it('deleting the account removes its habits and check-ins', async () => {
    const { api, database, user } = await start();
    const habit = await api.create({ name: 'Read' });
    await api.checkIn(habit.id, TODAY, { status: 'done' });
    const res = await api.send('DELETE', '/api/v1/me');
    expect(res.statusCode, res.body).toBe(204);
    const { sql } = await import('drizzle-orm');
    const rows = await database.rows(
      sql`select (select count(*) from habits where user_id = ${user.id})::int as habits, (select count(*) from check_ins where user_id = ${user.id})::int as check_ins`,
    );
    expect(rows).toEqual([{ habits: 0, check_ins: 0 }]);
  });
});
