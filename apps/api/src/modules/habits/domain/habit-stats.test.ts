import { describe, expect, it } from 'vitest';
import { addDays } from './calendar-day.js';
import { computeHabit } from './habit-computation.js';
import type { CheckIn, HabitDefinition } from './habit-history.js';
import { computeStats } from './habit-stats.js';

const TODAY = '2026-03-15'; // a Sunday
const day = (date: string, status: CheckIn['status'], value: number | null = null, note?: string): CheckIn => ({
  date,
  status,
  value,
  ...(note === undefined ? {} : { note }),
});
const daily: HabitDefinition = { type: 'boolean', frequency: { times: 1, days: 1 } };
const M1 = 0.5 ** (1 / 13);

describe('statistics over a range', () => {
  // Mon 03-09 done, Tue 03-10 done, Wed 03-11 missed, Thu 03-12 skipped ("ill"),
  // Fri 03-13 done, Sat 03-14 nothing, Sun 03-15 (today) nothing yet.
  const checkIns = [
    day('2026-03-09', 'done'),
    day('2026-03-10', 'done'),
    day('2026-03-11', 'missed', null, 'overslept'),
    day('2026-03-12', 'skipped', null, 'ill'),
    day('2026-03-13', 'done'),
  ];
  const computation = computeHabit(daily, checkIns, TODAY);

  it('completion rate, totals, weekdays, months', () => {
    const stats = computeStats(computation, '2026-03-01', '2026-03-31');
    // Tracked: 03-09 .. 03-15 = 7 days: 3 done, 1 missed, 1 skipped, 2 unknown.
    expect(stats.totals).toEqual({
      days: 31,
      trackedDays: 7,
      done: 3,
      auto: 0,
      skipped: 1,
      missed: 1,
      unknown: 2,
      completed: 3,
      value: 0,
    });
    // 3 completed / (7 tracked − 1 skipped − today, still open) = 3/5.
    expect(stats.completionRate).toBeCloseTo(3 / 5, 15);
    expect(stats.byWeekday.map((w) => w.done)).toEqual([0, 1, 1, 0, 0, 1, 0]); // Mon, Tue, Fri
    expect(stats.byMonth).toEqual([{ month: '2026-03', trackedDays: 7, done: 3, completed: 3, value: 0 }]);
  });

  it('a calendar row per day with status, note and score', () => {
    const stats = computeStats(computation, '2026-03-01', '2026-03-31');
    expect(stats.calendar).toHaveLength(31);
    const row = (d: string) => stats.calendar.find((r) => r.date === d);
    expect(row('2026-03-01')).toEqual({ date: '2026-03-01', status: 'unknown', value: null, note: null, score: 0 });
    // Scores: 03-09 1 − m, 03-10 1 − m², 03-11 (1 − m²)m, 03-12 skipped: unchanged.
    expect(row('2026-03-09')?.score).toBeCloseTo(1 - M1, 12);
    expect(row('2026-03-11')).toMatchObject({ status: 'missed', note: 'overslept' });
    expect(row('2026-03-11')?.score).toBeCloseTo((1 - M1 * M1) * M1, 12);
    expect(row('2026-03-12')).toMatchObject({ status: 'skipped', note: 'ill', score: row('2026-03-11')?.score });
    // 03-13: (1 − m²)m·m + (1 − m); today two days later: × m².
    expect(row('2026-03-15')?.score).toBeCloseTo(((1 - M1 * M1) * M1 * M1 + (1 - M1)) * M1 * M1, 12);
    // After today: unknown, no score.
    expect(row('2026-03-16')).toEqual({ date: '2026-03-16', status: 'unknown', value: null, note: null, score: null });
  });

  it('best streaks that overlap the range, newest first', () => {
    // Streaks: 03-12..03-13 (skip + done) and 03-09..03-10, both 2 days.
    expect(computeStats(computation, '2026-03-01', '2026-03-31').bestStreaks).toEqual([
      { start: '2026-03-12', end: '2026-03-13', length: 2 },
      { start: '2026-03-09', end: '2026-03-10', length: 2 },
    ]);
    expect(computeStats(computation, '2026-03-01', '2026-03-09', { bestStreaks: 5 }).bestStreaks).toEqual([
      { start: '2026-03-09', end: '2026-03-10', length: 2 },
    ]);
    expect(computeStats(computation, '2026-03-01', '2026-03-31', { bestStreaks: 1 }).bestStreaks).toEqual([
      { start: '2026-03-12', end: '2026-03-13', length: 2 },
    ]);
  });

  it('a range across months; a range with nothing tracked has no rate', () => {
    const stats = computeStats(computation, '2026-02-27', '2026-03-10', { calendar: false });
    expect(stats.byMonth.map((m) => [m.month, m.trackedDays, m.done])).toEqual([
      ['2026-02', 0, 0],
      ['2026-03', 2, 2],
    ]);
    expect(stats.calendar).toEqual([]);
    expect(stats.completionRate).toBe(1); // 2 done of 2 tracked
    expect(computeStats(computation, '2026-02-01', '2026-02-28').completionRate).toBeNull();
    expect(() => computeStats(computation, '2026-03-10', '2026-03-01')).toThrow(RangeError);
  });

  it('3 per week: automatic days count as completed', () => {
    // History of habit-history.test.ts: t-13 .. t = M . A A D A D A D A A A D .
    // 4 done (D) + 7 auto (A) = 11 completed; 14 tracked, today open -> 11/13.
    const t = (k: number) => addDays(TODAY, -k);
    const c = computeHabit(
      { type: 'boolean', frequency: { times: 3, days: 7 } },
      [1, 5, 7, 9].map((k) => day(t(k), 'done')).concat([day(t(3), 'missed'), day(t(13), 'missed')]),
      TODAY,
    );
    const stats = computeStats(c, t(20), TODAY);
    expect(stats.totals).toMatchObject({ trackedDays: 14, done: 4, auto: 7, missed: 1, unknown: 2, completed: 11 });
    expect(stats.completionRate).toBeCloseTo(11 / 13, 15);
  });

  it('measurable: values summed per weekday and month, target-met days completed', () => {
    // At least 5 a day: Mon 03-09 6, Tue 03-10 2, Wed 03-11 skipped (value ignored), Sun 03-15 5.
    const c = computeHabit(
      { type: 'measurable', frequency: { times: 1, days: 1 }, target: { value: 5, direction: 'at_least' } },
      [
        day('2026-03-09', null, 6),
        day('2026-03-10', null, 2),
        day('2026-03-11', 'skipped', 9),
        day('2026-03-15', null, 5),
      ],
      TODAY,
    );
    const stats = computeStats(c, '2026-03-09', '2026-03-15');
    expect(stats.totals).toMatchObject({
      trackedDays: 7,
      done: 2,
      missed: 1,
      skipped: 1,
      unknown: 3,
      completed: 2,
      value: 13,
    });
    // 2 completed / (7 − 1 skipped); today has met its target, so it is not open.
    expect(stats.completionRate).toBeCloseTo(2 / 6, 15);
    expect(stats.byWeekday.map((w) => w.value)).toEqual([5, 6, 2, 0, 0, 0, 0]);
    expect(stats.byWeekday.map((w) => w.done)).toEqual([1, 1, 0, 0, 0, 0, 0]);
    expect(stats.calendar.map((r) => r.value)).toEqual([6, 2, null, null, null, null, 5]);
  });
});
