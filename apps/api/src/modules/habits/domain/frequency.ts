/**
 * Frequency of a habit: `times` in `days` (DESIGN §5), e.g. daily 1/1, every 3 days 1/3,
 * 3 per week 3/7, 2 per month 2/30.
 *
 * Rules (DESIGN §5, Loop's Frequency.kt):
 * - 1 ≤ times ≤ days, both integers; times === days is normalised to 1/1 (as Loop does).
 * - The fraction is NOT otherwise reduced: 2/14 stays 2/14, because `days` is also the length
 *   of the windows (2 in any 14 days is not the same schedule as 1 in any 7 days).
 * - `days` of 30 or 31 means "per calendar month".
 *
 * How "per calendar month" applies (DESIGN says "uses the real length of the month" and is
 * silent on which month; we follow Loop so a user moving from Loop sees the same numbers):
 * - Automatic-day windows (the only place Loop uses the real month length, EntryList.buildIntervals):
 *   the window that starts at the group's oldest done-day is as long as the month that day is
 *   in, except when that day is the last day of its month, then it is as long as the next month
 *   (the window then lies almost wholly in the next month). The same length is used for the
 *   "fewer than `days` days apart" test of the group.
 * - Strength (score): the multiplier uses the nominal fraction times/days (e.g. 2/30) and the
 *   rolling windows use the nominal `days` (30 or 31, doubled for boolean habits), exactly as
 *   Loop's ScoreList does. The month length never changes a score.
 */
import { dayNumberFromParts, daysInMonth, partsFromDayNumber } from './calendar-day.js';

export interface Frequency {
  readonly times: number;
  readonly days: number;
}

export const DAILY: Frequency = Object.freeze({ times: 1, days: 1 });

/** Validates and normalises (times === days → 1/1). Throws a RangeError when invalid. */
export function normalizeFrequency(frequency: Frequency): Frequency {
  const { times, days } = frequency;
  if (!Number.isInteger(times) || !Number.isInteger(days) || times < 1 || days < 1) {
    throw new RangeError(`Frequency must be positive integers, got ${times}/${days}`);
  }
  if (times > days) throw new RangeError(`Frequency times (${times}) must not exceed days (${days})`);
  if (times === days) return DAILY;
  return { times, days };
}

/** times / days. */
export function frequencyRatio(frequency: Frequency): number {
  return frequency.times / frequency.days;
}

/** True for `days` 30 or 31: "per calendar month". */
export function isPerCalendarMonth(frequency: Frequency): boolean {
  return frequency.days === 30 || frequency.days === 31;
}

/**
 * Strength multiplier m = 0.5 ^ (sqrt(times/days) / 13) (Loop's Score.compute). A daily habit's
 * strength halves in 13 days without a repetition.
 */
export function scoreMultiplier(frequency: Frequency): number {
  return 0.5 ** (Math.sqrt(frequencyRatio(frequency)) / 13);
}

/**
 * Length in days of the automatic-day window that starts on `startDay` (a day number). `days`
 * for ordinary frequencies; for per-calendar-month frequencies the real month length, see the
 * module comment.
 */
export function windowLength(frequency: Frequency, startDay: number): number {
  if (!isPerCalendarMonth(frequency)) return frequency.days;
  const { year, month, day } = partsFromDayNumber(startDay);
  const length = daysInMonth(year, month);
  if (day !== length) return length;
  return month === 12 ? daysInMonth(year + 1, 1) : daysInMonth(year, month + 1);
}

/**
 * `windowLength` for many start days in a row: remembers the last month it looked up, so a
 * history of monthly windows does not recompute the calendar for every done-day.
 */
export function windowLengthFunction(frequency: Frequency): (startDay: number) => number {
  const days = frequency.days;
  if (!isPerCalendarMonth(frequency)) return () => days;
  let first = 1;
  let last = 0;
  let length = 0;
  let nextLength = 0;
  return (startDay: number): number => {
    if (startDay < first || startDay > last) {
      const { year, month } = partsFromDayNumber(startDay);
      length = daysInMonth(year, month);
      nextLength = month === 12 ? daysInMonth(year + 1, 1) : daysInMonth(year, month + 1);
      first = dayNumberFromParts(year, month, 1);
      last = first + length - 1;
    }
    return startDay === last ? nextLength : length;
  };
}

/** The longest window `windowLength` can return for this frequency. */
export function maxWindowLength(frequency: Frequency): number {
  return isPerCalendarMonth(frequency) ? 31 : frequency.days;
}
