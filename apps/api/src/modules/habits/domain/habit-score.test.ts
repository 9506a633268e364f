import { describe, expect, it } from 'vitest';
import { addDays, toDayNumber } from './calendar-day.js';
import type { CheckIn, HabitDefinition } from './habit-history.js';
import { computeHistory } from './habit-history.js';
import { computeScores, scoreOn } from './habit-score.js';

const TODAY = '2026-03-15';
const t = (k: number): string => addDays(TODAY, -k);
const done = (k: number): CheckIn => ({ date: t(k), status: 'done', value: null });
const skip = (k: number): CheckIn => ({ date: t(k), status: 'skipped', value: null });
const amount = (k: number, value: number): CheckIn => ({ date: t(k), status: null, value });
const boolean = (times: number, days: number): HabitDefinition => ({ type: 'boolean', frequency: { times, days } });
const measurable = (direction: 'at_least' | 'at_most', value: number, days = 1): HabitDefinition => ({
  type: 'measurable',
  frequency: { times: 1, days },
  target: { value, direction },
});

/** m = 0.5 ^ (sqrt(times/days) / 13), from DESIGN §5. */
const mult = (times: number, days: number): number => 0.5 ** (Math.sqrt(times / days) / 13);
const M1 = mult(1, 1);

/** Folds the recurrence score = previous × m + c × (1 − m); null = skipped (unchanged). */
function fold(cs: readonly (number | null)[], m: number, start = 0): number[] {
  const out: number[] = [];
  let s = start;
  for (const c of cs) {
    if (c !== null) s = s * m + c * (1 - m);
    out.push(s);
  }
  return out;
}

/** Scores of the habit for t-k .. t (oldest first), k = days - 1. */
function scoresFor(def: HabitDefinition, checkIns: CheckIn[], days: number, today = TODAY): number[] {
  const h = computeHistory(def, checkIns, today);
  const scores = computeScores(h);
  const out: number[] = [];
  for (let k = days - 1; k >= 0; k--) out.push(scoreOn(h, scores, toDayNumber(today) - k) as number);
  return out;
}

/** Loop's own tests compare with a tolerance of 1e-6 against values printed to 6 decimals. */
function expectLoop(actual: number | undefined, loopValue: number): void {
  expect(Math.abs((actual as number) - loopValue)).toBeLessThanOrEqual(1e-6);
}

function expectClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - (expected[i] as number))).toBeLessThan(tolerance);
  });
}

describe('strength, boolean habits', () => {
  it('daily: one done day gives 1 − m, m = 0.5^(1/13)', () => {
    expectClose(scoresFor(boolean(1, 1), [done(0)], 1), [1 - M1]);
  });

  it('daily: n done days in a row give 1 − m^n; 0 before the first day', () => {
    const checkIns = Array.from({ length: 20 }, (_, k) => done(k));
    const scores = scoresFor(boolean(1, 1), checkIns, 22);
    // t-21, t-20 are before the history: 0. Then 1 − m^1 .. 1 − m^20.
    expectClose(scores, [0, 0, ...Array.from({ length: 20 }, (_, i) => 1 - M1 ** (i + 1))]);
    // Loop's ScoreListTest expects 0.655747 today, 0.500000 at t-7 (1 − m^13 = 0.5).
    expectLoop(scores[21], 0.655747);
    expectLoop(scores[14], 0.5);
  });

  it('daily with skips: a skipped day leaves the score unchanged', () => {
    // Loop's test_getValueWithSkip: done t-19..t except skipped t-11, t-10, t-5. Every
    // non-skipped day has c = 1, so the score is 1 − m^(done days so far); today 17 of them.
    const skipped = new Set([5, 10, 11]);
    const checkIns = Array.from({ length: 20 }, (_, k) => (skipped.has(k) ? skip(k) : done(k)));
    const scores = scoresFor(boolean(1, 1), checkIns, 20);
    let n = 0;
    const expected = Array.from({ length: 20 }, (_, i) => {
      if (!skipped.has(19 - i)) n++;
      return 1 - M1 ** n;
    });
    expectClose(scores, expected);
    expectLoop(scores[19], 0.596033);
  });

  it('3 per week is judged as 6 in the last 14 days', () => {
    // Done t-2, t-1, t: c = 1/6, 2/6, 3/6 (the automatic days after them count 0).
    const m = mult(3, 7);
    expectClose(scoresFor(boolean(3, 7), [done(2), done(1), done(0)], 3), fold([1 / 6, 2 / 6, 3 / 6], m));
  });

  it('3 per week, two done days a week: converges to 4/6; 4 per week: to 4/8', () => {
    // Every 14 consecutive days hold exactly 4 done days once 14 days have passed, so c is
    // constant (4/6 resp. 4/8) and the score converges to it (m^686 < 1e-10).
    const checkIns: CheckIn[] = [];
    for (let k = 0; k < 100; k++) checkIns.push(done(7 * k), done(7 * k + 1));
    expect(scoresFor(boolean(3, 7), checkIns, 1)[0]).toBeCloseTo(2 / 3, 9);
    expect(scoresFor(boolean(4, 7), checkIns, 1)[0]).toBeCloseTo(0.5, 9);
  });

  it('1 per 3 days: T = 2, W = 6', () => {
    // History (see habit-history.test.ts): t-12 A A D D A A . . D A A . . t.
    // Done days in the last 6 days: 0 0 1 2 2 2 2 2 2 1 1 1 1 -> c = count / 2.
    const m = mult(1, 3);
    expectClose(
      scoresFor(boolean(1, 3), [done(4), done(9), done(10)], 13),
      fold([0, 0, 0.5, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5], m),
    );
  });

  it('2 in 3 days: T = 4, W = 6', () => {
    // History t-6 A D D A D . . -> done in the last 6 days: 0 1 2 2 3 3 3.
    const m = mult(2, 3);
    expectClose(
      scoresFor(boolean(2, 3), [done(2), done(4), done(5)], 7),
      fold([0, 0.25, 0.5, 0.5, 0.75, 0.75, 0.75], m),
    );
  });

  it("1 per 2 days, done yesterday and today: Loop's 0.054816", () => {
    // T = 2, W = 4: c = 1/2 then 1.
    const m = mult(1, 2);
    const scores = scoresFor(boolean(1, 2), [done(1), done(0)], 2);
    expectClose(scores, fold([0.5, 1], m));
    expectLoop(scores[1], 0.054816);
  });

  it('per calendar month: nominal 1/30 multiplier and a 60-day window, whatever the month lengths', () => {
    // Done 2026-01-01 only. For 60 days (01-01 .. 03-01, as January has 31 and February 28
    // days) one done day is in the window: c = 1/2, so the score is (1/2)(1 − m^60).
    // From 03-02 on, c = 0: on 03-05 it is (1/2)(1 − m^60) m^4.
    const m = mult(1, 30);
    const scores = scoresFor(boolean(1, 30), [{ date: '2026-01-01', status: 'done', value: null }], 5, '2026-03-05');
    expectClose(scores, [0.5 * (1 - m ** 60), ...[1, 2, 3, 4].map((k) => 0.5 * (1 - m ** 60) * m ** k)]);
  });

  it("a daily habit's strength halves in 13 days", () => {
    // 17 done days (t-30..t-14), then nothing: t-1 = (1 − m^17) m^13 = (1 − m^17) / 2.
    const checkIns = Array.from({ length: 17 }, (_, i) => done(30 - i));
    const scores = scoresFor(boolean(1, 1), checkIns, 15); // t-14 .. t
    expect(scores[0]).toBeCloseTo(1 - M1 ** 17, 12);
    expect(scores[13]).toBeCloseTo((1 - M1 ** 17) / 2, 12);
    expect(scores[14]).toBeCloseTo(((1 - M1 ** 17) / 2) * M1, 12);
  });

  it('back-filled before the start: counts from its own first day', () => {
    // Done t-10..t-6 then nothing: (1 − m^5) m^6 today.
    const checkIns = [10, 9, 8, 7, 6].map(done);
    expect(scoresFor(boolean(1, 1), checkIns, 1)[0]).toBeCloseTo((1 - M1 ** 5) * M1 ** 6, 12);
  });

  it('explicit misses and automatic days count 0 but occupy the window', () => {
    // Weekly (1/7 -> T = 2, W = 14): done t-3 opens a window t-3..t (autos); misses count 0.
    // c = 1/2 from t-3 to today; the miss at t-5 is a computed day with c = 0.
    const m = mult(1, 7);
    expectClose(
      scoresFor(boolean(1, 7), [{ date: t(5), status: 'missed', value: null }, done(3)], 6),
      fold([0, 0, 0.5, 0.5, 0.5, 0.5], m),
    );
  });
});

describe('strength, measurable habits', () => {
  it('at least 2 per day: c = min(1, value / 2); skipped unchanged', () => {
    // t-4: 3 -> 1; t-3: 1 -> 1/2; t-2: skipped; t-1: 0 -> 0; t: nothing -> 0.
    expectClose(
      scoresFor(measurable('at_least', 2), [amount(4, 3), amount(3, 1), skip(2), amount(1, 0)], 5),
      fold([1, 0.5, null, 0, 0], M1),
    );
  });

  it('at least 10 per week: the rolling sum over 7 days', () => {
    // 4 a day on t-2, t-1, t: sums 4, 8, 12 -> c = 0.4, 0.8, 1. m = 0.5^(sqrt(1/7)/13).
    expectClose(
      scoresFor(measurable('at_least', 10, 7), [amount(2, 4), amount(1, 4), amount(0, 4)], 3),
      fold([0.4, 0.8, 1], mult(1, 7)),
    );
  });

  it('at least 10 per 3 days: values leave the window after 3 days', () => {
    // 6 on t-4, 5 today: sums over the last 3 days 6, 6, 6, 0, 5.
    expectClose(
      scoresFor(measurable('at_least', 10, 3), [amount(4, 6), amount(0, 5)], 5),
      fold([0.6, 0.6, 0.6, 0, 0.5], mult(1, 3)),
    );
  });

  it('at most 2 per day: starts at 1.0, c = clamp(1 − (s − 2)/2, 0, 1)', () => {
    // 1 -> 1.5 clamped to 1; 3 -> 0.5; 4 -> 0; 5 -> −0.5 clamped to 0.
    expectClose(
      scoresFor(measurable('at_most', 2), [amount(3, 1), amount(2, 3), amount(1, 4), amount(0, 5)], 4),
      fold([1, 0.5, 0, 0], M1, 1),
    );
  });

  it('at most 0: c = 1 when the sum is 0, else 0; an empty day sums to 0', () => {
    expectClose(scoresFor(measurable('at_most', 0), [amount(2, 0), amount(1, 0.5)], 3), fold([1, 0, 1], M1, 1));
  });

  it('at least 0: c is always 1', () => {
    expectClose(scoresFor(measurable('at_least', 0), [amount(2, 0)], 3), fold([1, 1, 1], M1));
    expect(scoresFor(measurable('at_least', 0), [amount(2, 0)], 1)[0]).toBeCloseTo(1 - M1 ** 3, 12);
  });

  it('a skipped day adds 0 to the rolling sum (DESIGN; Loop adds 0.003)', () => {
    // At most 0 per 3 days. t-2 skipped (value 5 ignored): unchanged 1.0; t-1: 0 -> sum 0 -> c 1.
    const skippedWithValue: CheckIn = { date: t(2), status: 'skipped', value: 5 };
    expectClose(scoresFor(measurable('at_most', 0, 3), [skippedWithValue, amount(1, 0)], 3), [1, 1, 1]);
  });

  it('a brand-new at-most habit reads 1.0 today, an at-least one 0', () => {
    expectClose(scoresFor(measurable('at_most', 3), [], 1), [1]);
    expectClose(scoresFor(measurable('at_least', 3), [], 1), [0]);
  });
});
