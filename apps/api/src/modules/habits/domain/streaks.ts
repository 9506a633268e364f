/**
 * Streaks (DESIGN §5, Loop's StreakList / Streak).
 *
 * Boolean: a streak is a run of consecutive days that are done, auto or skipped; a missed or
 * unknown day breaks it. Measurable: a day is in a streak when its value meets the target
 * (status `done` in the history); a skipped day breaks it.
 *   Difference from Loop (DESIGN wins): Loop compares the raw SKIP marker (0.003) with the
 *   target, so a skipped measurable day can sit inside a streak there; here it always breaks.
 * Streaks only cover the history (first computed day .. today): lengths count days up to today.
 *
 * Best streaks: the N longest, ties won by the one that ends later, then listed newest first.
 * Current streak: the streak that ends today, or the one that ends yesterday while today is still
 * open. Today is open when it has no entry that settles it: boolean, today is unknown (a missed
 * today closes it); measurable, today has no value, or (at_least only) a value still below the
 * target — more can be added during the day. A skipped measurable today, or an at_most value
 * already above the target, closes it.
 */

import type { CalendarDay } from './calendar-day.js';
import { fromDayNumber } from './calendar-day.js';
import type { HabitHistory } from './habit-history.js';
import { DayCode } from './habit-history.js';

export interface Streak {
  /** First day of the run. */
  readonly start: CalendarDay;
  /** Last day of the run (≤ today). */
  readonly end: CalendarDay;
  /** Number of days, end - start + 1. */
  readonly length: number;
}

/**
 * All streaks as day numbers, newest first: `starts[k]`..`ends[k]` for k < count.
 * Compact so that a long history does not allocate one object per streak.
 */
export interface StreakRuns {
  readonly count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/** Is the day (by code) counted in a streak for this habit? */
export function countsInStreak(history: HabitHistory, code: number): boolean {
  if (history.habit.type === 'measurable') return code === DayCode.done;
  return code === DayCode.done || code === DayCode.auto || code === DayCode.skipped;
}

export function computeStreakRuns(history: HabitHistory): StreakRuns {
  const { status, length, firstDay } = history;
  const measurable = history.habit.type === 'measurable';
  const capacity = (length + 1) >> 1;
  const starts = new Int32Array(capacity);
  const ends = new Int32Array(capacity);
  let count = 0;
  let runEnd = -1;
  for (let i = length - 1; i >= -1; i--) {
    let counted = false;
    if (i >= 0) {
      const c = status[i];
      counted = measurable ? c === DayCode.done : c === DayCode.done || c === DayCode.auto || c === DayCode.skipped;
    }
    if (counted) {
      if (runEnd < 0) runEnd = i;
    } else if (runEnd >= 0) {
      starts[count] = firstDay + i + 1;
      ends[count] = firstDay + runEnd;
      count++;
      runEnd = -1;
    }
  }
  return { count, starts, ends };
}

export function toStreak(start: number, end: number): Streak {
  return { start: fromDayNumber(start), end: fromDayNumber(end), length: end - start + 1 };
}

/** All streaks, newest first. */
export function listStreaks(runs: StreakRuns): Streak[] {
  const out: Streak[] = [];
  for (let k = 0; k < runs.count; k++) out.push(toStreak(runs.starts[k] as number, runs.ends[k] as number));
  return out;
}

/**
 * The `limit` longest streaks (ties: the one that ends later wins), listed newest first.
 * Optionally only the streaks that overlap `from..to` (day numbers).
 */
export function bestStreaks(runs: StreakRuns, limit: number, from = -Infinity, to = Infinity): Streak[] {
  if (!(limit > 0)) return [];
  // Keep the best `limit` run indices in rank order by insertion: O(runs × limit), no sort of
  // the whole list for the usual small limits. Runs are stored newest first, so a lower index
  // means a later end: on equal length the lower index ranks first.
  const top: number[] = [];
  for (let k = 0; k < runs.count; k++) {
    const start = runs.starts[k] as number;
    const end = runs.ends[k] as number;
    if (end < from || start > to) continue;
    const length = end - start;
    let pos = top.length;
    while (pos > 0) {
      const j = top[pos - 1] as number;
      // k comes after every earlier index on ties, so only a strictly longer run moves up.
      if ((runs.ends[j] as number) - (runs.starts[j] as number) >= length) break;
      pos--;
    }
    if (pos >= limit) continue;
    top.splice(pos, 0, k);
    if (top.length > limit) top.pop();
  }
  top.sort((a, b) => a - b); // newest first
  return top.map((k) => toStreak(runs.starts[k] as number, runs.ends[k] as number));
}

/** Is today still open (see module comment)? */
export function isTodayOpen(history: HabitHistory): boolean {
  const i = history.length - 1;
  const code = history.status[i];
  if (code === DayCode.unknown) return true;
  const target = history.habit.target;
  return target !== null && target.direction === 'at_least' && code === DayCode.missed;
}

/** The current streak, or null when there is none. */
export function currentStreak(history: HabitHistory, runs: StreakRuns): Streak | null {
  if (runs.count === 0) return null;
  const start = runs.starts[0] as number;
  const end = runs.ends[0] as number;
  if (end === history.today) return toStreak(start, end);
  if (end === history.today - 1 && isTodayOpen(history)) return toStreak(start, end);
  return null;
}
