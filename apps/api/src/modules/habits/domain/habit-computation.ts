/**
 * Everything the API says about one habit, computed in ONE pass over its check-ins:
 * check-ins → history → scores → streaks. The list, /today, /calendar and /streaks endpoints
 * all read from this object, so they always agree.
 */

import type { CalendarDay } from './calendar-day.js';
import { fromDayNumber } from './calendar-day.js';
import type { CheckIn, DayStatus, HabitDefinition, HabitHistory } from './habit-history.js';
import { computeHistory, dayStatusOfCode, valueOn } from './habit-history.js';
import { computeScores, computeScoresFrom } from './habit-score.js';
import type { Streak, StreakRuns } from './streaks.js';
import { bestStreaks, computeStreakRuns, countsInStreak, currentStreak, isTodayOpen } from './streaks.js';

export interface HabitComputation {
  readonly history: HabitHistory;
  /** Strength per day, index `day - history.firstDay`. */
  readonly scores: Float64Array;
  /** All streaks, newest first. */
  readonly streaks: StreakRuns;
}

export function computeHabit(
  definition: HabitDefinition,
  checkIns: readonly CheckIn[],
  today: CalendarDay | number,
): HabitComputation {
  const history = computeHistory(definition, checkIns, today);
  return { history, scores: computeScores(history), streaks: computeStreakRuns(history) };
}

/**
 * The same as `computeHabit`, given the computation of the same habit for the same today before
 * one or more check-ins changed: the history is rebuilt (automatic days can move anywhere when a
 * done-day comes or goes), and the scores run from the first day whose status or value differs,
 * starting from the last unchanged score. The result equals `computeHabit`'s exactly.
 */
export function recomputeHabit(
  definition: HabitDefinition,
  checkIns: readonly CheckIn[],
  today: CalendarDay | number,
  previous: HabitComputation,
): HabitComputation {
  const history = computeHistory(definition, checkIns, today);
  const before = previous.history;
  const comparable =
    before.today === history.today &&
    before.firstDay === history.firstDay &&
    sameRules(before.habit, history.habit) &&
    previous.scores.length === before.length;
  const from = comparable ? firstDifference(before, history) : 0;
  return {
    history,
    scores: from === 0 ? computeScores(history) : computeScoresFrom(history, previous.scores, from),
    streaks: computeStreakRuns(history),
  };
}

function sameRules(a: HabitHistory['habit'], b: HabitHistory['habit']): boolean {
  return (
    a.type === b.type &&
    a.frequency.times === b.frequency.times &&
    a.frequency.days === b.frequency.days &&
    a.target?.value === b.target?.value &&
    a.target?.direction === b.target?.direction
  );
}

/** The first index whose status or value differs (NaN equals NaN), or the length when none does. */
function firstDifference(a: HabitHistory, b: HabitHistory): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.status[i] !== b.status[i] || !Object.is(a.values[i], b.values[i])) return i;
  }
  return n;
}

export interface HabitSummary {
  readonly today: CalendarDay;
  /** Today's computed status. */
  readonly status: DayStatus;
  /** Today's value (measurable), or null. */
  readonly value: number | null;
  /** Today counts in a streak (boolean: done, auto or skipped; measurable: target met). */
  readonly completed: boolean;
  /** Today has no entry that settles it yet (see streaks.ts). */
  readonly open: boolean;
  /** Strength today, 0..1. */
  readonly score: number;
  readonly currentStreak: Streak | null;
  /** Length of the current streak, 0 when none. */
  readonly currentStreakLength: number;
  /** The longest streak (ties: the later one), or null. */
  readonly bestStreak: Streak | null;
  readonly firstDay: CalendarDay;
}

/** The per-habit numbers for the habit list and /today. */
export function summarizeHabit(computation: HabitComputation): HabitSummary {
  const { history, scores, streaks } = computation;
  const last = history.length - 1;
  const code = history.status[last] as number;
  const current = currentStreak(history, streaks);
  const best = bestStreaks(streaks, 1)[0] ?? null;
  return {
    today: fromDayNumber(history.today),
    status: dayStatusOfCode(code),
    value: valueOn(history, history.today),
    completed: countsInStreak(history, code),
    open: isTodayOpen(history),
    score: scores[last] as number,
    currentStreak: current,
    currentStreakLength: current?.length ?? 0,
    bestStreak: best,
    firstDay: fromDayNumber(history.firstDay),
  };
}
