/**
 * The computed history of a habit: one status (and value) per day from the first computed day
 * to today, following DESIGN §5 and Loop Habit Tracker's EntryList (buildIntervals,
 * snapIntervalsTogether, buildEntriesFromInterval).
 *
 * Representation: typed arrays indexed by `day - firstDay`, so a 3-year history is a few KB
 * and the hot loops allocate nothing per day.
 */

import type { CalendarDay } from './calendar-day.js';
import { fromDayNumber, toDayNumber } from './calendar-day.js';
import type { Frequency } from './frequency.js';
import { frequencyRatio, maxWindowLength, normalizeFrequency, windowLengthFunction } from './frequency.js';

export type HabitType = 'boolean' | 'measurable';
export type TargetDirection = 'at_least' | 'at_most';

export interface HabitTarget {
  /** ≥ 0; 0 is allowed (at_least 0: always met; at_most 0: met only by nothing). */
  readonly value: number;
  readonly direction: TargetDirection;
}

export interface HabitDefinition {
  readonly type: HabitType;
  /** Boolean: any times/days. Measurable: `times` must be 1; `days` is the target's window. */
  readonly frequency: Frequency;
  /** Required for measurable habits, ignored for boolean ones. */
  readonly target?: HabitTarget | null;
}

/** A habit definition after validation and normalisation. */
export interface NormalizedHabit {
  readonly type: HabitType;
  readonly frequency: Frequency;
  readonly target: HabitTarget | null;
}

export type CheckInStatus = 'done' | 'skipped' | 'missed';

/**
 * One stored check-in (one per habit per calendar day).
 *
 * Boolean habits: `status` done | skipped | missed; `value` is ignored. `status: null` is a
 * note-only check-in: the day stays unknown, but it still starts the history (as a note-only
 * entry does in Loop).
 *
 * Measurable habits: `status: 'skipped'` skips the day (any value is ignored); otherwise a
 * finite `value` is the day's amount. `status: 'missed'` without a value means an amount of 0
 * (Loop stores "no" as 0). Any other check-in without a value is note-only (unknown day).
 */
export interface CheckIn {
  readonly date: CalendarDay;
  readonly status: CheckInStatus | null;
  readonly value: number | null;
  readonly note?: string | null;
}

export type DayStatus = 'done' | 'auto' | 'skipped' | 'missed' | 'unknown';

/** Numeric day codes used in the typed arrays. */
export const DayCode = {
  unknown: 0,
  missed: 1,
  done: 2,
  auto: 3,
  skipped: 4,
} as const;
export type DayCode = (typeof DayCode)[keyof typeof DayCode];

const UNKNOWN = DayCode.unknown;
const MISSED = DayCode.missed;
const DONE = DayCode.done;
const AUTO = DayCode.auto;
const SKIPPED = DayCode.skipped;

const STATUS_BY_CODE: readonly DayStatus[] = ['unknown', 'missed', 'done', 'auto', 'skipped'];

export function dayStatusOfCode(code: number): DayStatus {
  return STATUS_BY_CODE[code] ?? 'unknown';
}

export interface HabitHistory {
  readonly habit: NormalizedHabit;
  /** Day number of the first computed day (≤ today). */
  readonly firstDay: number;
  /** Day number of today. */
  readonly today: number;
  /** today - firstDay + 1 (always ≥ 1). */
  readonly length: number;
  /**
   * DayCode per day, index `day - firstDay`.
   * Boolean: done (a done-day), auto, skipped, missed (explicit, outside any window), unknown.
   * Measurable: done = the day's value meets the target (at_least: value ≥ target; at_most:
   * value ≤ target), missed = a value that does not, skipped, unknown = no value.
   */
  readonly status: Uint8Array;
  /** Measurable: the entered value, NaN when none (or skipped). Boolean: all NaN. */
  readonly values: Float64Array;
  /** Notes by day number (only days whose check-in carries a non-empty note). */
  readonly notes: ReadonlyMap<number, string>;
}

/** Validates and normalises a habit definition; throws a RangeError when invalid. */
export function normalizeHabit(definition: HabitDefinition): NormalizedHabit {
  const frequency = normalizeFrequency(definition.frequency);
  if (definition.type === 'boolean') return { type: 'boolean', frequency, target: null };
  if (definition.type !== 'measurable') throw new RangeError(`Unknown habit type: ${String(definition.type)}`);
  if (definition.frequency.times !== 1) {
    throw new RangeError('A measurable habit has times = 1 (its target applies per window of `days` days)');
  }
  const target = definition.target;
  if (target == null) throw new RangeError('A measurable habit needs a target');
  if (!Number.isFinite(target.value) || target.value < 0) {
    throw new RangeError(`Target value must be a finite number ≥ 0, got ${target.value}`);
  }
  if (target.direction !== 'at_least' && target.direction !== 'at_most') {
    throw new RangeError(`Unknown target direction: ${String(target.direction)}`);
  }
  return { type: 'measurable', frequency, target: { value: target.value, direction: target.direction } };
}

/**
 * Loop stores measurable values as integer thousandths (value × 1000, rounded) and sums those;
 * we do the same, so sums are exact integers and a target of 0 compares exactly with 0.
 */
export function toMilli(value: number): number {
  return Math.round(value * 1000);
}

/** Does a measurable value meet the target? (Loop: value/1000 ≥ target, or ≤ for at_most.) */
export function meetsTarget(target: HabitTarget, value: number): boolean {
  const v = toMilli(value) / 1000;
  return target.direction === 'at_least' ? v >= target.value : v <= target.value;
}

function isEmptyCheckIn(c: CheckIn): boolean {
  return c.status === null && (c.value === null || !Number.isFinite(c.value)) && (c.note == null || c.note === '');
}

/**
 * Computes the history of a habit from its check-ins, up to and including `today` (a day
 * number or `YYYY-MM-DD`). Check-ins dated after today are ignored. When two check-ins share a
 * date, the later one in the array wins.
 */
export function computeHistory(
  definition: HabitDefinition,
  checkIns: readonly CheckIn[],
  today: CalendarDay | number,
): HabitHistory {
  const habit = normalizeHabit(definition);
  const todayNumber = typeof today === 'number' ? today : toDayNumber(today);
  if (!Number.isInteger(todayNumber)) throw new RangeError(`Invalid today: ${today}`);

  // Pass 1: parse the dates once, find the oldest check-in that says something (≤ today).
  // A check-in with no status, no value and no note is treated as absent (Loop drops unknown
  // entries without notes from the computed list).
  const n = checkIns.length;
  const dayNumbers = new Float64Array(n);
  let oldest = todayNumber;
  let counted = 0;
  for (let i = 0; i < n; i++) {
    const c = checkIns[i] as CheckIn;
    const d = toDayNumber(c.date);
    dayNumbers[i] = d;
    if (d <= todayNumber && !isEmptyCheckIn(c)) {
      counted++;
      if (d < oldest) oldest = d;
    }
  }

  const { frequency } = habit;
  const hasAutoDays = habit.type === 'boolean' && frequencyRatio(frequency) < 1;
  // A snapped window begins no earlier than (its group's newest done-day) - (length - 1), and
  // that done-day is ≥ the oldest check-in: a margin of maxWindowLength - 1 days suffices.
  const base = oldest - (hasAutoDays ? maxWindowLength(frequency) - 1 : 0);
  const size = todayNumber - base + 1;
  const status = new Uint8Array(size);
  const values = new Float64Array(size).fill(Number.NaN);
  const target = habit.target;
  // Index + 1 of the check-in that wrote each day (the later one wins), for the notes.
  const writer = new Int32Array(size);
  let withNotes = 0;

  // Pass 2: the stored check-ins.
  for (let i = 0; i < n; i++) {
    const d = dayNumbers[i] as number;
    if (d > todayNumber || d < base) continue; // after today, or an empty check-in before the history
    const c = checkIns[i] as CheckIn;
    const idx = d - base;
    writer[idx] = i + 1;
    if (c.note != null && c.note !== '') withNotes++;
    if (target === null) {
      status[idx] =
        c.status === 'done' ? DONE : c.status === 'skipped' ? SKIPPED : c.status === 'missed' ? MISSED : UNKNOWN;
      continue;
    }
    let value = Number.NaN;
    if (c.status !== 'skipped') {
      if (c.value !== null && Number.isFinite(c.value)) value = c.value;
      else if (c.status === 'missed') value = 0;
    }
    values[idx] = value;
    status[idx] =
      c.status === 'skipped' ? SKIPPED : Number.isNaN(value) ? UNKNOWN : meetsTarget(target, value) ? DONE : MISSED;
  }

  const notes = new Map<number, string>();
  if (withNotes > 0) {
    for (let i = 0; i < n; i++) {
      const d = dayNumbers[i] as number;
      if (d > todayNumber || d < base || writer[d - base] !== i + 1) continue;
      const note = (checkIns[i] as CheckIn).note;
      if (note != null && note !== '') notes.set(d, note);
    }
  }

  let firstDay = counted > 0 ? oldest : todayNumber;

  if (hasAutoDays) {
    const earliestBegin = applyAutomaticDays(status, base, frequency);
    if (earliestBegin < firstDay) firstDay = earliestBegin;
  }

  const offset = firstDay - base;
  return {
    habit,
    firstDay,
    today: todayNumber,
    length: todayNumber - firstDay + 1,
    status: status.subarray(offset),
    values: values.subarray(offset),
    notes,
  };
}

/**
 * Marks the automatic days in `status` (index = day - base, last index = today) and returns the
 * day number of the oldest window begin (or +Infinity when there is no window).
 *
 * DESIGN §5 / Loop EntryList:
 * 1. buildIntervals: done-days newest first d[0] > d[1] > ...; for every i ≥ times-1 the group
 *    d[i-times+1] (newest, "center") .. d[i] (oldest, "begin"), groups overlapping. If
 *    center - begin < L (L = window length, see frequency.ts) the window is begin .. begin+L-1.
 * 2. snapIntervalsTogether: walking the windows newest first, when window k overlaps window
 *    k-1 (already moved), i.e. gap = end_k - begin_{k-1} ≥ 0, move window k back by
 *    min(gap + 1, end_k - center_k): by the overlap, but its end never before its center.
 * 3. buildEntriesFromInterval: every day in a window that is not done or skipped becomes auto
 *    (an explicit missed, or a note-only day, inside a window becomes auto too).
 * Days after today are not part of the history; windows are cut at today.
 */
function applyAutomaticDays(status: Uint8Array, base: number, frequency: Frequency): number {
  const last = status.length - 1;
  let doneCount = 0;
  for (let i = 0; i <= last; i++) if (status[i] === DONE) doneCount++;
  const times = frequency.times;
  if (doneCount < times) return Number.POSITIVE_INFINITY;

  // Done-day indices, newest first.
  const done = new Int32Array(doneCount);
  for (let i = last, k = 0; i >= 0; i--) if (status[i] === DONE) done[k++] = i;

  const groups = doneCount - times + 1;
  const begins = new Int32Array(groups);
  const centers = new Int32Array(groups);
  const ends = new Int32Array(groups);
  const windowLength = windowLengthFunction(frequency);
  let count = 0;
  for (let i = times - 1; i < doneCount; i++) {
    const begin = done[i] as number;
    const center = done[i - times + 1] as number;
    const length = windowLength(begin + base);
    if (center - begin < length) {
      begins[count] = begin;
      centers[count] = center;
      ends[count] = begin + length - 1;
      count++;
    }
  }

  // Snap, and record each window in a difference array (+1 at its begin, −1 after its end) so
  // that overlapping windows cost O(1) each instead of O(window length).
  const coverage = new Int32Array(last + 2);
  let earliest = last + 1;
  for (let k = 0; k < count; k++) {
    let begin = begins[k] as number;
    let end = ends[k] as number;
    if (k > 0) {
      const gap = end - (begins[k - 1] as number);
      if (gap >= 0) {
        const shift = Math.min(end - (centers[k] as number), gap + 1);
        begin -= shift;
        end -= shift;
        begins[k] = begin;
      }
    }
    coverage[begin] = (coverage[begin] as number) + 1;
    const after = end < last ? end + 1 : last + 1;
    coverage[after] = (coverage[after] as number) - 1;
    if (begin < earliest) earliest = begin;
  }
  if (earliest > last) return Number.POSITIVE_INFINITY;
  let depth = 0;
  for (let i = earliest; i <= last; i++) {
    depth += coverage[i] as number;
    if (depth > 0) {
      const s = status[i];
      if (s !== DONE && s !== SKIPPED) status[i] = AUTO;
    }
  }
  return earliest + base;
}

/** Index of `day` in the history arrays, or -1 when outside firstDay..today. */
export function historyIndex(history: HabitHistory, day: number): number {
  return day < history.firstDay || day > history.today ? -1 : day - history.firstDay;
}

/** Status of a day number: 'unknown' outside the history. */
export function statusOn(history: HabitHistory, day: number): DayStatus {
  const i = historyIndex(history, day);
  return i < 0 ? 'unknown' : dayStatusOfCode(history.status[i] as number);
}

/** Value of a day number (measurable), null when none. */
export function valueOn(history: HabitHistory, day: number): number | null {
  const i = historyIndex(history, day);
  if (i < 0) return null;
  const v = history.values[i] as number;
  return Number.isNaN(v) ? null : v;
}

export interface HistoryDay {
  readonly date: CalendarDay;
  readonly status: DayStatus;
  readonly value: number | null;
}

/** The history as plain rows, oldest first (allocates: for responses and tests, not hot paths). */
export function historyDays(history: HabitHistory): HistoryDay[] {
  const rows: HistoryDay[] = new Array<HistoryDay>(history.length);
  for (let i = 0; i < history.length; i++) {
    const v = history.values[i] as number;
    rows[i] = {
      date: fromDayNumber(history.firstDay + i),
      status: dayStatusOfCode(history.status[i] as number),
      value: Number.isNaN(v) ? null : v,
    };
  }
  return rows;
}
