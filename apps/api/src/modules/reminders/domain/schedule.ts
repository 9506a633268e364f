/**
 * When a reminder fires.
 *
 * A reminder is a local time of day ("08:00") on some ISO weekdays (1 = Monday .. 7 = Sunday),
 * in the user's IANA time zone and with the user's day-start hour. It belongs to the user's
 * *local day* (DESIGN §5): with a day-start hour of 4, a 01:00 reminder is the last reminder of a
 * day, fired at 01:00 on the next calendar date, and its weekday is the weekday of the day it
 * belongs to (a "Friday 01:00" reminder fires in the night from Friday to Saturday).
 *
 * Wall-clock times that do not exist (the hour skipped when clocks spring forward) fire at the
 * first valid minute after the gap; times that exist twice (clocks fall back) fire at the first
 * of the two instants only, because each local day has exactly one fire instant per reminder.
 */
import { type CalendarDay, fromDayNumber, localTodayDayNumber, weekdayOfDayNumber } from '../../habits/domain/index.js';

export interface ReminderSchedule {
  /** Minutes after local midnight, 0..1439. */
  minuteOfDay: number;
  /** ISO weekdays of the local day, 1 = Monday .. 7 = Sunday; at least one. */
  weekdays: readonly number[];
}

export interface UserClock {
  timezone: string;
  /** 0..23: the local hour at which a new day starts. */
  dayStartHour: number;
}

export interface FireTime {
  /** The instant (UTC). */
  at: Date;
  /** The user's local day the reminder belongs to, `YYYY-MM-DD`. */
  day: CalendarDay;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** `"08:05"` → 485; the caller has validated the shape. */
export function parseTimeOfDay(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export function formatTimeOfDay(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
}

/** ISO weekday (1 = Monday .. 7 = Sunday) of a day number; the calendar counts Sunday as 0. */
function isoWeekdayOfDayNumber(dayNumber: number): number {
  return weekdayOfDayNumber(dayNumber) || 7;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
      calendar: 'gregory',
      numberingSystem: 'latn',
    });
    offsetFormatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock of `instant` in `timeZone`, as milliseconds "as if it were UTC" (minute precision). */
function wallClockMs(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of offsetFormatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  // Date.UTC counts whole days of the proleptic Gregorian calendar, like the habit day numbers.
  const midnight = Date.UTC(parts.year as number, (parts.month as number) - 1, parts.day as number);
  return midnight + (parts.hour as number) * 60 * MINUTE + (parts.minute as number) * MINUTE;
}

/** UTC offset of the zone at `instant`, in ms (minute-aligned instants only). */
function offsetAt(instant: number, timeZone: string): number {
  return wallClockMs(instant, timeZone) - instant;
}

/**
 * The instant at which the wall clock of `timeZone` shows `wall` (ms "as if UTC", minute
 * aligned). Twice-shown times give the earlier instant; never-shown times give the first
 * instant after the gap (the transition itself).
 */
export function instantOfWallClock(wall: number, timeZone: string): number {
  // No zone changes its offset twice within two days, so the offsets one day either side
  // are the only candidates.
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const candidates = [wall - before, wall - after].filter((t) => wallClockMs(t, timeZone) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  // A gap: the transition lies between the two readings; find its first minute.
  let lo = Math.min(wall - before, wall - after);
  let hi = Math.max(wall - before, wall - after);
  const offsetLo = offsetAt(lo, timeZone);
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (offsetAt(mid, timeZone) === offsetLo) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The fire instant of a reminder on local day `dayNumber`: its time on that date, or on the next
 * calendar date when the time is before the day-start hour (the night belongs to the day before).
 */
export function fireInstantOnDay(minuteOfDay: number, dayNumber: number, clock: UserClock): number {
  const date = minuteOfDay < clock.dayStartHour * 60 ? dayNumber + 1 : dayNumber;
  return instantOfWallClock(date * DAY + minuteOfDay * MINUTE, clock.timezone);
}

/**
 * The first fire of `schedule` at or after `from`: the instant and the local day it belongs to.
 * Null only when the schedule has no weekday.
 */
export function nextFireAtOrAfter(schedule: ReminderSchedule, clock: UserClock, from: Date): FireTime | null {
  if (schedule.weekdays.length === 0) return null;
  const t = from.getTime();
  // The local day of `from` minus one: a night-time fire of yesterday's local day may still be ahead.
  const first = localTodayDayNumber(from, clock.timezone, clock.dayStartHour) - 1;
  for (let day = first; day <= first + 8; day++) {
    if (!schedule.weekdays.includes(isoWeekdayOfDayNumber(day))) continue;
    const at = fireInstantOnDay(schedule.minuteOfDay, day, clock);
    if (at >= t) return { at: new Date(at), day: fromDayNumber(day) };
  }
  return null;
}
