/**
 * What a check-in, a habit's definition and a date range must satisfy before the service acts
 * (DESIGN §5): the entry a boolean and a measurable habit accept, what is stored for it, and the
 * window of days in the user's time zone (nothing after their today; ranges in order and bounded).
 *
 * Pure: each rule returns what is wrong, named by its field, or null; the caller turns it into an
 * error at the field's location (body, path or query). `today` is the user's local calendar day
 * (see `localToday`), so the same rules hold in every time zone.
 */

import { addDays, type CalendarDay, diffDays } from './calendar-day.js';
import type { CheckInStatus, HabitType } from './habit-history.js';

/** What is wrong with an input: the field (relative to the input), a message and a stable code. */
export interface RuleViolation {
  readonly field: string;
  readonly message: string;
  readonly code: 'future_date' | 'not_allowed' | 'required' | 'range_order' | 'range_too_long';
}

/** One day's entry as a client sends it. */
export interface CheckInInput {
  readonly date: CalendarDay;
  readonly status?: CheckInStatus;
  readonly value?: number;
  readonly note?: string | null;
}

/** One day's entry as it is stored: a boolean habit keeps a status, a measurable one a value. */
export interface CheckInValues {
  readonly habitId: string;
  readonly date: CalendarDay;
  readonly status: CheckInStatus | null;
  readonly value: number | null;
  readonly note: string | null;
}

function futureDate(field: string, today: CalendarDay): RuleViolation {
  return { field, message: `is after the user's today (${today})`, code: 'future_date' };
}

/**
 * A boolean habit takes a status (done, skipped or missed) and no value; a measurable habit takes
 * a value, or `skipped` without one. No entry is for a day after the user's today. The date is
 * checked first, then the fields of the habit's type.
 */
export function checkInViolation(type: HabitType, input: CheckInInput, today: CalendarDay): RuleViolation | null {
  if (input.date > today) return futureDate('date', today);
  if (type === 'boolean') {
    if (input.value !== undefined) {
      return { field: 'value', message: 'is not allowed on a boolean habit (send `status`)', code: 'not_allowed' };
    }
    if (input.status === undefined) {
      return { field: 'status', message: 'is required: done, skipped or missed', code: 'required' };
    }
    return null;
  }
  if (input.status === 'done' || input.status === 'missed') {
    return {
      field: 'status',
      message: 'a measurable habit takes a `value` (or `status: skipped`), not done or missed',
      code: 'not_allowed',
    };
  }
  if (input.status !== 'skipped' && input.value === undefined) {
    return {
      field: 'value',
      message: 'is required on a measurable habit (or send `status: skipped`)',
      code: 'required',
    };
  }
  return null;
}

/**
 * What is stored for a valid entry: a boolean habit its status; a measurable habit its value, or
 * the status `skipped` with no value. A missing note is stored as null.
 */
export function checkInValues(type: HabitType, habitId: string, input: CheckInInput): CheckInValues {
  const skipped = input.status === 'skipped';
  return {
    habitId,
    date: input.date,
    status: type === 'boolean' ? (input.status ?? null) : skipped ? 'skipped' : null,
    value: type === 'measurable' && !skipped ? (input.value ?? null) : null,
    note: input.note ?? null,
  };
}

/** A habit starts at the latest on the user's today (earlier days may be back-filled). */
export function startDateViolation(startDate: CalendarDay | undefined, today: CalendarDay): RuleViolation | null {
  return startDate !== undefined && startDate > today ? futureDate('startDate', today) : null;
}

/**
 * A change of an existing habit: a target only on a measurable habit, whose frequency is always
 * one time per window; and a start date no later than today.
 */
export function habitChangeViolation(
  type: HabitType,
  change: { readonly target?: unknown; readonly frequency?: { readonly times: number }; readonly startDate?: string },
  today: CalendarDay,
): RuleViolation | null {
  if (change.target !== undefined && type === 'boolean') {
    return { field: 'target', message: 'is only allowed on a measurable habit', code: 'not_allowed' };
  }
  if (change.frequency && type === 'measurable' && change.frequency.times !== 1) {
    return { field: 'frequency.times', message: 'must be 1 for a measurable habit', code: 'not_allowed' };
  }
  return startDateViolation(change.startDate, today);
}

/**
 * The days `from..to` (both included) a query asks for: `to` defaults to today, `from` to the
 * `defaultDays`-long window that ends on `to`.
 */
export function dateRange(
  query: { readonly from?: CalendarDay; readonly to?: CalendarDay },
  today: CalendarDay,
  defaultDays: number,
): { from: CalendarDay; to: CalendarDay } {
  const to = query.to ?? today;
  return { from: query.from ?? addDays(to, -(defaultDays - 1)), to };
}

/** A range runs forward and spans at most `maxDays` days. */
export function rangeViolation(
  range: { readonly from: CalendarDay; readonly to: CalendarDay },
  maxDays: number,
): RuleViolation | null {
  if (range.from > range.to) {
    return { field: 'from', message: `must not be after \`to\` (${range.to})`, code: 'range_order' };
  }
  if (diffDays(range.to, range.from) + 1 > maxDays) {
    return { field: 'to', message: `the range may span at most ${maxDays} days (five years)`, code: 'range_too_long' };
  }
  return null;
}
