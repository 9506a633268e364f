import { describe, expect, it } from 'vitest';
import { addDays, fromDayNumber, toDayNumber } from './calendar-day.js';
import type { CheckIn, HabitDefinition, HabitHistory } from './habit-history.js';
import { computeHistory, historyDays, normalizeHabit, statusOn, valueOn } from './habit-history.js';

const TODAY = '2026-03-15';
/** The day k days before TODAY. */
const t = (k: number): string => addDays(TODAY, -k);
const done = (k: number): CheckIn => ({ date: t(k), status: 'done', value: null });
const skip = (k: number): CheckIn => ({ date: t(k), status: 'skipped', value: null });
const miss = (k: number): CheckIn => ({ date: t(k), status: 'missed', value: null });
const amount = (k: number, value: number): CheckIn => ({ date: t(k), status: null, value });

const boolean = (times: number, days: number): HabitDefinition => ({ type: 'boolean', frequency: { times, days } });

/** The history as letters, oldest first: D done, A auto, S skipped, M missed, . unknown. */
function letters(h: HabitHistory): string {
  const map = { done: 'D', auto: 'A', skipped: 'S', missed: 'M', unknown: '.' } as const;
  return historyDays(h)
    .map((d) => map[d.status])
    .join('');
}

describe('computed history (automatic days)', () => {
  it('1 per 3 days: windows, moving a window back, history before the oldest check-in', () => {
    // Loop's EntryListTest.testComputeBoolean. Done-days newest first: t-4, t-9, t-10.
    // times 1: each done-day is a group; windows of 3 days from it: [t-4..t-2], [t-9..t-7],
    // [t-10..t-8]. Walking newest first: [t-9..t-7] ends before t-4 (no overlap). [t-10..t-8]
    // overlaps [t-9..t-7] by 2 days (t-9, t-8); moving back by 2 is allowed (end t-10 is not past
    // its newest done-day t-10) -> [t-12..t-10]. So the history starts at t-12, two days before
    // the oldest check-in:
    //   t-12 A, t-11 A, t-10 D, t-9 D, t-8 A, t-7 A, t-6 ., t-5 ., t-4 D, t-3 A, t-2 A, t-1 ., t .
    const h = computeHistory(boolean(1, 3), [done(4), done(9), done(10)], TODAY);
    expect(fromDayNumber(h.firstDay)).toBe(t(12));
    expect(letters(h)).toBe('AADDAA..DAA..');
    expect(h.length).toBe(13);
  });

  it('3 per week: overlapping groups, explicit misses inside and outside a window', () => {
    // Done-days newest first: t-1, t-5, t-7, t-9. Groups of 3: (t-1..t-7): 6 days apart < 7 ->
    // window [t-7..t-1]; (t-5..t-9): 4 apart -> window [t-9..t-3]. The second overlaps the
    // first on t-7..t-3 (5 days) but may move back only until its end reaches its newest
    // done-day t-5: shift min(5, 2) = 2 -> [t-11..t-5]. Autos: t-6, t-4, t-3, t-2 (first window),
    // t-11, t-10, t-8 (second). The explicit miss at t-3 is inside a window -> auto; the one at
    // t-13 is outside -> missed, and it starts the history.
    //   t-13 M, t-12 ., t-11 A, t-10 A, t-9 D, t-8 A, t-7 D, t-6 A, t-5 D, t-4 A, t-3 A, t-2 A, t-1 D, t .
    const h = computeHistory(boolean(3, 7), [done(1), done(5), done(7), done(9), miss(3), miss(13)], TODAY);
    expect(fromDayNumber(h.firstDay)).toBe(t(13));
    expect(letters(h)).toBe('M.AADADADAAAD.');
  });

  it('2 in 3 days: a window moved back only until its end reaches its newest done-day', () => {
    // Done-days newest first: t-2, t-4, t-5. Groups of 2: (t-2, t-4): 2 apart < 3 -> window
    // [t-4..t-2]; (t-4, t-5): 1 apart -> window [t-5..t-3]. Overlap with [t-4..t-2]: t-4, t-3
    // (2 days), but its end may not pass t-4: shift min(2, 1) = 1 -> [t-6..t-4], still
    // overlapping on t-4. Autos: t-3, t-6.
    const h = computeHistory(boolean(2, 3), [done(2), done(4), done(5)], TODAY);
    expect(letters(h)).toBe('ADDAD..');
    expect(fromDayNumber(h.firstDay)).toBe(t(6));
  });

  it('a group spread over `days` days or more opens no window', () => {
    // 2 per week, done at t-10 and t-2: 8 days apart, not fewer than 7.
    const h = computeHistory(boolean(2, 7), [done(10), done(2)], TODAY);
    expect(letters(h)).toBe('D.......D..');
    // 1 per week opens a window for every done-day; the window reaching today makes today auto.
    const weekly = computeHistory(boolean(1, 7), [done(3)], TODAY);
    expect(letters(weekly)).toBe('DAAA');
  });

  it('skipped days inside a window stay skipped', () => {
    // 1 per 3 days, done t-3: window [t-3..t-1]; t-2 skipped stays skipped, t-1 auto.
    const h = computeHistory(boolean(1, 3), [done(3), skip(2)], TODAY);
    expect(letters(h)).toBe('DSA.');
  });

  it('a daily habit has no automatic days; misses stay misses', () => {
    const h = computeHistory(boolean(1, 1), [done(4), miss(3), done(2), skip(1)], TODAY);
    expect(letters(h)).toBe('DMDS.');
    // times == days is daily too.
    expect(letters(computeHistory(boolean(7, 7), [done(4), miss(3), done(2), skip(1)], TODAY))).toBe('DMDS.');
  });

  it('per calendar month: windows as long as the real month', () => {
    // 2 per month (2/30), done 2026-02-03 and 2026-02-20: 17 days apart, fewer than February's
    // 28 -> window 2026-02-03 .. 2026-03-02 (28 days; a nominal 30 would reach 03-04).
    const h = computeHistory(
      boolean(2, 30),
      [
        { date: '2026-02-03', status: 'done', value: null },
        { date: '2026-02-20', status: 'done', value: null },
      ],
      '2026-03-10',
    );
    expect(fromDayNumber(h.firstDay)).toBe('2026-02-03');
    expect(statusOn(h, toDayNumber('2026-02-04'))).toBe('auto');
    expect(statusOn(h, toDayNumber('2026-02-28'))).toBe('auto');
    expect(statusOn(h, toDayNumber('2026-03-02'))).toBe('auto');
    expect(statusOn(h, toDayNumber('2026-03-03'))).toBe('unknown');
    // 1 per month, done on 2026-01-31 (the last day of January): the window takes February's
    // length, 28 days: 01-31 .. 02-27 (January's 31 would reach 03-02).
    const m = computeHistory(boolean(1, 31), [{ date: '2026-01-31', status: 'done', value: null }], '2026-03-05');
    expect(statusOn(m, toDayNumber('2026-02-27'))).toBe('auto');
    expect(statusOn(m, toDayNumber('2026-02-28'))).toBe('unknown');
    // 2 per month in February: done 02-01 and 02-28 are 27 days apart (< 28) -> a window.
    const feb = computeHistory(
      boolean(2, 30),
      [
        { date: '2026-02-01', status: 'done', value: null },
        { date: '2026-02-28', status: 'done', value: null },
      ],
      '2026-03-01',
    );
    expect(letters(feb)).toBe(`D${'A'.repeat(26)}D.`);
    // In March (03-01 and 03-29: 28 days apart, fewer than March's 31) a pair opens a window too.
    const mar = computeHistory(
      boolean(2, 30),
      [
        { date: '2026-03-01', status: 'done', value: null },
        { date: '2026-03-29', status: 'done', value: null },
      ],
      '2026-04-05',
    );
    // Window 03-01 .. 03-31: autos up to 03-31, unknown after.
    expect(statusOn(mar, toDayNumber('2026-03-31'))).toBe('auto');
    expect(statusOn(mar, toDayNumber('2026-04-01'))).toBe('unknown');
  });

  it('ignores check-ins after today', () => {
    // 2 per week, done t-1 and (in the future) t+1: had the future day counted, the group would
    // open the window [t-1..t+5] and make today auto.
    const h = computeHistory(boolean(2, 7), [done(1), done(-1)], TODAY);
    expect(letters(h)).toBe('D.');
    expect(h.today).toBe(toDayNumber(TODAY));
  });

  it('back-filled history counts from its own first day', () => {
    // A habit created today with check-ins imported from 400 days ago.
    const h = computeHistory(boolean(1, 1), [done(400), done(399)], TODAY);
    expect(fromDayNumber(h.firstDay)).toBe(t(400));
    expect(h.length).toBe(401);
  });

  it('with no check-ins the history is just today, unknown', () => {
    const h = computeHistory(boolean(3, 7), [], TODAY);
    expect(h.firstDay).toBe(toDayNumber(TODAY));
    expect(letters(h)).toBe('.');
  });

  it('a note-only check-in starts the history; inside a window it becomes auto', () => {
    const noteOnly: CheckIn = { date: t(6), status: null, value: null, note: 'travelling' };
    const h = computeHistory(
      boolean(1, 3),
      [noteOnly, done(3), { date: t(2), status: null, value: null, note: 'x' }],
      TODAY,
    );
    expect(letters(h)).toBe('...DAA.');
    expect(h.notes.get(toDayNumber(t(6)))).toBe('travelling');
    // An empty check-in (no status, value or note) does not.
    const e = computeHistory(boolean(1, 1), [{ date: t(6), status: null, value: null }, done(1)], TODAY);
    expect(letters(e)).toBe('D.');
  });

  it('the later of two check-ins for the same day wins', () => {
    const h = computeHistory(boolean(1, 1), [done(1), miss(1)], TODAY);
    expect(letters(h)).toBe('M.');
  });
});

describe('computed history (measurable)', () => {
  const atLeast = (value: number, days = 1): HabitDefinition => ({
    type: 'measurable',
    frequency: { times: 1, days },
    target: { value, direction: 'at_least' },
  });
  const atMost = (value: number, days = 1): HabitDefinition => ({
    type: 'measurable',
    frequency: { times: 1, days },
    target: { value, direction: 'at_most' },
  });

  it('marks a day done when its value meets the target', () => {
    // at_least 5: 5 meets, 4.5 does not, skipped stays skipped, no value is unknown.
    const h = computeHistory(atLeast(5), [amount(4, 5), amount(3, 4.5), skip(2), amount(1, 12)], TODAY);
    expect(letters(h)).toBe('DMSD.');
    expect(valueOn(h, toDayNumber(t(3)))).toBe(4.5);
    expect(valueOn(h, toDayNumber(t(2)))).toBeNull();
    expect(valueOn(h, toDayNumber(TODAY))).toBeNull();
    // at_most 2: 0 and 2 meet, 3 does not; a day with no value is unknown, never done.
    const m = computeHistory(atMost(2), [amount(3, 0), amount(2, 2), amount(1, 3)], TODAY);
    expect(letters(m)).toBe('DDM.');
  });

  it('targets of 0', () => {
    // at_least 0: any entered value meets it; at_most 0: only 0 does.
    expect(letters(computeHistory(atLeast(0), [amount(2, 0), amount(1, 3)], TODAY))).toBe('DD.');
    expect(letters(computeHistory(atMost(0), [amount(2, 0), amount(1, 0.5)], TODAY))).toBe('DM.');
  });

  it('a measurable "missed" without a value is 0; no automatic days ever', () => {
    const h = computeHistory(atLeast(1, 7), [miss(2), amount(1, 10)], TODAY);
    expect(letters(h)).toBe('MD.');
    expect(valueOn(h, toDayNumber(t(2)))).toBe(0);
  });

  it('validates the definition', () => {
    expect(() =>
      normalizeHabit({
        type: 'measurable',
        frequency: { times: 2, days: 7 },
        target: { value: 1, direction: 'at_least' },
      }),
    ).toThrow(RangeError);
    expect(() => normalizeHabit({ type: 'measurable', frequency: { times: 1, days: 7 } })).toThrow(RangeError);
    expect(() =>
      normalizeHabit({
        type: 'measurable',
        frequency: { times: 1, days: 7 },
        target: { value: -1, direction: 'at_most' },
      }),
    ).toThrow(RangeError);
    expect(() => computeHistory(boolean(1, 1), [{ date: '2025-02-30', status: 'done', value: null }], TODAY)).toThrow(
      RangeError,
    );
  });
});
