import { describe, expect, it } from 'vitest';
import { toDayNumber } from './calendar-day.js';
import { frequencyRatio, isPerCalendarMonth, normalizeFrequency, scoreMultiplier, windowLength } from './frequency.js';

describe('frequency', () => {
  it('normalises times == days to 1/1 and keeps other fractions as given', () => {
    expect(normalizeFrequency({ times: 7, days: 7 })).toEqual({ times: 1, days: 1 });
    expect(normalizeFrequency({ times: 30, days: 30 })).toEqual({ times: 1, days: 1 });
    expect(normalizeFrequency({ times: 3, days: 7 })).toEqual({ times: 3, days: 7 });
    // Not reduced: 2 in 14 days is a different schedule from 1 in 7.
    expect(normalizeFrequency({ times: 2, days: 14 })).toEqual({ times: 2, days: 14 });
  });

  it('rejects invalid fractions', () => {
    expect(() => normalizeFrequency({ times: 4, days: 3 })).toThrow(RangeError);
    expect(() => normalizeFrequency({ times: 0, days: 3 })).toThrow(RangeError);
    expect(() => normalizeFrequency({ times: 1, days: 0 })).toThrow(RangeError);
    expect(() => normalizeFrequency({ times: 1.5, days: 3 })).toThrow(RangeError);
  });

  it('has the strength multiplier m = 0.5^(sqrt(times/days)/13)', () => {
    expect(scoreMultiplier({ times: 1, days: 1 })).toBeCloseTo(0.5 ** (1 / 13), 15);
    // 3 per week: sqrt(3/7) / 13.
    expect(scoreMultiplier({ times: 3, days: 7 })).toBeCloseTo(0.5 ** (Math.sqrt(3 / 7) / 13), 15);
    // A daily habit halves in 13 days: m^13 = 0.5.
    expect(scoreMultiplier({ times: 1, days: 1 }) ** 13).toBeCloseTo(0.5, 12);
    expect(frequencyRatio({ times: 2, days: 30 })).toBeCloseTo(1 / 15, 15);
  });

  it('uses the real month length for per-calendar-month windows', () => {
    const monthly = { times: 1, days: 30 };
    expect(isPerCalendarMonth(monthly)).toBe(true);
    expect(isPerCalendarMonth({ times: 1, days: 31 })).toBe(true);
    expect(isPerCalendarMonth({ times: 1, days: 28 })).toBe(false);
    expect(windowLength(monthly, toDayNumber('2026-01-15'))).toBe(31); // January
    expect(windowLength(monthly, toDayNumber('2026-02-10'))).toBe(28); // February 2026
    expect(windowLength(monthly, toDayNumber('2024-02-10'))).toBe(29); // leap February
    expect(windowLength(monthly, toDayNumber('2026-04-01'))).toBe(30); // April
    // Starting on the last day of a month: the next month's length (Loop's rule).
    expect(windowLength(monthly, toDayNumber('2026-01-31'))).toBe(28); // -> February 2026
    expect(windowLength(monthly, toDayNumber('2026-04-30'))).toBe(31); // -> May
    expect(windowLength(monthly, toDayNumber('2026-12-31'))).toBe(31); // -> January 2027
    expect(windowLength(monthly, toDayNumber('2026-02-28'))).toBe(31); // -> March
    // Other frequencies: just `days`.
    expect(windowLength({ times: 3, days: 7 }, toDayNumber('2026-01-31'))).toBe(7);
    expect(windowLength({ times: 1, days: 28 }, toDayNumber('2026-01-31'))).toBe(28);
  });
});
