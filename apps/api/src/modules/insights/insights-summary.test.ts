import { describe, expect, it } from 'vitest';
import {
  addDays,
  type CheckIn,
  computeHabit,
  type HabitDefinition,
  summarizeHabit,
  weekday,
} from '../habits/domain/index.js';
import { buildInsightsSummary, type InsightsSnapshot, statisticsHash } from './insights-summary.js';

// 2026-03-15 is a Sunday, so the 12-week window (today-83 .. today) starts on Monday 2025-12-22.
const TODAY = '2026-03-15';
const daily: HabitDefinition = { type: 'boolean', frequency: { times: 1, days: 1 } };

const done = (date: string): CheckIn => ({ date, status: 'done', value: null });
const skipped = (date: string): CheckIn => ({ date, status: 'skipped', value: null });
const ago = (n: number) => addDays(TODAY, -n);

function habit(
  id: string,
  name: string,
  checkIns: CheckIn[],
  definition: HabitDefinition = daily,
): InsightsSnapshot['habits'][number] {
  const computation = computeHabit(definition, checkIns, TODAY);
  return { habit: { id, name, type: definition.type }, computation, summary: summarizeHabit(computation) };
}

function snapshot(...habits: InsightsSnapshot['habits']): InsightsSnapshot {
  return { today: TODAY, timezone: 'Europe/Berlin', habits };
}

describe('buildInsightsSummary: weekdays and trend', () => {
  // Week k (1..12) starts on Monday today-83+7(k-1). Every Monday is done; Tuesdays of weeks 1-6 too.
  const mondays = Array.from({ length: 12 }, (_, k) => ago(83 - 7 * k));
  const tuesdays = mondays.slice(0, 6).map((d) => addDays(d, 1));
  const gym = habit('h-gym', 'Gym', [...mondays, ...tuesdays].map(done));

  it('the window starts on a Monday', () => {
    expect(weekday(ago(83))).toBe(1);
    expect(weekday(TODAY)).toBe(0);
  });

  it('best weekday Monday (12/12); worst the first of the 0% weekdays, Sunday (today open, not counted)', () => {
    const [h] = buildInsightsSummary(snapshot(gym)).habits;
    expect(h?.bestWeekday).toEqual({ weekday: 1, name: 'Monday', completionRate: 1, days: 12 });
    expect(h?.worstWeekday).toEqual({ weekday: 0, name: 'Sunday', completionRate: 0, days: 11 });
  });

  it('trend: 4 done of 27 counted days (today open) against 6 of 28 → down', () => {
    const [h] = buildInsightsSummary(snapshot(gym)).habits;
    // last: Mondays of weeks 9-12 = 4 of 28 days, minus today still open → 4/27 = 0.148.
    // previous: Mondays of weeks 5-8 and Tuesdays of weeks 5-6 = 6/28 = 0.214.
    expect(h?.trend).toEqual({ last4Weeks: 0.148, previous4Weeks: 0.214, change: -0.066, direction: 'down' });
  });

  it('streaks: no current streak (last done-day was Monday), best streak Monday+Tuesday = 2', () => {
    const [h] = buildInsightsSummary(snapshot(gym)).habits;
    expect(h).toMatchObject({ currentStreak: 0, bestStreak: 2, streakAtRisk: false, newRecord: false });
  });

  it('skipped days are excused: a weekday that was only skipped is not rated', () => {
    // Two weeks: every day done except the two Saturdays (skipped) and today.
    const days = Array.from({ length: 14 }, (_, i) => ago(14 - i));
    const checkIns = days.map((d) => (weekday(d) === 6 ? skipped(d) : done(d)));
    const [h] = buildInsightsSummary(snapshot(habit('h', 'Stretch', checkIns))).habits;
    // Every rated weekday is at 100% (Sunday: the one past Sunday; today is open), so no best/worst.
    expect(h?.bestWeekday).toBeNull();
    expect(h?.worstWeekday).toBeNull();
  });

  it('a habit without check-ins: nothing to rate, trend unknown, strength 0', () => {
    const summary = buildInsightsSummary(snapshot(habit('h-new', 'New', [])));
    expect(summary.habits[0]).toMatchObject({
      score: 0,
      currentStreak: 0,
      bestStreak: 0,
      bestWeekday: null,
      worstWeekday: null,
      trend: { last4Weeks: null, previous4Weeks: null, change: null, direction: 'unknown' },
    });
    // A strength of 0 is nobody's strongest habit.
    expect(summary.strongest).toBeNull();
    expect(summary.weakest).toBeNull();
  });

  it('trend up: 20 of 27 against 7 of 25 (the history starts on today-52)', () => {
    const last = Array.from({ length: 20 }, (_, i) => ago(1 + i)); // today-1 .. today-20
    const previous = Array.from({ length: 7 }, (_, i) => ago(28 + i * 4)); // 7 days among today-55..today-28
    const [h] = buildInsightsSummary(snapshot(habit('h', 'Walk', [...last, ...previous].map(done)))).habits;
    // 20/27 = 0.741. The previous window counts only tracked days: today-52 .. today-28 = 25,
    // so 7/25 = 0.28; change 0.741 - 0.28 = 0.461.
    expect(h?.trend).toEqual({ last4Weeks: 0.741, previous4Weeks: 0.28, change: 0.461, direction: 'up' });
  });
});

describe('buildInsightsSummary: streaks at risk and records', () => {
  // Read: an earlier 3-day streak (today-10..today-8), then 4 days up to yesterday: the record
  // (longer than 3) was passed on its 4th day, yesterday → a new record, and at risk today.
  const read = habit(
    'h-read',
    'Read',
    [10, 9, 8, 4, 3, 2, 1].map((n) => done(ago(n))),
  );
  // Walk: earlier 3 days, then 5 days up to yesterday: it passed 3 on today-2 → not "just" reached.
  const walk = habit(
    'h-walk',
    'Walk',
    [11, 10, 9, 5, 4, 3, 2, 1].map((n) => done(ago(n))),
  );
  // Floss: done today as well: its streak is safe.
  const floss = habit(
    'h-floss',
    'Floss',
    [2, 1, 0].map((n) => done(ago(n))),
  );

  it('flags streaks that end yesterday while today is open, longest first', () => {
    const summary = buildInsightsSummary(snapshot(read, walk, floss));
    expect(summary.streaksAtRisk).toEqual([
      { habitId: 'h-walk', name: 'Walk', currentStreak: 5 },
      { habitId: 'h-read', name: 'Read', currentStreak: 4 },
    ]);
    expect(summary.habits.map((h) => [h.name, h.streakAtRisk, h.completedToday])).toEqual([
      ['Read', true, false],
      ['Walk', true, false],
      ['Floss', false, true],
    ]);
  });

  it('a record counts when the earlier best was passed today or yesterday, and not for a first streak', () => {
    const summary = buildInsightsSummary(snapshot(read, walk, floss));
    expect(summary.recordsReached).toEqual([{ habitId: 'h-read', name: 'Read', streak: 4, previousBest: 3 }]);
    expect(summary.habits.map((h) => h.newRecord)).toEqual([true, false, false]);
  });

  it('a tie with the earlier best is not a record', () => {
    const tie = habit(
      'h',
      'Tie',
      [8, 7, 6, 3, 2, 1].map((n) => done(ago(n))),
    );
    expect(buildInsightsSummary(snapshot(tie)).recordsReached).toEqual([]);
  });

  it('measurable at-least: a value below the target today keeps today open, so the streak is at risk', () => {
    const pages = habit(
      'h-pages',
      'Pages',
      [
        { date: ago(3), status: null, value: 12 },
        { date: ago(2), status: null, value: 15 },
        { date: ago(1), status: null, value: 10 },
        { date: TODAY, status: null, value: 5 },
      ],
      { type: 'measurable', frequency: { times: 1, days: 1 }, target: { value: 10, direction: 'at_least' } },
    );
    const summary = buildInsightsSummary(snapshot(pages));
    expect(summary.habits[0]).toMatchObject({
      type: 'measurable',
      currentStreak: 3,
      streakAtRisk: true,
      completedToday: false,
    });
  });

  it('strongest and weakest by strength today; highlights put the urgent facts first', () => {
    const summary = buildInsightsSummary(snapshot(read, walk, floss));
    const scores = Object.fromEntries(summary.habits.map((h) => [h.name, h.score]));
    // Walk has the most done-days (8, recent ones included), Floss the fewest (3).
    expect(scores.Walk).toBeGreaterThan(scores.Read as number);
    expect(scores.Read).toBeGreaterThan(scores.Floss as number);
    expect(summary.strongest).toEqual({ habitId: 'h-walk', name: 'Walk', score: scores.Walk });
    expect(summary.weakest).toEqual({ habitId: 'h-floss', name: 'Floss', score: scores.Floss });
    expect(summary.highlights.slice(0, 3)).toEqual([
      '"Walk": your 5-day streak ends unless you check in today.',
      '"Read": your 4-day streak ends unless you check in today.',
      '"Read": new record, 4 days in a row (best before: 3).',
    ]);
    expect(summary.highlights.at(-2)).toMatch(/^Strongest habit: "Walk"/);
    expect(summary.highlights.at(-1)).toMatch(/^Needs the most attention: "Floss"/);
  });

  it('no habits: an empty summary that says what to do', () => {
    const summary = buildInsightsSummary(snapshot());
    expect(summary).toMatchObject({ habitCount: 0, habits: [], strongest: null, weakest: null });
    expect(summary.highlights).toHaveLength(1);
  });
});

describe('statisticsHash', () => {
  it('is equal for equal statistics and changes with a check-in', () => {
    const a = buildInsightsSummary(snapshot(habit('h', 'Read', [done(ago(1))])));
    const b = buildInsightsSummary(snapshot(habit('h', 'Read', [done(ago(1))])));
    const c = buildInsightsSummary(snapshot(habit('h', 'Read', [done(ago(1)), done(TODAY)])));
    expect(statisticsHash(a)).toBe(statisticsHash(b));
    expect(statisticsHash(a)).not.toBe(statisticsHash(c));
  });
});
