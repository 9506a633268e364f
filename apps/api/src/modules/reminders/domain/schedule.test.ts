import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimeOfDay, nextFireAtOrAfter, parseTimeOfDay, type UserClock } from './schedule.js';

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
const berlin: UserClock = { timezone: 'Europe/Berlin', dayStartHour: 0 };
const newYork: UserClock = { timezone: 'America/New_York', dayStartHour: 0 };

/** Next fire of `time` on `weekdays`, at or after `from`, as [ISO instant, local day]. */
function next(time: string, clock: UserClock, from: string, weekdays = EVERY_DAY): [string, string] | null {
  const fire = nextFireAtOrAfter({ minuteOfDay: parseTimeOfDay(time), weekdays }, clock, new Date(from));
  return fire ? [fire.at.toISOString(), fire.day] : null;
}

/** Follows the schedule from `from`: the next `count` fires, each searched from just after the previous. */
function fires(time: string, clock: UserClock, from: string, count: number): string[] {
  const out: string[] = [];
  let cursor = new Date(from);
  for (let i = 0; i < count; i++) {
    const fire = nextFireAtOrAfter({ minuteOfDay: parseTimeOfDay(time), weekdays: EVERY_DAY }, clock, cursor);
    if (!fire) break;
    out.push(fire.at.toISOString());
    cursor = new Date(fire.at.getTime() + 1);
  }
  return out;
}

describe('time of day', () => {
  it('parses and formats HH:MM', () => {
    expect(parseTimeOfDay('08:05')).toBe(485);
    expect(parseTimeOfDay('23:59')).toBe(1439);
    expect(formatTimeOfDay(485)).toBe('08:05');
    expect(formatTimeOfDay(0)).toBe('00:00');
  });
});

describe('Europe/Berlin (CET +1, CEST +2; 2026: forward 29 March 01:00Z, back 25 October 01:00Z)', () => {
  it('08:00 local fires at 08:00 on both sides of the spring change', () => {
    // 28 March is CET (08:00 = 07:00Z); 29 March is CEST (08:00 = 06:00Z).
    expect(fires('08:00', berlin, '2026-03-28T00:00:00Z', 2)).toEqual([
      '2026-03-28T07:00:00.000Z',
      '2026-03-29T06:00:00.000Z',
    ]);
  });

  it('a time inside the skipped hour fires once, at 03:00 (the first valid minute)', () => {
    // 02:30 does not exist on 29 March; the clock shows 03:00 at 01:00Z. 30 March: 02:30 CEST = 00:30Z.
    expect(fires('02:30', berlin, '2026-03-28T12:00:00Z', 2)).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('a time inside the repeated hour fires once, at its first occurrence', () => {
    // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET) on 25 October; 26 October 02:30 CET = 01:30Z.
    expect(fires('02:30', berlin, '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('08:00 local on both sides of the autumn change', () => {
    expect(fires('08:00', berlin, '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T07:00:00.000Z',
      '2026-10-26T07:00:00.000Z',
    ]);
  });
});

describe('America/New_York (EST −5, EDT −4; 2026: forward 8 March 07:00Z, back 1 November 06:00Z)', () => {
  it('08:00 local on both sides of the spring change', () => {
    expect(fires('08:00', newYork, '2026-03-07T00:00:00Z', 2)).toEqual([
      '2026-03-07T13:00:00.000Z',
      '2026-03-08T12:00:00.000Z',
    ]);
  });

  it('02:15 on the spring-forward night fires once at 03:00 EDT', () => {
    expect(next('02:15', newYork, '2026-03-08T05:00:00Z')).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-08']);
  });

  it('01:30 on the fall-back night fires once (EDT), then the next day at 01:30 EST', () => {
    // 01:30 EDT = 05:30Z, 01:30 EST = 06:30Z (same date, skipped); 2 November 01:30 EST = 06:30Z.
    expect(fires('01:30', newYork, '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });
});

describe('far from UTC', () => {
  it('Pacific/Kiritimati (UTC+14): 08:00 on Monday 15 June is 18:00Z on Sunday 14 June', () => {
    expect(next('08:00', { timezone: 'Pacific/Kiritimati', dayStartHour: 0 }, '2026-06-14T17:00:00Z')).toEqual([
      '2026-06-14T18:00:00.000Z',
      '2026-06-15',
    ]);
  });

  it('Pacific/Kiritimati: weekdays only, from Friday 09:00 local, is Monday 08:00 local', () => {
    // Friday 19 June 09:00 +14 = 18 June 19:00Z; Monday 22 June 08:00 +14 = 21 June 18:00Z.
    expect(
      next('08:00', { timezone: 'Pacific/Kiritimati', dayStartHour: 0 }, '2026-06-18T19:00:00Z', [1, 2, 3, 4, 5]),
    ).toEqual(['2026-06-21T18:00:00.000Z', '2026-06-22']);
  });

  it('Pacific/Honolulu (UTC−10): 21:00 on Monday 15 June is 07:00Z on Tuesday 16 June', () => {
    expect(next('21:00', { timezone: 'Pacific/Honolulu', dayStartHour: 0 }, '2026-06-15T08:00:00Z')).toEqual([
      '2026-06-16T07:00:00.000Z',
      '2026-06-15',
    ]);
  });
});

describe('day-start hour 4', () => {
  const owl: UserClock = { timezone: 'Europe/Berlin', dayStartHour: 4 };

  it("a Friday 01:00 reminder belongs to Friday's day and fires in the night to Saturday", () => {
    // Friday 19 June 2026; Saturday 20 June 01:00 CEST = 19 June 23:00Z.
    expect(next('01:00', owl, '2026-06-19T10:00:00Z', [5])).toEqual(['2026-06-19T23:00:00.000Z', '2026-06-19']);
  });

  it('at 01:30 Saturday (still Friday) the next Friday reminder is a week later', () => {
    expect(next('01:00', owl, '2026-06-19T23:30:00Z', [5])).toEqual(['2026-06-26T23:00:00.000Z', '2026-06-26']);
  });

  it('a Saturday 01:00 reminder fires in the night to Sunday, not to Saturday', () => {
    expect(next('01:00', owl, '2026-06-19T10:00:00Z', [6])).toEqual(['2026-06-20T23:00:00.000Z', '2026-06-20']);
  });

  it('with day start 0 the same Friday 01:00 reminder fires early on Friday', () => {
    expect(next('01:00', berlin, '2026-06-18T10:00:00Z', [5])).toEqual(['2026-06-18T23:00:00.000Z', '2026-06-19']);
  });

  it('times at or after the day-start hour stay on their own date', () => {
    expect(next('04:00', owl, '2026-06-19T00:00:00Z', [5])).toEqual(['2026-06-19T02:00:00.000Z', '2026-06-19']);
  });
});

describe('properties', () => {
  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'Pacific/Kiritimati',
    'Pacific/Honolulu',
    'Australia/Lord_Howe',
    'UTC',
  ];

  it('the next fire is at or after `from`, within 8 days, on a chosen weekday, and shows the time unless in a gap', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 1439 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }),
        (timezone, dayStartHour, minuteOfDay, weekdays, from) => {
          const fire = nextFireAtOrAfter({ minuteOfDay, weekdays }, { timezone, dayStartHour }, new Date(from));
          expect(fire).not.toBeNull();
          const at = (fire as NonNullable<typeof fire>).at.getTime();
          expect(at).toBeGreaterThanOrEqual(from);
          expect(at - from).toBeLessThanOrEqual(8 * 86_400_000);
          const shown = new Intl.DateTimeFormat('en-GB', {
            timeZone: timezone,
            hour: '2-digit',
            minute: '2-digit',
            hourCycle: 'h23',
          }).format(at);
          const [h, m] = shown.split(':').map(Number) as [number, number];
          // Shown exactly, or later by at most the size of a DST gap (one hour; 30 min on Lord Howe).
          const diff = (h * 60 + m - minuteOfDay + 1440) % 1440;
          expect(diff).toBeLessThanOrEqual(60);
        },
      ),
      { numRuns: 300 },
    );
  });
});
