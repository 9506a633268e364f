import { describe, expect, it } from 'vitest';
import { addDays, localToday } from './calendar-day.js';
import { computeHabit, summarizeHabit } from './habit-computation.js';
import type { CheckIn, HabitDefinition } from './habit-history.js';
import { computeStats } from './habit-stats.js';

const daily: HabitDefinition = { type: 'boolean', frequency: { times: 1, days: 1 } };
const M1 = 0.5 ** (1 / 13);
const done = (date: string): CheckIn => ({ date, status: 'done', value: null });

describe('computeHabit + summarizeHabit', () => {
  it('summarises today: status, score, current and best streak', () => {
    const checkIns = ['2026-03-12', '2026-03-13', '2026-03-14'].map(done);
    const summary = summarizeHabit(computeHabit(daily, checkIns, '2026-03-15'));
    // Three done days then today still open: score (1 − m³)·m, current streak ends yesterday.
    expect(summary).toMatchObject({
      today: '2026-03-15',
      status: 'unknown',
      value: null,
      completed: false,
      open: true,
      currentStreak: { start: '2026-03-12', end: '2026-03-14', length: 3 },
      currentStreakLength: 3,
      bestStreak: { start: '2026-03-12', end: '2026-03-14', length: 3 },
      firstDay: '2026-03-12',
    });
    expect(summary.score).toBeCloseTo((1 - M1 ** 3) * M1, 12);
  });

  it('list, calendar and streaks agree', () => {
    const today = '2026-03-15';
    const checkIns = [1, 2, 3, 5, 6, 9].map((k) => done(addDays(today, -k)));
    const c = computeHabit({ type: 'boolean', frequency: { times: 3, days: 7 } }, checkIns, today);
    const summary = summarizeHabit(c);
    const stats = computeStats(c, addDays(today, -30), today);
    const last = stats.calendar[stats.calendar.length - 1];
    expect(last?.date).toBe(today);
    expect(last?.score).toBe(summary.score);
    expect(last?.status).toBe(summary.status);
    expect(stats.bestStreaks[0]).toEqual(summary.bestStreak);
  });
});

describe('time zones end to end', () => {
  const instant = new Date('2026-01-15T10:30:00Z');
  const checkIns = ['2026-01-13', '2026-01-14', '2026-01-15'].map(done);

  it('Honolulu (00:30 on the 15th) and Kiritimati (00:30 on the 16th) at the same instant', () => {
    const honolulu = summarizeHabit(computeHabit(daily, checkIns, localToday(instant, 'Pacific/Honolulu')));
    expect(honolulu).toMatchObject({ today: '2026-01-15', status: 'done', currentStreakLength: 3 });
    expect(honolulu.score).toBeCloseTo(1 - M1 ** 3, 12);

    const kiritimati = summarizeHabit(computeHabit(daily, checkIns, localToday(instant, 'Pacific/Kiritimati')));
    expect(kiritimati).toMatchObject({ today: '2026-01-16', status: 'unknown', open: true, currentStreakLength: 3 });
    expect(kiritimati.score).toBeCloseTo((1 - M1 ** 3) * M1, 12);
  });

  it('a night owl in Honolulu (day starts at 4): 00:30 still belongs to the 14th', () => {
    const today = localToday(instant, 'Pacific/Honolulu', 4);
    expect(today).toBe('2026-01-14');
    // The check-in of the 15th is in the future for this user and is ignored.
    const s = summarizeHabit(computeHabit(daily, checkIns, today));
    expect(s).toMatchObject({ status: 'done', currentStreak: { start: '2026-01-13', end: '2026-01-14', length: 2 } });
  });

  it('Berlin across the spring DST change with a day start of 4', () => {
    const z = 'Europe/Berlin';
    const c = ['2026-03-27', '2026-03-28'].map(done);
    // 03:30 CEST on the 29th (01:30Z): still the 28th, done -> streak of 2 including today.
    const at0330 = summarizeHabit(computeHabit(daily, c, localToday(new Date('2026-03-29T01:30:00Z'), z, 4)));
    expect(at0330).toMatchObject({ today: '2026-03-28', status: 'done', currentStreakLength: 2 });
    // 04:00 CEST (02:00Z): the 29th, open -> the streak still counts (ends yesterday).
    const at0400 = summarizeHabit(computeHabit(daily, c, localToday(new Date('2026-03-29T02:00:00Z'), z, 4)));
    expect(at0400).toMatchObject({ today: '2026-03-29', open: true, currentStreakLength: 2 });
    // A day later, the 29th was never checked: no current streak.
    const nextDay = summarizeHabit(computeHabit(daily, c, localToday(new Date('2026-03-30T02:00:00Z'), z, 4)));
    expect(nextDay).toMatchObject({ today: '2026-03-30', currentStreak: null, currentStreakLength: 0 });
  });

  it('Berlin across the autumn DST change: the repeated hour stays on one day', () => {
    const z = 'Europe/Berlin';
    const c = ['2026-10-23', '2026-10-24'].map(done);
    // 02:30 CET, the second 02:30 of the night (01:30Z): the 25th from midnight, the 24th at 4.
    const midnight = summarizeHabit(computeHabit(daily, c, localToday(new Date('2026-10-25T01:30:00Z'), z)));
    expect(midnight).toMatchObject({ today: '2026-10-25', open: true, currentStreakLength: 2 });
    const owl = summarizeHabit(computeHabit(daily, c, localToday(new Date('2026-10-25T01:30:00Z'), z, 4)));
    expect(owl).toMatchObject({ today: '2026-10-24', status: 'done', currentStreakLength: 2 });
  });
});
