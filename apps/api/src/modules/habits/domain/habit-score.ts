/**
 * Habit strength (score, 0..1): one value per day from the first computed day to today
 * (DESIGN §5, Loop's ScoreList.recompute and Score.compute).
 *
 *   m = 0.5 ^ (sqrt(times/days) / 13)
 *   for each day that is not skipped: score = previous × m + c × (1 − m)
 *   a skipped day leaves the score unchanged; the starting previous is 0, or 1.0 for at_most.
 *
 * Boolean: c = min(1, done-days among the last W days / T), T = times, W = days, both doubled
 * when times/days < 1. Only done-days count; auto and skipped days occupy the window.
 * Measurable: s = sum of the values in the last `days` days (skipped and unknown days add 0,
 * negative values count as 0 as in Loop). at_least: c = min(1, s/target), 1 when target is 0.
 * at_most: c = clamp(1 − (s − target)/target, 0, 1); target 0: 1 if s is 0 else 0.
 *
 * Differences from Loop (DESIGN wins):
 * - Loop's measurable rolling sum adds the raw SKIP marker (3 thousandths) for a skipped day;
 *   DESIGN says skipped days add 0, so they do here.
 * Windows never reach before the first computed day (as in Loop, whose arrays start there).
 * For per-calendar-month frequencies the nominal `days` (30/31) is used, as in Loop.
 */

import { frequencyRatio, scoreMultiplier } from './frequency.js';
import type { HabitHistory } from './habit-history.js';
import { DayCode, toMilli } from './habit-history.js';

const DONE = DayCode.done;
const SKIPPED = DayCode.skipped;

/** One step of the strength recurrence (Loop's Score.compute, same operation order). */
export function nextScore(previous: number, completion: number, multiplier: number): number {
  return previous * multiplier + completion * (1 - multiplier);
}

/** Strength per day, index `day - history.firstDay`, length `history.length`. */
export function computeScores(history: HabitHistory): Float64Array {
  return computeScoresFrom(history, null, 0);
}

/**
 * Strength per day, taking the scores before index `from` from `prior` (the scores of a history
 * equal to this one before `from`, with the same first day) and running the recurrence from
 * there: the score of a day depends only on the days up to it, so an edit on a past day
 * recomputes from the last score before it. The window state at `from` is rebuilt from the
 * days before it, so the result is exactly (bit for bit) what a full computation gives.
 */
export function computeScoresFrom(history: HabitHistory, prior: Float64Array | null, from: number): Float64Array {
  const { habit, status, values, length } = history;
  const scores = new Float64Array(length);
  const start = prior === null ? 0 : Math.max(0, Math.min(from, length, prior.length));
  if (start > 0) scores.set((prior as Float64Array).subarray(0, start));
  const m = scoreMultiplier(habit.frequency);
  const target = habit.target;

  if (target === null) {
    let t = habit.frequency.times;
    let w = habit.frequency.days;
    if (frequencyRatio(habit.frequency) < 1) {
      t *= 2;
      w *= 2;
    }
    let previous = start > 0 ? (scores[start - 1] as number) : 0;
    // Done-days in [i - w + 1, i] after step i: before `start`, those in [start - w, start - 1].
    let doneInWindow = 0;
    for (let j = Math.max(0, start - w); j < start; j++) if (status[j] === DONE) doneInWindow++;
    for (let i = start; i < length; i++) {
      const s = status[i];
      if (s === DONE) doneInWindow++;
      if (i >= w && status[i - w] === DONE) doneInWindow--;
      if (s !== SKIPPED) {
        const c = doneInWindow / t;
        previous = nextScore(previous, Math.min(c, 1), m);
      }
      scores[i] = previous;
    }
    return scores;
  }

  const w = habit.frequency.days;
  const atMost = target.direction === 'at_most';
  const goal = target.value;
  let previous = start > 0 ? (scores[start - 1] as number) : atMost ? 1 : 0;
  let sumMilli = 0;
  for (let j = Math.max(0, start - w); j < start; j++) sumMilli += milliOf(status[j] as number, values[j] as number);
  for (let i = start; i < length; i++) {
    sumMilli += milliOf(status[i] as number, values[i] as number);
    if (i >= w) sumMilli -= milliOf(status[i - w] as number, values[i - w] as number);
    if (status[i] !== SKIPPED) {
      const sum = sumMilli / 1000;
      let c: number;
      if (!atMost) {
        c = goal > 0 ? Math.min(1, sum / goal) : 1;
      } else if (goal > 0) {
        c = 1 - (sum - goal) / goal;
        c = c < 0 ? 0 : Math.min(c, 1);
      } else {
        c = sumMilli > 0 ? 0 : 1;
      }
      previous = nextScore(previous, c, m);
    }
    scores[i] = previous;
  }
  return scores;
}

function milliOf(code: number, value: number): number {
  if (code === SKIPPED || Number.isNaN(value)) return 0;
  const milli = toMilli(value);
  return Math.max(milli, 0);
}

/** The score on a day number: 0 before the first computed day; null after today. */
export function scoreOn(history: HabitHistory, scores: Float64Array, day: number): number | null {
  if (day > history.today) return null;
  if (day < history.firstDay) return 0;
  return scores[day - history.firstDay] as number;
}
