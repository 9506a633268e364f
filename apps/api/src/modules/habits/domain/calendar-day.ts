/**
 * Calendar days.
 *
 * A calendar day is a `YYYY-MM-DD` string in the user's own time zone (DESIGN §4). Inside the
 * domain it is an integer "day number": days since 1970-01-01 in the proleptic Gregorian
 * calendar. All arithmetic is integer arithmetic (Howard Hinnant's civil-date algorithms), so
 * there is no `Date`, no local time and no DST anywhere except in `localToday`, which is the one
 * place that turns an instant into a calendar day.
 */

/** A `YYYY-MM-DD` string. */
export type CalendarDay = string;

/** Day number of 1970-01-01 is 0; 1970-01-01 was a Thursday. */
const THURSDAY = 4;

const MIN_YEAR = 1;
const MAX_YEAR = 9999;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Number of days in `month` (1..12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  switch (month) {
    case 2:
      return isLeapYear(year) ? 29 : 28;
    case 4:
    case 6:
    case 9:
    case 11:
      return 30;
    default:
      return 31;
  }
}

/** Day number of a valid civil date (no validation). */
export function dayNumberFromParts(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface CivilDate {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
}

export function partsFromDayNumber(dayNumber: number): CivilDate {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** Days before the first of each month (index 1..12) in a common year. */
const DAYS_BEFORE_MONTH = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const MONTH_LENGTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Leap days in years 1..1969: 492 − 19 + 4. */
const LEAP_DAYS_BEFORE_1970 = 477;

/**
 * Parses `YYYY-MM-DD` into a day number, or returns `NaN` when the string is not a real
 * calendar day (wrong shape, month 13, 2025-02-30, year 0000...). Hot path (one call per
 * check-in): integer arithmetic on char codes only.
 */
export function tryToDayNumber(day: string): number {
  if (day.length !== 10 || day.charCodeAt(4) !== 45 || day.charCodeAt(7) !== 45) return NaN;
  const y0 = day.charCodeAt(0) - 48;
  const y1 = day.charCodeAt(1) - 48;
  const y2 = day.charCodeAt(2) - 48;
  const y3 = day.charCodeAt(3) - 48;
  const m0 = day.charCodeAt(5) - 48;
  const m1 = day.charCodeAt(6) - 48;
  const d0 = day.charCodeAt(8) - 48;
  const d1 = day.charCodeAt(9) - 48;
  // `x >>> 0 > 9` rejects both non-digits above '9' and (negative) below '0'.
  if (
    y0 >>> 0 > 9 ||
    y1 >>> 0 > 9 ||
    y2 >>> 0 > 9 ||
    y3 >>> 0 > 9 ||
    m0 >>> 0 > 9 ||
    m1 >>> 0 > 9 ||
    d0 >>> 0 > 9 ||
    d1 >>> 0 > 9
  ) {
    return NaN;
  }
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const dom = d0 * 10 + d1;
  if (year < MIN_YEAR || month < 1 || month > 12 || dom < 1) return NaN;
  const leap = (year & 3) === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (dom > (month === 2 && leap ? 29 : (MONTH_LENGTH[month] as number))) return NaN;
  const py = year - 1;
  return (
    365 * (year - 1970) +
    ((py / 4) | 0) -
    ((py / 100) | 0) +
    ((py / 400) | 0) -
    LEAP_DAYS_BEFORE_1970 +
    (DAYS_BEFORE_MONTH[month] as number) +
    (month > 2 && leap ? 1 : 0) +
    dom -
    1
  );
}

export function isValidCalendarDay(day: unknown): day is CalendarDay {
  return typeof day === 'string' && !Number.isNaN(tryToDayNumber(day));
}

/** Parses `YYYY-MM-DD` into a day number; throws a RangeError for anything else. */
export function toDayNumber(day: CalendarDay): number {
  const n = tryToDayNumber(day);
  if (Number.isNaN(n)) throw new RangeError(`Invalid calendar day: ${JSON.stringify(day)}`);
  return n;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Formats a day number as `YYYY-MM-DD` (years 0001..9999). */
export function fromDayNumber(dayNumber: number): CalendarDay {
  if (!Number.isInteger(dayNumber)) throw new RangeError(`Invalid day number: ${dayNumber}`);
  const { year, month, day } = partsFromDayNumber(dayNumber);
  if (year < MIN_YEAR || year > MAX_YEAR) throw new RangeError(`Day number out of range: ${dayNumber}`);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

export function addDays(day: CalendarDay, n: number): CalendarDay {
  return fromDayNumber(toDayNumber(day) + n);
}

/** `a - b` in days: `diffDays('2026-03-02', '2026-02-28') === 2`. */
export function diffDays(a: CalendarDay, b: CalendarDay): number {
  return toDayNumber(a) - toDayNumber(b);
}

/** Weekday of a day number: 0 = Sunday .. 6 = Saturday. */
export function weekdayOfDayNumber(dayNumber: number): number {
  return (((dayNumber + THURSDAY) % 7) + 7) % 7;
}

/** Weekday of a calendar day: 0 = Sunday .. 6 = Saturday. */
export function weekday(day: CalendarDay): number {
  return weekdayOfDayNumber(toDayNumber(day));
}

/** `YYYY-MM` of a day number. */
export function monthKeyOfDayNumber(dayNumber: number): string {
  const { year, month } = partsFromDayNumber(dayNumber);
  return `${String(year).padStart(4, '0')}-${pad2(month)}`;
}

// ---------------------------------------------------------------------------------------------
// "Today" in the user's time zone.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // Throws a RangeError for an unknown zone, which is what we want.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      hourCycle: 'h23',
      calendar: 'gregory',
      numberingSystem: 'latn',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The user's local calendar day at the instant `now`, in the IANA zone `timeZone`, where a day
 * starts at `dayStartHour` o'clock local wall-clock time (0..23; 0 = midnight). With
 * `dayStartHour` 4, 01:30 still belongs to yesterday.
 *
 * The comparison is done on the local wall clock (local hour < dayStartHour → previous day), not
 * by subtracting hours from the instant, so a DST change can neither lose nor duplicate a day:
 * every instant maps to exactly one day, and the days follow each other without gaps (a local
 * day is then 23 or 25 hours long, as it is on the wall clock).
 */
export function localToday(now: Date, timeZone: string, dayStartHour = 0): CalendarDay {
  return fromDayNumber(localTodayDayNumber(now, timeZone, dayStartHour));
}

export function localTodayDayNumber(now: Date, timeZone: string, dayStartHour = 0): number {
  if (!Number.isInteger(dayStartHour) || dayStartHour < 0 || dayStartHour > 23) {
    throw new RangeError(`dayStartHour must be an integer 0..23, got ${dayStartHour}`);
  }
  const t = now.getTime();
  if (!Number.isFinite(t)) throw new RangeError('Invalid date');
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  for (const part of formatterFor(timeZone).formatToParts(t)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      default:
        break;
    }
  }
  const dn = dayNumberFromParts(year, month, day);
  return hour < dayStartHour ? dn - 1 : dn;
}
