import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysInMonth,
  diffDays,
  fromDayNumber,
  isValidCalendarDay,
  isValidTimeZone,
  localToday,
  toDayNumber,
  weekday,
} from './calendar-day.js';

describe('calendar days <-> day numbers', () => {
  it('counts days since 1970-01-01', () => {
    expect(toDayNumber('1970-01-01')).toBe(0);
    expect(toDayNumber('1970-01-02')).toBe(1);
    expect(toDayNumber('1969-12-31')).toBe(-1);
    // 1970..1999 = 30 years, 7 of them leap (72 76 80 84 88 92 96): 30*365 + 7 = 10957.
    expect(toDayNumber('2000-01-01')).toBe(10957);
    // + January (31) + February 2000 (29, divisible by 400).
    expect(toDayNumber('2000-03-01')).toBe(10957 + 31 + 29);
    expect(fromDayNumber(10957 + 31 + 29)).toBe('2000-03-01');
    expect(fromDayNumber(-1)).toBe('1969-12-31');
  });

  it('rejects days that do not exist', () => {
    expect(isValidCalendarDay('2025-02-30')).toBe(false);
    expect(isValidCalendarDay('2025-02-29')).toBe(false);
    expect(isValidCalendarDay('2024-02-29')).toBe(true);
    expect(isValidCalendarDay('1900-02-29')).toBe(false); // divisible by 100, not by 400
    expect(isValidCalendarDay('2000-02-29')).toBe(true);
    expect(isValidCalendarDay('2025-04-31')).toBe(false);
    expect(isValidCalendarDay('2025-13-01')).toBe(false);
    expect(isValidCalendarDay('2025-00-10')).toBe(false);
    expect(isValidCalendarDay('2025-01-00')).toBe(false);
    expect(isValidCalendarDay('0000-01-01')).toBe(false);
    expect(isValidCalendarDay('2025-1-01')).toBe(false);
    expect(isValidCalendarDay('2025/01/01')).toBe(false);
    expect(isValidCalendarDay('2025-01-01T00:00')).toBe(false);
    expect(isValidCalendarDay(' 2025-01-01')).toBe(false);
    expect(isValidCalendarDay(20250101)).toBe(false);
    expect(() => toDayNumber('2025-02-30')).toThrow(RangeError);
  });

  it('adds and subtracts days across month and year ends', () => {
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(diffDays('2026-03-02', '2026-02-28')).toBe(2);
    expect(diffDays('2025-01-01', '2024-01-01')).toBe(366);
  });

  it('knows the weekday (0 = Sunday)', () => {
    expect(weekday('1970-01-01')).toBe(4); // a Thursday
    expect(weekday('1969-12-28')).toBe(0); // the Sunday before it
    // EU DST changes happen on Sundays: the last Sundays of March and October 2026.
    expect(weekday('2026-03-29')).toBe(0);
    expect(weekday('2026-10-25')).toBe(0);
    expect(weekday('2026-03-28')).toBe(6);
  });

  it('knows month lengths', () => {
    expect(daysInMonth(2026, 1)).toBe(31);
    expect(daysInMonth(2026, 2)).toBe(28);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2026, 4)).toBe(30);
    expect(daysInMonth(2026, 12)).toBe(31);
  });

  it('round-trips and agrees with the UTC calendar of Date (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: toDayNumber('0001-01-01'), max: toDayNumber('9999-12-31') }), (n) => {
        const s = fromDayNumber(n);
        expect(toDayNumber(s)).toBe(n);
        // Date is only an oracle here: UTC midnight of day n.
        const date = new Date(n * 86_400_000);
        expect(Number(s.slice(0, 4))).toBe(date.getUTCFullYear());
        expect(Number(s.slice(5, 7))).toBe(date.getUTCMonth() + 1);
        expect(Number(s.slice(8, 10))).toBe(date.getUTCDate());
        expect(weekday(s)).toBe(date.getUTCDay());
      }),
      { numRuns: 2000 },
    );
  });
});

describe('localToday', () => {
  it('Pacific/Honolulu (UTC−10, no DST)', () => {
    expect(localToday(new Date('2026-01-15T09:59:00Z'), 'Pacific/Honolulu')).toBe('2026-01-14'); // 23:59
    expect(localToday(new Date('2026-01-15T10:00:00Z'), 'Pacific/Honolulu')).toBe('2026-01-15'); // 00:00
    // Day starts at 04:00: 03:59 local (13:59Z) is still the 14th, 04:00 (14:00Z) the 15th.
    expect(localToday(new Date('2026-01-15T13:59:00Z'), 'Pacific/Honolulu', 4)).toBe('2026-01-14');
    expect(localToday(new Date('2026-01-15T14:00:00Z'), 'Pacific/Honolulu', 4)).toBe('2026-01-15');
  });

  it('Pacific/Kiritimati (UTC+14)', () => {
    expect(localToday(new Date('2026-01-15T09:59:00Z'), 'Pacific/Kiritimati')).toBe('2026-01-15'); // 23:59
    expect(localToday(new Date('2026-01-15T10:00:00Z'), 'Pacific/Kiritimati')).toBe('2026-01-16'); // 00:00
    // At that instant Honolulu is 24 hours behind: the 15th there, the 16th in Kiritimati.
    expect(localToday(new Date('2026-01-15T10:00:00Z'), 'Pacific/Honolulu')).toBe('2026-01-15');
    // 01:30 local on the 16th with a day start of 4 belongs to the 15th.
    expect(localToday(new Date('2026-01-15T11:30:00Z'), 'Pacific/Kiritimati', 4)).toBe('2026-01-15');
  });

  it('Europe/Berlin, spring forward on 2026-03-29 (02:00 CET -> 03:00 CEST at 01:00Z)', () => {
    const z = 'Europe/Berlin';
    expect(localToday(new Date('2026-03-28T22:59:00Z'), z)).toBe('2026-03-28'); // 23:59 CET
    expect(localToday(new Date('2026-03-28T23:00:00Z'), z)).toBe('2026-03-29'); // 00:00 CET
    // Day start 4: 01:59 CET and 03:00 CEST (the first instant after the jump) are still the 28th.
    expect(localToday(new Date('2026-03-29T00:59:00Z'), z, 4)).toBe('2026-03-28');
    expect(localToday(new Date('2026-03-29T01:00:00Z'), z, 4)).toBe('2026-03-28');
    expect(localToday(new Date('2026-03-29T01:59:00Z'), z, 4)).toBe('2026-03-28'); // 03:59 CEST
    expect(localToday(new Date('2026-03-29T02:00:00Z'), z, 4)).toBe('2026-03-29'); // 04:00 CEST
    // Hours per local day, counted over hourly instants: midnight-based, the 29th has 23 hours
    // (23:00Z on the 28th .. 21:00Z on the 29th). With a day start of 4 the 28th loses the
    // hour (03:00Z on the 28th .. 01:00Z on the 29th = 23 hours) and the 29th has 24.
    const midnight = hoursPerDay(z, 0, '2026-03-27T00:00:00Z', '2026-04-01T00:00:00Z');
    expect(midnight.get('2026-03-28')).toBe(24);
    expect(midnight.get('2026-03-29')).toBe(23);
    expect(midnight.get('2026-03-30')).toBe(24);
    const owl = hoursPerDay(z, 4, '2026-03-27T00:00:00Z', '2026-04-01T00:00:00Z');
    expect(owl.get('2026-03-28')).toBe(23);
    expect(owl.get('2026-03-29')).toBe(24);
    expect(owl.get('2026-03-30')).toBe(24);
  });

  it('Europe/Berlin, fall back on 2026-10-25 (03:00 CEST -> 02:00 CET at 01:00Z)', () => {
    const z = 'Europe/Berlin';
    // 02:30 happens twice (00:30Z in CEST, 01:30Z in CET): both the 25th from midnight,
    // both the 24th with a day start of 4.
    expect(localToday(new Date('2026-10-25T00:30:00Z'), z)).toBe('2026-10-25');
    expect(localToday(new Date('2026-10-25T01:30:00Z'), z)).toBe('2026-10-25');
    expect(localToday(new Date('2026-10-25T00:30:00Z'), z, 4)).toBe('2026-10-24');
    expect(localToday(new Date('2026-10-25T01:30:00Z'), z, 4)).toBe('2026-10-24');
    expect(localToday(new Date('2026-10-25T02:59:00Z'), z, 4)).toBe('2026-10-24'); // 03:59 CET
    expect(localToday(new Date('2026-10-25T03:00:00Z'), z, 4)).toBe('2026-10-25'); // 04:00 CET
    // Midnight-based the 25th has 25 hours (22:00Z on the 24th .. 22:00Z on the 25th).
    // With a day start of 4 the 24th gets the extra hour (02:00Z 24th .. 02:00Z 25th, 25 h).
    const midnight = hoursPerDay(z, 0, '2026-10-23T00:00:00Z', '2026-10-28T00:00:00Z');
    expect(midnight.get('2026-10-24')).toBe(24);
    expect(midnight.get('2026-10-25')).toBe(25);
    expect(midnight.get('2026-10-26')).toBe(24);
    const owl = hoursPerDay(z, 4, '2026-10-23T00:00:00Z', '2026-10-28T00:00:00Z');
    expect(owl.get('2026-10-24')).toBe(25);
    expect(owl.get('2026-10-25')).toBe(24);
    expect(owl.get('2026-10-26')).toBe(24);
  });

  it('never skips or repeats a day, in any zone and day start (property)', () => {
    const zones = [
      'Pacific/Honolulu',
      'Pacific/Kiritimati',
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'America/Santiago',
      'Asia/Kolkata',
      'UTC',
    ];
    const start = Date.parse('2000-01-01T00:00:00Z');
    const end = Date.parse('2040-01-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: start, max: end }),
        (zone, dayStartHour, t) => {
          // Step through 30 hours in 20-minute steps: the day number never goes back and never
          // jumps by more than one.
          let previous = toDayNumber(localToday(new Date(t), zone, dayStartHour));
          for (let k = 1; k <= 90; k++) {
            const current = toDayNumber(localToday(new Date(t + k * 20 * 60_000), zone, dayStartHour));
            expect(current - previous === 0 || current - previous === 1).toBe(true);
            previous = current;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('validates its arguments', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => localToday(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => localToday(new Date(), 'UTC', 24)).toThrow(RangeError);
    expect(() => localToday(new Date(), 'UTC', 1.5)).toThrow(RangeError);
    expect(() => localToday(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});

/** How many of the hourly instants in [fromIso, toIso) fall on each local day. */
function hoursPerDay(zone: string, dayStartHour: number, fromIso: string, toIso: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (let t = Date.parse(fromIso); t < Date.parse(toIso); t += 3_600_000) {
    const day = localToday(new Date(t), zone, dayStartHour);
    counts.set(day, (counts.get(day) ?? 0) + 1);
  }
  return counts;
}
