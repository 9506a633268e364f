/**
 * Statistics-based insights: pure functions over one snapshot of the user's habits (no I/O, no AI).
 *
 * Definitions (DESIGN is silent on them; decided here and documented in docs/insights.md):
 * - Weekdays: the last 12 weeks up to today (84 days), counted from the habit's first computed
 *   day. A day counts unless it is skipped (excused) or it is today and today is still open.
 *   Completed = done or automatic (boolean), target met (measurable) — as computeStats counts.
 *   A weekday needs at least 2 counted days; best/worst need 2 such weekdays with different
 *   rates (ties: the earlier weekday, Sunday first).
 * - Trend: computeStats' completion rate of the last 28 days up to today against the 28 days
 *   before; `up`/`down` when it moved by at least 5 percentage points.
 * - Streak at risk: the current streak ended yesterday and today is still open.
 * - New record: the current streak is longer than every earlier streak (there was one), and it
 *   passed that earlier best today or yesterday.
 * - Strongest: the highest strength today, when above 0. Weakest: the lowest, with at least two
 *   habits and lower than the strongest. Ties: the habit that comes first in the user's order.
 */

import { createHash } from 'node:crypto';
import {
  type HabitInsightSummary as InsightsHabitSummary,
  type InsightsSummary,
  WEEKDAY_NAMES,
  type WeekdayRate,
} from '@habitual/shared';
import {
  addDays,
  bestStreaks,
  computeStats,
  fromDayNumber,
  type HabitComputation,
  type HabitSummary,
  isTodayOpen,
  statusOn,
  toDayNumber,
  weekday,
} from '../habits/domain/index.js';

/** The fields of a habit the insights read (the habits module's `Habit` has more). */
export interface SnapshotHabit {
  readonly id: string;
  readonly name: string;
  readonly type: 'boolean' | 'measurable';
}

/** Structurally the habits module's `HabitsSnapshot`: one read of the user's active habits. */
export interface InsightsSnapshot {
  readonly today: string;
  readonly timezone: string;
  readonly habits: ReadonlyArray<{
    readonly habit: SnapshotHabit;
    readonly computation: HabitComputation;
    readonly summary: HabitSummary;
  }>;
}

export const WEEKDAY_WINDOW_DAYS = 84;
export const TREND_WINDOW_DAYS = 28;
export const TREND_THRESHOLD = 0.05;
export const MIN_WEEKDAY_DAYS = 2;

/** Rates and scores are rounded to 3 decimals: enough to read, and stable for the statistics hash. */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round3(value);
}

/** Per-weekday completion rates over the last 12 weeks (see the module comment). */
export function weekdayRates(computation: HabitComputation, today: string): WeekdayRate[] {
  const { history } = computation;
  const todayNumber = toDayNumber(today);
  const from = Math.max(todayNumber - (WEEKDAY_WINDOW_DAYS - 1), history.firstDay);
  const counted = [0, 0, 0, 0, 0, 0, 0];
  const completed = [0, 0, 0, 0, 0, 0, 0];
  const openToday = isTodayOpen(history);
  let wd = weekday(fromDayNumber(from));
  for (let day = from; day <= todayNumber; day++, wd = (wd + 1) % 7) {
    const status = statusOn(history, day);
    if (status === 'skipped') continue;
    if (day === todayNumber && openToday) continue;
    counted[wd] = (counted[wd] as number) + 1;
    if (status === 'done' || status === 'auto') completed[wd] = (completed[wd] as number) + 1;
  }
  const rates: WeekdayRate[] = [];
  for (let w = 0; w < 7; w++) {
    const days = counted[w] as number;
    if (days < MIN_WEEKDAY_DAYS) continue;
    rates.push({
      weekday: w,
      name: WEEKDAY_NAMES[w] as WeekdayRate['name'],
      completionRate: round3((completed[w] as number) / days),
      days,
    });
  }
  return rates;
}

export function bestAndWorstWeekday(rates: readonly WeekdayRate[]): {
  best: WeekdayRate | null;
  worst: WeekdayRate | null;
} {
  if (rates.length < 2) return { best: null, worst: null };
  let best = rates[0] as WeekdayRate;
  let worst = rates[0] as WeekdayRate;
  for (const rate of rates) {
    if (rate.completionRate > best.completionRate) best = rate;
    if (rate.completionRate < worst.completionRate) worst = rate;
  }
  if (best.completionRate === worst.completionRate) return { best: null, worst: null };
  return { best, worst };
}

export function habitTrend(computation: HabitComputation, today: string): InsightsHabitSummary['trend'] {
  const options = { calendar: false, bestStreaks: 0 } as const;
  const last = computeStats(computation, addDays(today, -(TREND_WINDOW_DAYS - 1)), today, options).completionRate;
  const previous = computeStats(
    computation,
    addDays(today, -(2 * TREND_WINDOW_DAYS - 1)),
    addDays(today, -TREND_WINDOW_DAYS),
    options,
  ).completionRate;
  const last4Weeks = roundOrNull(last);
  const previous4Weeks = roundOrNull(previous);
  if (last4Weeks === null || previous4Weeks === null) {
    return { last4Weeks, previous4Weeks, change: null, direction: 'unknown' };
  }
  const change = round3(last4Weeks - previous4Weeks);
  const direction = change >= TREND_THRESHOLD ? 'up' : change <= -TREND_THRESHOLD ? 'down' : 'flat';
  return { last4Weeks, previous4Weeks, change, direction };
}

/** The longest streak before the current one, or 0; and whether the current one just beat it. */
export function streakRecord(
  computation: HabitComputation,
  summary: HabitSummary,
  today: string,
): { previousBest: number; newRecord: boolean } {
  const current = summary.currentStreak;
  if (!current) return { previousBest: 0, newRecord: false };
  // The two longest streaks: if the current one is among them, the other is the earlier best.
  const top = bestStreaks(computation.streaks, 2);
  const others = top.filter((s) => s.start !== current.start);
  const previousBest = others.reduce((max, s) => Math.max(max, s.length), 0);
  const isRecord = others.length < top.length && previousBest > 0 && current.length > previousBest;
  // The day the current streak passed the earlier best: its (previousBest + 1)-th day.
  const passedOn = toDayNumber(current.start) + previousBest;
  return { previousBest, newRecord: isRecord && passedOn >= toDayNumber(today) - 1 };
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

/** Builds the whole statistics summary from one snapshot. */
export function buildInsightsSummary(snapshot: InsightsSnapshot): InsightsSummary {
  const { today } = snapshot;
  const yesterday = addDays(today, -1);
  const habits: InsightsHabitSummary[] = [];
  const streaksAtRisk: InsightsSummary['streaksAtRisk'] = [];
  const recordsReached: InsightsSummary['recordsReached'] = [];

  for (const { habit, computation, summary } of snapshot.habits) {
    const { best, worst } = bestAndWorstWeekday(weekdayRates(computation, today));
    const trend = habitTrend(computation, today);
    const streakAtRisk = summary.currentStreak !== null && summary.currentStreak.end === yesterday;
    const record = streakRecord(computation, summary, today);
    habits.push({
      habitId: habit.id,
      name: habit.name,
      type: habit.type,
      score: round3(summary.score),
      currentStreak: summary.currentStreakLength,
      bestStreak: summary.bestStreak?.length ?? 0,
      completedToday: summary.completed,
      bestWeekday: best,
      worstWeekday: worst,
      trend,
      streakAtRisk,
      newRecord: record.newRecord,
    });
    if (streakAtRisk) {
      streaksAtRisk.push({ habitId: habit.id, name: habit.name, currentStreak: summary.currentStreakLength });
    }
    if (record.newRecord) {
      recordsReached.push({
        habitId: habit.id,
        name: habit.name,
        streak: summary.currentStreakLength,
        previousBest: record.previousBest,
      });
    }
  }
  // Longest streak at risk first (stable: equal lengths keep the user's order).
  streaksAtRisk.sort((a, b) => b.currentStreak - a.currentStreak);

  let strongest: InsightsHabitSummary | null = null;
  let weakest: InsightsHabitSummary | null = null;
  for (const h of habits) {
    if (!strongest || h.score > strongest.score) strongest = h;
    if (!weakest || h.score < weakest.score) weakest = h;
  }
  const strongestRef = strongest && strongest.score > 0 ? strongest : null;
  const weakestRef = weakest && strongest && habits.length >= 2 && weakest.score < strongest.score ? weakest : null;

  const result: InsightsSummary = {
    today,
    timezone: snapshot.timezone,
    habitCount: habits.length,
    habits,
    streaksAtRisk,
    recordsReached,
    strongest: strongestRef
      ? { habitId: strongestRef.habitId, name: strongestRef.name, score: strongestRef.score }
      : null,
    weakest: weakestRef ? { habitId: weakestRef.habitId, name: weakestRef.name, score: weakestRef.score } : null,
    highlights: [],
  };
  result.highlights = highlights(result);
  return result;
}

/** The facts as short sentences, most urgent first. */
export function highlights(summary: Omit<InsightsSummary, 'highlights'>): string[] {
  if (summary.habitCount === 0) return ['No habits yet: create one and check in to see your statistics here.'];
  const lines: string[] = [];
  for (const s of summary.streaksAtRisk) {
    lines.push(`"${s.name}": your ${s.currentStreak}-day streak ends unless you check in today.`);
  }
  for (const r of summary.recordsReached) {
    lines.push(`"${r.name}": new record, ${r.streak} days in a row (best before: ${r.previousBest}).`);
  }
  for (const h of summary.habits) {
    const { trend } = h;
    if ((trend.direction === 'up' || trend.direction === 'down') && trend.last4Weeks !== null) {
      const verb = trend.direction === 'up' ? 'up' : 'down';
      lines.push(
        `"${h.name}": ${percent(trend.last4Weeks)} over the last 4 weeks, ${verb} from ${percent(trend.previous4Weeks ?? 0)}.`,
      );
    }
  }
  for (const h of summary.habits) {
    if (h.bestWeekday && h.worstWeekday) {
      lines.push(
        `"${h.name}": best on ${h.bestWeekday.name}s (${percent(h.bestWeekday.completionRate)}), weakest on ${h.worstWeekday.name}s (${percent(h.worstWeekday.completionRate)}).`,
      );
    }
  }
  if (summary.strongest) {
    lines.push(`Strongest habit: "${summary.strongest.name}" (strength ${percent(summary.strongest.score)}).`);
  }
  if (summary.weakest) {
    lines.push(`Needs the most attention: "${summary.weakest.name}" (strength ${percent(summary.weakest.score)}).`);
  }
  return lines;
}

/** Identifies "the same statistics": equal summaries give equal hashes. */
export function statisticsHash(summary: InsightsSummary): string {
  return createHash('sha256').update(JSON.stringify(summary)).digest('hex');
}
