/**
 * Conformance with Loop Habit Tracker: a literal, object-per-entry port of Loop's uhabits-core
 * (EntryList.recomputeFrom / buildIntervals / snapIntervalsTogether / buildEntriesFromInterval,
 * Habit.recompute, ScoreList.recompute, Score.compute, StreakList.recompute / getBest) serves as
 * an oracle for the typed-array implementation, on random habits and check-ins.
 *
 * The port applies DESIGN's two deliberate differences, and only those:
 * - measurable: a skipped day adds 0 to the rolling sum (Loop adds its SKIP marker, 0.003);
 * - measurable: a skipped day is never in a streak (Loop compares 0.003 with the target).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromDayNumber, toDayNumber } from './calendar-day.js';
import { computeHabit } from './habit-computation.js';
import type { CheckIn, HabitDefinition } from './habit-history.js';
import { bestStreaks, listStreaks } from './streaks.js';

const UNKNOWN = -1;
const NO = 0;
const YES_AUTO = 1;
const YES_MANUAL = 2;
const SKIP = 3;
/**
 * Loop stores a measurable skip as the same integer 3 as a value of 0.003; the oracle keeps the
 * two apart (a domain that can tell them apart must not copy that collision).
 */
const NUM_SKIP = Number.NEGATIVE_INFINITY;

interface Entry {
  t: number;
  v: number;
  notes: string;
}
interface Interval {
  begin: number;
  center: number;
  end: number;
}

/** Month length via Date, independent of the code under test. */
function monthLengthOf(t: number): { day: number; length: number; nextLength: number } {
  const d = new Date(t * 86_400_000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return {
    day: d.getUTCDate(),
    length: new Date(Date.UTC(y, m + 1, 0)).getUTCDate(),
    nextLength: new Date(Date.UTC(y, m + 2, 0)).getUTCDate(),
  };
}

function buildIntervals(num: number, den: number, entries: Entry[]): Interval[] {
  const filtered = entries.filter((e) => e.v === YES_MANUAL);
  const intervals: Interval[] = [];
  for (let i = num - 1; i < filtered.length; i++) {
    const begin = filtered[i]!.t;
    const center = filtered[i - num + 1]!.t;
    let size = den;
    if (den === 30 || den === 31) {
      const b = monthLengthOf(begin);
      size = b.day === b.length ? b.nextLength : b.length;
    }
    if (center - begin < size) intervals.push({ begin, center, end: begin + size - 1 });
  }
  return intervals;
}

function snapIntervalsTogether(intervals: Interval[]): void {
  for (let i = 1; i < intervals.length; i++) {
    const curr = intervals[i]!;
    const next = intervals[i - 1]!;
    const gapNextToCurrent = curr.end - next.begin;
    const gapCenterToEnd = curr.end - curr.center;
    if (gapNextToCurrent >= 0) {
      const shift = Math.min(gapCenterToEnd, gapNextToCurrent + 1);
      intervals[i] = { begin: curr.begin - shift, center: curr.center, end: curr.end - shift };
    }
  }
}

function buildEntriesFromInterval(original: Entry[], intervals: Interval[]): Entry[] {
  const result: Entry[] = [];
  if (original.length === 0) return result;
  let from = original[0]!.t;
  let to = original[0]!.t;
  for (const e of original) {
    if (e.t < from) from = e.t;
    if (e.t > to) to = e.t;
  }
  for (const i of intervals) {
    if (i.begin < from) from = i.begin;
    if (i.end > to) to = i.end;
  }
  for (let current = to; current >= from; current--) result.push({ t: current, v: UNKNOWN, notes: '' });
  for (const interval of intervals) {
    for (let current = interval.end; current >= interval.begin; current--) {
      result[to - current] = { t: current, v: YES_AUTO, notes: '' };
    }
  }
  for (const entry of original) {
    const offset = to - entry.t;
    const value = result[offset]!.v === UNKNOWN || entry.v === SKIP || entry.v === YES_MANUAL ? entry.v : YES_AUTO;
    result[offset] = { t: entry.t, v: value, notes: entry.notes };
  }
  return result;
}

interface LoopResult {
  from: number;
  /** Computed value per day from..today. */
  values: number[];
  scores: number[];
  /** Streaks newest first as [start, end]. */
  streaks: [number, number][];
}

function loopRecompute(def: HabitDefinition, checkIns: CheckIn[], today: number): LoopResult {
  const numerical = def.type === 'measurable';
  let num = def.frequency.times;
  let den = def.frequency.days;
  if (num === den) {
    num = 1;
    den = 1;
  }
  // originalEntries: one per day, the later add() replaces; only days up to today.
  const byDay = new Map<number, Entry>();
  for (const c of checkIns) {
    const t = toDayNumber(c.date);
    if (t > today) continue;
    let v: number;
    if (!numerical) {
      v = c.status === 'done' ? YES_MANUAL : c.status === 'skipped' ? SKIP : c.status === 'missed' ? NO : UNKNOWN;
    } else if (c.status === 'skipped') {
      v = NUM_SKIP;
    } else if (c.value !== null) {
      v = Math.round(c.value * 1000);
    } else {
      v = c.status === 'missed' ? 0 : UNKNOWN;
    }
    byDay.set(t, { t, v, notes: c.note ?? '' });
  }
  const original = [...byDay.values()].sort((a, b) => b.t - a.t);

  // EntryList.recomputeFrom
  const computed = new Map<number, number>();
  if (numerical) {
    // addEntriesWithSkipDays copies every original entry.
    for (const e of original) computed.set(e.t, e.v);
  } else {
    const intervals = buildIntervals(num, den, original);
    snapIntervalsTogether(intervals);
    for (const e of buildEntriesFromInterval(original, intervals)) {
      if (e.v !== UNKNOWN || e.notes !== '') computed.set(e.t, e.v);
    }
  }

  // Habit.recompute: from = oldest computed entry, else today.
  let from = today;
  for (const t of computed.keys()) if (t < from) from = t;
  const values: number[] = [];
  for (let t = from; t <= today; t++) values.push(computed.get(t) ?? UNKNOWN);

  // ScoreList.recompute
  const target = def.target?.value ?? 0;
  const isAtMost = def.target?.direction === 'at_most';
  const freq = num / den;
  let numerator = num;
  let denominator = den;
  if (!numerical && freq < 1) {
    numerator *= 2;
    denominator *= 2;
  }
  const multiplier = 0.5 ** (Math.sqrt(freq) / 13);
  const compute = (previous: number, checkmark: number) => {
    let score = previous * multiplier;
    score += checkmark * (1 - multiplier);
    return score;
  };
  // DESIGN: a skipped measurable day adds 0 (Loop: max(0, SKIP) = 3 thousandths).
  const sumValue = (v: number) => (v === NUM_SKIP ? 0 : Math.max(0, v));
  const scores: number[] = [];
  let rollingSum = 0;
  let previousValue = numerical && isAtMost ? 1 : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (numerical) {
      rollingSum += sumValue(v);
      if (i - denominator >= 0) rollingSum -= sumValue(values[i - denominator]!);
      const normalized = rollingSum / 1000;
      if (v !== NUM_SKIP) {
        let pc: number;
        if (!isAtMost) pc = target > 0 ? Math.min(1, normalized / target) : 1;
        else if (target > 0) pc = Math.min(1, Math.max(0, 1 - (normalized - target) / target));
        else pc = normalized > 0 ? 0 : 1;
        previousValue = compute(previousValue, pc);
      }
    } else {
      if (v === YES_MANUAL) rollingSum += 1;
      if (i - denominator >= 0 && values[i - denominator] === YES_MANUAL) rollingSum -= 1;
      if (v !== SKIP) previousValue = compute(previousValue, Math.min(1, rollingSum / numerator));
    }
    scores.push(previousValue);
  }

  // StreakList.recompute (DESIGN: a skipped measurable day is never in a streak).
  const inStreak = (v: number) =>
    numerical ? v !== NUM_SKIP && (isAtMost ? v !== UNKNOWN && v / 1000 <= target : v / 1000 >= target) : v > 0;
  const timestamps: number[] = [];
  for (let i = values.length - 1; i >= 0; i--) if (inStreak(values[i]!)) timestamps.push(from + i);
  const streaks: [number, number][] = [];
  if (timestamps.length > 0) {
    let begin = timestamps[0]!;
    let end = timestamps[0]!;
    for (let i = 1; i < timestamps.length; i++) {
      const current = timestamps[i]!;
      if (current === begin - 1) begin = current;
      else {
        streaks.push([begin, end]);
        begin = current;
        end = current;
      }
    }
    streaks.push([begin, end]);
  }
  return { from, values, scores, streaks };
}

/** StreakList.getBest */
function loopBest(streaks: [number, number][], limit: number): [number, number][] {
  const len = (s: [number, number]) => s[1] - s[0] + 1;
  const sorted = [...streaks].sort((a, b) => len(b) - len(a) || b[1] - a[1]);
  return sorted.slice(0, limit).sort((a, b) => b[1] - a[1]);
}

const LOOP_CODE: Record<string, number> = {
  done: YES_MANUAL,
  auto: YES_AUTO,
  skipped: SKIP,
  missed: NO,
  unknown: UNKNOWN,
};

const todayArb = fc.integer({ min: toDayNumber('2020-01-01'), max: toDayNumber('2030-12-31') });

const booleanHabitArb = fc
  .integer({ min: 1, max: 35 })
  .chain((days) => fc.record({ days: fc.constant(days), times: fc.integer({ min: 1, max: days }) }))
  .map(({ times, days }): HabitDefinition => ({ type: 'boolean', frequency: { times, days } }));

const measurableHabitArb = fc
  .record({
    days: fc.oneof(fc.constantFrom(1, 7, 30, 31), fc.integer({ min: 1, max: 40 })),
    target: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }), fc.double({ min: 0.1, max: 40, noNaN: true })),
    direction: fc.constantFrom<'at_least' | 'at_most'>('at_least', 'at_most'),
  })
  .map(
    ({ days, target, direction }): HabitDefinition => ({
      type: 'measurable',
      frequency: { times: 1, days },
      target: { value: target, direction },
    }),
  );

/** Check-ins at offsets before today (negative = after today, which must be ignored). */
function checkInsArb(measurable: boolean, maxOffset: number) {
  const entry = fc.record({
    offset: fc.integer({ min: -3, max: maxOffset }),
    status: measurable
      ? fc.constantFrom<CheckIn['status']>(null, null, null, 'skipped', 'missed')
      : fc.constantFrom<CheckIn['status']>('done', 'done', 'done', 'skipped', 'missed', null),
    value: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 }), fc.double({ min: 0, max: 60, noNaN: true })),
    note: fc.constantFrom('', 'n'),
  });
  return fc.array(entry, { maxLength: 80 });
}

function toCheckIns(
  today: number,
  raw: { offset: number; status: CheckIn['status']; value: number; note: string }[],
  measurable: boolean,
): CheckIn[] {
  return raw.map((r) => ({
    date: fromDayNumber(today - r.offset),
    status: r.status,
    value: measurable && r.status === null ? r.value : null,
    // Loop never stores an entry that says nothing; give those a note.
    note: r.status === null && !measurable ? 'n' : r.note,
  }));
}

function compare(def: HabitDefinition, checkIns: CheckIn[], today: number): void {
  const loop = loopRecompute(def, checkIns, today);
  const ours = computeHabit(def, checkIns, today);
  const h = ours.history;
  expect(h.firstDay).toBe(loop.from);
  expect(h.length).toBe(loop.values.length);
  for (let i = 0; i < h.length; i++) {
    if (def.type === 'boolean') {
      const status = ['unknown', 'missed', 'done', 'auto', 'skipped'][h.status[i]!]!;
      expect(LOOP_CODE[status]).toBe(loop.values[i]);
    }
    expect(Math.abs(ours.scores[i]! - loop.scores[i]!)).toBeLessThanOrEqual(1e-9);
  }
  const streaks = listStreaks(ours.streaks).map((s) => [toDayNumber(s.start), toDayNumber(s.end)]);
  expect(streaks).toEqual(loop.streaks);
  for (const n of [1, 3, 10]) {
    const best = bestStreaks(ours.streaks, n).map((s) => [toDayNumber(s.start), toDayNumber(s.end)]);
    expect(best).toEqual(loopBest(loop.streaks, n));
  }
}

describe("conformance with Loop's algorithms (ported oracle)", () => {
  it("reproduces Loop's EntryListTest.testComputeBoolean through the oracle", () => {
    // Sanity check of the oracle itself against Loop's published expectation (1/3, done at
    // t-4, t-9, t-10 -> autos t-2, t-3, t-7, t-8, t-11, t-12).
    const today = toDayNumber('2026-03-15');
    const checkIns = [4, 9, 10].map((k): CheckIn => ({ date: fromDayNumber(today - k), status: 'done', value: null }));
    const loop = loopRecompute({ type: 'boolean', frequency: { times: 1, days: 3 } }, checkIns, today);
    expect(loop.from).toBe(today - 12);
    expect(loop.values).toEqual([1, 1, 2, 2, 1, 1, -1, -1, 2, 1, 1, -1, -1]);
  });

  it('boolean habits: same history, scores and streaks as Loop', () => {
    fc.assert(
      fc.property(booleanHabitArb, todayArb, checkInsArb(false, 150), (def, today, raw) => {
        compare(def, toCheckIns(today, raw, false), today);
      }),
      { numRuns: Number(process.env.HABIT_PROPERTY_RUNS ?? 400) },
    );
  });

  it('dense boolean histories (many done-days): same as Loop', () => {
    fc.assert(
      fc.property(
        booleanHabitArb,
        todayArb,
        fc.array(fc.constantFrom<CheckIn['status']>('done', 'done', 'done', 'done', 'skipped', 'missed', null), {
          minLength: 1,
          maxLength: 120,
        }),
        (def, today, statuses) => {
          const checkIns = statuses.map(
            (status, k): CheckIn => ({
              date: fromDayNumber(today - k),
              status,
              value: null,
              note: status === null ? 'n' : '',
            }),
          );
          compare(def, checkIns, today);
        },
      ),
      { numRuns: Number(process.env.HABIT_PROPERTY_RUNS ?? 400) },
    );
  });

  it('measurable habits: same scores and streaks as Loop (with DESIGN’s skip rules)', () => {
    fc.assert(
      fc.property(measurableHabitArb, todayArb, checkInsArb(true, 150), (def, today, raw) => {
        compare(def, toCheckIns(today, raw, true), today);
      }),
      { numRuns: Number(process.env.HABIT_PROPERTY_RUNS ?? 400) },
    );
  });
});
