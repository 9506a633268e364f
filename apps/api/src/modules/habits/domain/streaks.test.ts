import { describe, expect, it } from 'vitest';
import { addDays } from './calendar-day.js';
import type { CheckIn, HabitDefinition } from './habit-history.js';
import { computeHistory } from './habit-history.js';
import type { Streak } from './streaks.js';
import { bestStreaks, computeStreakRuns, currentStreak, listStreaks } from './streaks.js';

const TODAY = '2026-03-15';
const t = (k: number): string => addDays(TODAY, -k);
const done = (k: number): CheckIn => ({ date: t(k), status: 'done', value: null });
const skip = (k: number): CheckIn => ({ date: t(k), status: 'skipped', value: null });
const miss = (k: number): CheckIn => ({ date: t(k), status: 'missed', value: null });
const amount = (k: number, value: number): CheckIn => ({ date: t(k), status: null, value });
const boolean = (times: number, days: number): HabitDefinition => ({ type: 'boolean', frequency: { times, days } });
const measurable = (direction: 'at_least' | 'at_most', value: number, days = 1): HabitDefinition => ({
  type: 'measurable',
  frequency: { times: 1, days },
  target: { value, direction },
});
/** A streak from t-a to t-b. */
const s = (a: number, b: number): Streak => ({ start: t(a), end: t(b), length: a - b + 1 });

function streaksOf(def: HabitDefinition, checkIns: CheckIn[]) {
  const h = computeHistory(def, checkIns, TODAY);
  const runs = computeStreakRuns(h);
  return { all: listStreaks(runs), current: currentStreak(h, runs), best: (n: number) => bestStreaks(runs, n) };
}

describe('streaks', () => {
  it('daily: a missed day breaks; the current streak may end yesterday while today is open', () => {
    const base = [done(5), done(4), done(3), miss(2), done(1)];
    const open = streaksOf(boolean(1, 1), base);
    expect(open.all).toEqual([s(1, 1), s(5, 3)]);
    expect(open.current).toEqual(s(1, 1));
    // Today checked: the current streak includes it.
    expect(streaksOf(boolean(1, 1), [...base, done(0)]).current).toEqual(s(1, 0));
    // Today explicitly missed: no current streak.
    expect(streaksOf(boolean(1, 1), [...base, miss(0)]).current).toBeNull();
    // Nothing yesterday or today: no current streak.
    expect(streaksOf(boolean(1, 1), [done(5), done(4)]).current).toBeNull();
  });

  it('boolean: done, auto and skipped days are all in a streak', () => {
    // Daily, skip inside: t-3 D, t-2 S, t-1 D -> one streak of 3.
    expect(streaksOf(boolean(1, 1), [done(3), skip(2), done(1)]).all).toEqual([s(3, 1)]);
    // 1 per 3 days (history A A D D A A . . D A A . .): streaks t-4..t-2 and t-12..t-7.
    const every3 = streaksOf(boolean(1, 3), [done(4), done(9), done(10)]);
    expect(every3.all).toEqual([s(4, 2), s(12, 7)]);
    expect(every3.current).toBeNull(); // it ended the day before yesterday
  });

  it('a window reaching past today counts only up to today', () => {
    // Weekly, done t-3: window t-3..t+3, the streak is t-3..t, 4 days, and current.
    const weekly = streaksOf(boolean(1, 7), [done(3)]);
    expect(weekly.all).toEqual([s(3, 0)]);
    expect(weekly.current).toEqual(s(3, 0));
  });

  it('measurable at least: a day meeting the target is in a streak; skipped breaks', () => {
    // at least 5: t-3 6, t-2 skipped, t-1 5, t 7.
    const r = streaksOf(measurable('at_least', 5), [amount(3, 6), skip(2), amount(1, 5), amount(0, 7)]);
    expect(r.all).toEqual([s(1, 0), s(3, 3)]);
    expect(r.current).toEqual(s(1, 0));
  });

  it('measurable at most: only a known value can meet the target', () => {
    // at most 2: t-3 1, t-2 nothing, t-1 2 -> t-2 breaks.
    const r = streaksOf(measurable('at_most', 2), [amount(3, 1), amount(1, 2)]);
    expect(r.all).toEqual([s(1, 1), s(3, 3)]);
    expect(r.current).toEqual(s(1, 1)); // today has no value yet: open
  });

  it('measurable today: below an at-least target is still open, above an at-most target is not', () => {
    expect(streaksOf(measurable('at_least', 10), [amount(1, 10), amount(0, 4)]).current).toEqual(s(1, 1));
    expect(streaksOf(measurable('at_most', 2), [amount(1, 1), amount(0, 5)]).current).toBeNull();
    expect(streaksOf(measurable('at_least', 10), [amount(1, 10), skip(0)]).current).toBeNull();
  });

  it('best streaks: the N longest, ties to the later one, listed newest first', () => {
    // Daily, oldest to newest: A = t-13..t-12 (2), B = t-10..t-8 (3), C = t-6..t-5 (2),
    // D = t-3..t-1 (3). Ranking: D (3, ends later), B (3), C (2, ends later), A (2).
    const r = streaksOf(boolean(1, 1), [13, 12, 10, 9, 8, 6, 5, 3, 2, 1].map(done));
    const [A, B, C, D] = [s(13, 12), s(10, 8), s(6, 5), s(3, 1)];
    expect(r.all).toEqual([D, C, B, A]);
    expect(r.best(1)).toEqual([D]);
    expect(r.best(2)).toEqual([D, B]);
    expect(r.best(3)).toEqual([D, C, B]);
    expect(r.best(10)).toEqual([D, C, B, A]);
    expect(r.best(0)).toEqual([]);
  });

  it('no check-ins: no streaks', () => {
    const r = streaksOf(boolean(3, 7), []);
    expect(r.all).toEqual([]);
    expect(r.current).toBeNull();
    expect(r.best(5)).toEqual([]);
  });
});
