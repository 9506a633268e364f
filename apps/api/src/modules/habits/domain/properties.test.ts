/** Property-based tests of the habit rules (DESIGN §8: domain rules get property tests). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromDayNumber, toDayNumber } from './calendar-day.js';
import { computeHabit } from './habit-computation.js';
import type { CheckIn, HabitDefinition } from './habit-history.js';
import { DayCode } from './habit-history.js';
import { scoreOn } from './habit-score.js';
import { countsInStreak, listStreaks } from './streaks.js';

const RUNS = { numRuns: 300 };

const todayArb = fc.integer({ min: toDayNumber('2020-01-01'), max: toDayNumber('2030-12-31') });

const booleanHabitArb = fc
  .integer({ min: 1, max: 35 })
  .chain((days) => fc.record({ days: fc.constant(days), times: fc.integer({ min: 1, max: days }) }))
  .map(({ times, days }): HabitDefinition => ({ type: 'boolean', frequency: { times, days } }));

const measurableHabitArb = (directions: ('at_least' | 'at_most')[] = ['at_least', 'at_most']) =>
  fc
    .record({
      days: fc.integer({ min: 1, max: 35 }),
      target: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 }), fc.double({ min: 0.1, max: 30, noNaN: true })),
      direction: fc.constantFrom(...directions),
    })
    .map(
      ({ days, target, direction }): HabitDefinition => ({
        type: 'measurable',
        frequency: { times: 1, days },
        target: { value: target, direction },
      }),
    );

const habitArb = fc.oneof(booleanHabitArb, measurableHabitArb());

interface RawCheckIn {
  offset: number;
  status: CheckIn['status'];
  value: number;
}

const rawCheckInsArb = fc.array(
  fc.record({
    offset: fc.integer({ min: 0, max: 120 }),
    status: fc.constantFrom<CheckIn['status']>('done', 'done', 'skipped', 'missed', null),
    value: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 40, noNaN: true })),
  }),
  { maxLength: 60 },
);

function toCheckIns(def: HabitDefinition, today: number, raw: RawCheckIn[]): CheckIn[] {
  return raw.map((r) => {
    const date = fromDayNumber(today - r.offset);
    if (def.type === 'boolean') return { date, status: r.status, value: null, note: r.status === null ? 'note' : null };
    // measurable: 'done' stands for "a value".
    return r.status === 'skipped' || r.status === 'missed'
      ? { date, status: r.status, value: null }
      : { date, status: null, value: r.value };
  });
}

/** Score on every day from `from` to today, 0 before the history. */
function scoresFrom(def: HabitDefinition, checkIns: CheckIn[], today: number, from: number): number[] {
  const c = computeHabit(def, checkIns, today);
  const out: number[] = [];
  for (let d = from; d <= today; d++) out.push(scoreOn(c.history, c.scores, d) as number);
  return out;
}

describe('properties', () => {
  it('the score is always within 0..1', () => {
    fc.assert(
      fc.property(habitArb, todayArb, rawCheckInsArb, (def, today, raw) => {
        const { scores } = computeHabit(def, toCheckIns(def, today, raw), today);
        for (const s of scores) {
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(1);
        }
      }),
      RUNS,
    );
  });

  it('adding a done day (boolean) or a value (at-least) never lowers any later score', () => {
    fc.assert(
      fc.property(
        fc.oneof(booleanHabitArb, measurableHabitArb(['at_least'])),
        todayArb,
        rawCheckInsArb,
        fc.integer({ min: 0, max: 130 }),
        fc.double({ min: 0, max: 40, noNaN: true }),
        (def, today, raw, offset, value) => {
          const before = toCheckIns(def, today, raw);
          const day = fromDayNumber(today - offset);
          const existing = before.filter((c) => c.date === day).at(-1);
          // Only onto a day that is not skipped and not already done/valued.
          if (
            existing !== undefined &&
            (existing.status === 'skipped' || existing.status === 'done' || existing.value !== null)
          )
            return;
          const added: CheckIn =
            def.type === 'boolean' ? { date: day, status: 'done', value: null } : { date: day, status: null, value };
          const after = [...before, added];
          const from = today - offset;
          const a = scoresFrom(def, before, today, from);
          const b = scoresFrom(def, after, today, from);
          b.forEach((s, i) => {
            expect(s).toBeGreaterThanOrEqual((a[i] as number) - 1e-12);
          });
        },
      ),
      RUNS,
    );
  });

  it('a skipped day leaves the score unchanged', () => {
    fc.assert(
      fc.property(habitArb, todayArb, rawCheckInsArb, (def, today, raw) => {
        const { history, scores } = computeHabit(def, toCheckIns(def, today, raw), today);
        const start = def.target?.direction === 'at_most' ? 1 : 0;
        for (let i = 0; i < history.length; i++) {
          if (history.status[i] !== DayCode.skipped) continue;
          expect(scores[i]).toBe(i === 0 ? start : scores[i - 1]);
        }
      }),
      RUNS,
    );
  });

  it("an all-done daily habit's score is 1 − m^n and approaches 1", () => {
    const m = 0.5 ** (1 / 13);
    fc.assert(
      fc.property(todayArb, fc.integer({ min: 1, max: 1500 }), (today, n) => {
        const checkIns = Array.from(
          { length: n },
          (_, k): CheckIn => ({ date: fromDayNumber(today - k), status: 'done', value: null }),
        );
        const { scores } = computeHabit({ type: 'boolean', frequency: { times: 1, days: 1 } }, checkIns, today);
        const score = scores[scores.length - 1] as number;
        expect(Math.abs(score - (1 - m ** n))).toBeLessThan(1e-9);
        // m^260 = 0.5^20 < 1e-6: after 260 days the score is within 1e-6 of 1.
        if (n >= 260) expect(score).toBeGreaterThan(1 - 1e-6);
      }),
      { numRuns: 100 },
    );
  });

  it("a daily habit's strength half-life is 13 days", () => {
    fc.assert(
      fc.property(todayArb, rawCheckInsArb, (today, raw) => {
        const def: HabitDefinition = { type: 'boolean', frequency: { times: 1, days: 1 } };
        const checkIns = toCheckIns(def, today, raw);
        // Nothing checked in the 13 days after `today`: the score 13 days later is half.
        const now = computeHabit(def, checkIns, today);
        const later = computeHabit(def, checkIns, today + 13);
        const s0 = now.scores[now.scores.length - 1] as number;
        const s13 = later.scores[later.scores.length - 1] as number;
        expect(Math.abs(s13 - s0 / 2)).toBeLessThan(1e-9);
      }),
      { numRuns: 100 },
    );
    // From exactly 1.0 (a new at-most habit) with the target blown every day: 0.5 after 13 days.
    const def: HabitDefinition = {
      type: 'measurable',
      frequency: { times: 1, days: 1 },
      target: { value: 2, direction: 'at_most' },
    };
    const today = toDayNumber('2026-03-15');
    const checkIns = Array.from(
      { length: 13 },
      (_, k): CheckIn => ({ date: fromDayNumber(today - k), status: null, value: 9 }),
    );
    const { scores } = computeHabit(def, checkIns, today);
    expect(scores.length).toBe(13);
    expect(Math.abs((scores[12] as number) - 0.5)).toBeLessThan(1e-9);
  });

  it('the computed history never marks a done-day as anything but done', () => {
    fc.assert(
      fc.property(booleanHabitArb, todayArb, rawCheckInsArb, (def, today, raw) => {
        const checkIns = toCheckIns(def, today, raw);
        const { history } = computeHabit(def, checkIns, today);
        const last = new Map<string, CheckIn>();
        for (const c of checkIns) last.set(c.date, c);
        for (const c of last.values()) {
          const i = toDayNumber(c.date) - history.firstDay;
          if (c.status === 'done') expect(history.status[i]).toBe(DayCode.done);
          else expect(history.status[i]).not.toBe(DayCode.done);
        }
      }),
      RUNS,
    );
  });

  it('automatic days only exist for boolean habits with times/days < 1, inside the history', () => {
    fc.assert(
      fc.property(habitArb, todayArb, rawCheckInsArb, (def, today, raw) => {
        const { history } = computeHabit(def, toCheckIns(def, today, raw), today);
        const canBeAuto = def.type === 'boolean' && def.frequency.times < def.frequency.days;
        if (!canBeAuto) expect(history.status.includes(DayCode.auto)).toBe(false);
        expect(history.firstDay).toBeLessThanOrEqual(today);
        expect(history.length).toBe(today - history.firstDay + 1);
      }),
      RUNS,
    );
  });

  it('streak lengths sum to the number of counted days, and streaks do not touch', () => {
    fc.assert(
      fc.property(habitArb, todayArb, rawCheckInsArb, (def, today, raw) => {
        const { history, streaks } = computeHabit(def, toCheckIns(def, today, raw), today);
        let counted = 0;
        for (let i = 0; i < history.length; i++) if (countsInStreak(history, history.status[i] as number)) counted++;
        const list = listStreaks(streaks);
        expect(list.reduce((sum, s) => sum + s.length, 0)).toBe(counted);
        for (let k = 1; k < list.length; k++) {
          // newest first, separated by at least one uncounted day
          expect(toDayNumber(list[k - 1]!.start) - toDayNumber(list[k]!.end)).toBeGreaterThanOrEqual(2);
        }
        for (const s of list) expect(toDayNumber(s.end)).toBeLessThanOrEqual(today);
      }),
      RUNS,
    );
  });

  it('check-ins after today change nothing', () => {
    fc.assert(
      fc.property(habitArb, todayArb, rawCheckInsArb, rawCheckInsArb, (def, today, raw, future) => {
        const base = toCheckIns(def, today, raw);
        const extra = toCheckIns(def, today, future).map((c) => ({
          ...c,
          date: fromDayNumber(2 * today - toDayNumber(c.date) + 1),
        }));
        const a = computeHabit(def, base, today);
        const b = computeHabit(def, [...base, ...extra], today);
        expect(b.history.firstDay).toBe(a.history.firstDay);
        expect(Array.from(b.history.status)).toEqual(Array.from(a.history.status));
        expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
      }),
      RUNS,
    );
  });
});
