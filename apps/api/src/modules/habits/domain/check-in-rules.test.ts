/**
 * The rules a check-in, a habit change and a date range obey (DESIGN §5): expected values are
 * read off the rules, not off the code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localToday } from './calendar-day.js';
import {
  checkInValues,
  checkInViolation,
  dateRange,
  habitChangeViolation,
  rangeViolation,
  startDateViolation,
} from './check-in-rules.js';

const TODAY = '2026-03-10';
const HABIT = '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c';

describe('a check-in against its habit', () => {
  it('accepts each status of a boolean habit, on today and on a past day, with or without a note', () => {
    for (const status of ['done', 'skipped', 'missed'] as const) {
      expect(checkInViolation('boolean', { date: TODAY, status }, TODAY)).toBeNull();
      expect(checkInViolation('boolean', { date: '2024-02-29', status, note: 'sick' }, TODAY)).toBeNull();
    }
  });

  it('asks a boolean habit for a status and refuses a value', () => {
    expect(checkInViolation('boolean', { date: TODAY }, TODAY)).toMatchObject({ field: 'status', code: 'required' });
    expect(checkInViolation('boolean', { date: TODAY, note: 'only a note' }, TODAY)).toMatchObject({
      field: 'status',
      code: 'required',
    });
    expect(checkInViolation('boolean', { date: TODAY, status: 'done', value: 1 }, TODAY)).toMatchObject({
      field: 'value',
      code: 'not_allowed',
    });
  });

  it('takes a value, or skipped, on a measurable habit, never done or missed', () => {
    expect(checkInViolation('measurable', { date: TODAY, value: 4.2 }, TODAY)).toBeNull();
    expect(checkInViolation('measurable', { date: TODAY, value: 0 }, TODAY)).toBeNull();
    expect(checkInViolation('measurable', { date: TODAY, status: 'skipped' }, TODAY)).toBeNull();
    expect(checkInViolation('measurable', { date: TODAY, status: 'done', value: 3 }, TODAY)).toMatchObject({
      field: 'status',
      code: 'not_allowed',
    });
    expect(checkInViolation('measurable', { date: TODAY, status: 'missed' }, TODAY)).toMatchObject({
      field: 'status',
      code: 'not_allowed',
    });
    expect(checkInViolation('measurable', { date: TODAY, note: 'tired' }, TODAY)).toMatchObject({
      field: 'value',
      code: 'required',
    });
  });

  it("refuses a day after the user's today before looking at the fields", () => {
    expect(checkInViolation('boolean', { date: '2026-03-11', status: 'done' }, TODAY)).toEqual({
      field: 'date',
      message: "is after the user's today (2026-03-10)",
      code: 'future_date',
    });
    // Both the date and the value are wrong: the date is named.
    expect(checkInViolation('boolean', { date: '2027-01-01', value: 1 }, TODAY)).toMatchObject({ field: 'date' });
    expect(checkInViolation('measurable', { date: '2026-03-11', value: 1 }, TODAY)).toMatchObject({ field: 'date' });
  });

  it("judges the date against the user's own today, in their zone and with their day-start hour", () => {
    // 2026-03-10T02:00Z is 22:00 on 9 March in New York (EDT since 8 March, UTC-4).
    const newYork = localToday(new Date('2026-03-10T02:00:00Z'), 'America/New_York');
    expect(newYork).toBe('2026-03-09');
    expect(checkInViolation('boolean', { date: '2026-03-10', status: 'done' }, newYork)).toMatchObject({
      code: 'future_date',
    });
    // 2026-03-10T12:00Z is 01:00 on 11 March in Auckland (NZDT, UTC+13): already tomorrow in UTC terms.
    const auckland = localToday(new Date('2026-03-10T12:00:00Z'), 'Pacific/Auckland');
    expect(auckland).toBe('2026-03-11');
    expect(checkInViolation('boolean', { date: '2026-03-11', status: 'done' }, auckland)).toBeNull();
    // A night owl whose day starts at 03:00: 01:30 on 11 March still belongs to 10 March.
    const owl = localToday(new Date('2026-03-11T01:30:00Z'), 'UTC', 3);
    expect(owl).toBe('2026-03-10');
    expect(checkInViolation('boolean', { date: '2026-03-11', status: 'done' }, owl)).toMatchObject({
      code: 'future_date',
    });
  });
});

describe('what is stored for a check-in', () => {
  it('keeps the status of a boolean entry and never a value', () => {
    expect(checkInValues('boolean', HABIT, { date: TODAY, status: 'missed', note: 'sick' })).toEqual({
      habitId: HABIT,
      date: TODAY,
      status: 'missed',
      value: null,
      note: 'sick',
    });
  });

  it('keeps the value of a measurable entry, or only `skipped`', () => {
    expect(checkInValues('measurable', HABIT, { date: TODAY, value: 4.2 })).toEqual({
      habitId: HABIT,
      date: TODAY,
      status: null,
      value: 4.2,
      note: null,
    });
    // A skipped day adds nothing to the window's sum (DESIGN §5), so no value is kept with it.
    expect(checkInValues('measurable', HABIT, { date: TODAY, status: 'skipped', value: 3 })).toEqual({
      habitId: HABIT,
      date: TODAY,
      status: 'skipped',
      value: null,
      note: null,
    });
  });

  it('stores every valid measurable entry as either its value or skipped, never both', () => {
    const entry = fc.record(
      {
        status: fc.constantFrom(undefined, 'skipped' as const),
        value: fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        note: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
      },
      { requiredKeys: ['value'] },
    );
    fc.assert(
      fc.property(entry, (input) => {
        const stored = checkInValues('measurable', HABIT, { date: TODAY, ...input });
        expect(stored.status).toBe(input.status === 'skipped' ? 'skipped' : null);
        expect(stored.value).toBe(input.status === 'skipped' ? null : input.value);
        expect(stored.note).toBe(input.note ?? null);
      }),
      { numRuns: 200 },
    );
  });
});

describe('a habit definition', () => {
  it('starts at the latest today', () => {
    expect(startDateViolation(undefined, TODAY)).toBeNull();
    expect(startDateViolation(TODAY, TODAY)).toBeNull();
    expect(startDateViolation('2020-01-01', TODAY)).toBeNull();
    expect(startDateViolation('2026-03-11', TODAY)).toMatchObject({ field: 'startDate', code: 'future_date' });
  });

  it('takes a target only when measurable, and one time per window then', () => {
    const target = { value: 5, unit: 'km', direction: 'at_least' };
    expect(habitChangeViolation('boolean', { target }, TODAY)).toMatchObject({ field: 'target', code: 'not_allowed' });
    expect(habitChangeViolation('measurable', { target }, TODAY)).toBeNull();
    expect(habitChangeViolation('measurable', { frequency: { times: 2 } }, TODAY)).toMatchObject({
      field: 'frequency.times',
      code: 'not_allowed',
    });
    expect(habitChangeViolation('measurable', { frequency: { times: 1 } }, TODAY)).toBeNull();
    expect(habitChangeViolation('boolean', { frequency: { times: 3 } }, TODAY)).toBeNull();
    expect(habitChangeViolation('boolean', { startDate: '2026-03-11' }, TODAY)).toMatchObject({
      field: 'startDate',
    });
    // Several wrong fields: the target is named first.
    expect(habitChangeViolation('boolean', { target, startDate: '2026-03-11' }, TODAY)).toMatchObject({
      field: 'target',
    });
  });
});

describe('a range of days', () => {
  it('ends today and spans the default number of days when not given', () => {
    // 20 days of February 2026 (9..28) and 10 of March.
    expect(dateRange({}, TODAY, 30)).toEqual({ from: '2026-02-09', to: TODAY });
    // 2025-03-11..2026-03-10 holds no 29 February: 365 days.
    expect(dateRange({}, TODAY, 365)).toEqual({ from: '2025-03-11', to: TODAY });
    // Counted back from a given end, across a leap day: 29 days of February 2024 and 1 March.
    expect(dateRange({ to: '2024-03-01' }, TODAY, 30)).toEqual({ from: '2024-02-01', to: '2024-03-01' });
    expect(dateRange({ from: '2026-01-01' }, TODAY, 30)).toEqual({ from: '2026-01-01', to: TODAY });
  });

  it('runs forward and is bounded, both ends included', () => {
    expect(rangeViolation({ from: TODAY, to: TODAY }, 7)).toBeNull();
    expect(rangeViolation({ from: '2026-03-11', to: TODAY }, 7)).toMatchObject({ field: 'from', code: 'range_order' });
    // 4..10 March is 7 days; 3..10 March is 8.
    expect(rangeViolation({ from: '2026-03-04', to: TODAY }, 7)).toBeNull();
    expect(rangeViolation({ from: '2026-03-03', to: TODAY }, 7)).toMatchObject({
      field: 'to',
      code: 'range_too_long',
    });
    // Five years with two leap days (2024, 2028): 2024-01-01..2028-12-31 is 5 × 365 + 2 = 1827 days.
    expect(rangeViolation({ from: '2024-01-01', to: '2028-12-31' }, 1827)).toBeNull();
    expect(rangeViolation({ from: '2023-12-31', to: '2028-12-31' }, 1827)).toMatchObject({ code: 'range_too_long' });
  });
});
