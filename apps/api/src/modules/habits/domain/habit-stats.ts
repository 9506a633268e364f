/**
 * Statistics of one habit over a range of calendar days `from..to` (both included).
 *
 * Definitions (DESIGN §5 is silent on them; decided here):
 * - Tracked days: the days of the range from max(from, first computed day) to min(to, today).
 *   Days before the history or after today are in the calendar (unknown, score 0 / null) but in
 *   no count.
 * - A "completed" day is a day that counts in a streak, minus skips: boolean done or auto
 *   (the schedule was met that day); measurable, the day's value meets the target.
 * - completionRate = completed days / (tracked days − skipped days − today while still open),
 *   a fraction 0..1, null when that denominator is 0. Skipped days are excused, and an open
 *   today is not held against the user before the day is over (as for the current streak).
 * - Per-weekday and per-month counts are over tracked days: `done` = done-days (boolean: checked
 *   in as done, never auto — as Loop's weekday chart counts manual repetitions only;
 *   measurable: target met), `completed` as above, `value` = sum of measurable values.
 * - Best streaks: the N best (ranking of streaks.ts) among the streaks that overlap the range,
 *   with their full length (not clipped to the range).
 */

import type { CalendarDay } from './calendar-day.js';
import {
  dayNumberFromParts,
  fromDayNumber,
  monthKeyOfDayNumber,
  partsFromDayNumber,
  toDayNumber,
  weekdayOfDayNumber,
} from './calendar-day.js';
import type { HabitComputation } from './habit-computation.js';
import type { DayStatus } from './habit-history.js';
import { DayCode, dayStatusOfCode } from './habit-history.js';
import type { Streak } from './streaks.js';
import { bestStreaks, isTodayOpen } from './streaks.js';

export interface CalendarRow {
  readonly date: CalendarDay;
  readonly status: DayStatus;
  readonly value: number | null;
  readonly note: string | null;
  /** Strength that day: 0 before the first computed day, null after today. */
  readonly score: number | null;
}

export interface DayCounts {
  done: number;
  completed: number;
  value: number;
}

export interface WeekdayCounts extends DayCounts {
  /** 0 = Sunday .. 6 = Saturday. */
  readonly weekday: number;
}

export interface MonthCounts extends DayCounts {
  /** `YYYY-MM`. */
  readonly month: string;
  /** Tracked days of that month inside the range. */
  trackedDays: number;
}

export interface HabitTotals {
  /** Days in the range. */
  readonly days: number;
  readonly trackedDays: number;
  readonly done: number;
  readonly auto: number;
  readonly skipped: number;
  readonly missed: number;
  readonly unknown: number;
  readonly completed: number;
  /** Sum of the measurable values (0 for boolean habits). */
  readonly value: number;
}

export interface HabitStats {
  readonly from: CalendarDay;
  readonly to: CalendarDay;
  readonly completionRate: number | null;
  readonly totals: HabitTotals;
  /** Always 7 entries, Sunday first. */
  readonly byWeekday: WeekdayCounts[];
  /** Months that intersect the range, oldest first. */
  readonly byMonth: MonthCounts[];
  /** One row per day of the range, oldest first. */
  readonly calendar: CalendarRow[];
  readonly bestStreaks: Streak[];
}

export interface StatsOptions {
  /** How many best streaks to return (default 5). */
  readonly bestStreaks?: number;
  /** Include the calendar rows (default true). */
  readonly calendar?: boolean;
}

/** Longest range accepted, to bound the work of one request (about 100 years). */
export const MAX_STATS_RANGE_DAYS = 36600;

export function computeStats(
  computation: HabitComputation,
  from: CalendarDay,
  to: CalendarDay,
  options: StatsOptions = {},
): HabitStats {
  const { history, scores, streaks } = computation;
  const fromDay = toDayNumber(from);
  const toDay = toDayNumber(to);
  if (toDay < fromDay) throw new RangeError(`Range end ${to} is before its start ${from}`);
  if (toDay - fromDay + 1 > MAX_STATS_RANGE_DAYS) throw new RangeError('Range too long');

  const measurable = history.habit.type === 'measurable';
  const byWeekday: WeekdayCounts[] = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
    weekday,
    done: 0,
    completed: 0,
    value: 0,
  }));
  const byMonth: MonthCounts[] = [];
  const withCalendar = options.calendar !== false;
  const calendar: CalendarRow[] = [];

  let done = 0;
  let auto = 0;
  let skipped = 0;
  let missed = 0;
  let unknown = 0;
  let completed = 0;
  let valueSum = 0;
  let tracked = 0;

  let month: MonthCounts | undefined;
  let monthEnd = -Infinity;
  let weekday = weekdayOfDayNumber(fromDay);

  for (let day = fromDay; day <= toDay; day++, weekday = weekday === 6 ? 0 : weekday + 1) {
    if (day > monthEnd) {
      const { year, month: mo } = partsFromDayNumber(day);
      month = { month: monthKeyOfDayNumber(day), trackedDays: 0, done: 0, completed: 0, value: 0 };
      byMonth.push(month);
      // Last day of this month = first day of the next month - 1.
      monthEnd = (mo === 12 ? dayNumberFromParts(year + 1, 1, 1) : dayNumberFromParts(year, mo + 1, 1)) - 1;
    }
    const inHistory = day >= history.firstDay && day <= history.today;
    let code: number = DayCode.unknown;
    let value: number | null = null;
    if (inHistory) {
      const i = day - history.firstDay;
      code = history.status[i] as number;
      const v = history.values[i] as number;
      value = Number.isNaN(v) ? null : v;
      tracked++;
      const m = month as MonthCounts;
      m.trackedDays++;
      const w = byWeekday[weekday] as WeekdayCounts;
      const isDone = code === DayCode.done;
      const isCompleted = isDone || code === DayCode.auto;
      switch (code) {
        case DayCode.done:
          done++;
          break;
        case DayCode.auto:
          auto++;
          break;
        case DayCode.skipped:
          skipped++;
          break;
        case DayCode.missed:
          missed++;
          break;
        default:
          unknown++;
      }
      if (isDone) {
        w.done++;
        m.done++;
      }
      if (isCompleted) {
        completed++;
        w.completed++;
        m.completed++;
      }
      if (value !== null && code !== DayCode.skipped) {
        valueSum += value;
        w.value += value;
        m.value += value;
      }
    }
    if (withCalendar) {
      calendar.push({
        date: fromDayNumber(day),
        status: dayStatusOfCode(code),
        value,
        note: history.notes.get(day) ?? null,
        score: day > history.today ? null : day < history.firstDay ? 0 : (scores[day - history.firstDay] as number),
      });
    }
  }

  const todayInRange = history.today >= fromDay && history.today <= toDay;
  const openToday = todayInRange && isTodayOpen(history) ? 1 : 0;
  const denominator = tracked - skipped - openToday;
  const completionRate = denominator > 0 ? completed / denominator : null;

  return {
    from: fromDayNumber(fromDay),
    to: fromDayNumber(toDay),
    completionRate,
    totals: {
      days: toDay - fromDay + 1,
      trackedDays: tracked,
      done,
      auto,
      skipped,
      missed,
      unknown,
      completed,
      value: measurable ? valueSum : 0,
    },
    byWeekday,
    byMonth,
    calendar,
    bestStreaks: bestStreaks(streaks, options.bestStreaks ?? 5, fromDay, toDay),
  };
}
