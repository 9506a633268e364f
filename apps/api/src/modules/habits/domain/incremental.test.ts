/**
 * The incremental path (a computation after writes starts its scores from the last unchanged
 * day) gives exactly the numbers of a full computation, over random habits, histories and edits.
 * Expected values come from `computeHabit`, which loop-conformance.test.ts ties to Loop.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HabitCache, type StoredCheckIn } from '../computation-cache.js';
import { fromDayNumber, toDayNumber } from './calendar-day.js';
import { computeHabit, type HabitComputation, recomputeHabit } from './habit-computation.js';
import type { CheckIn, HabitDefinition } from './habit-history.js';
import { computeHistory } from './habit-history.js';
import { computeScores, computeScoresFrom } from './habit-score.js';

const RUNS = { numRuns: 300 };
const TODAY = toDayNumber('2026-11-28');

const habitArb = fc.oneof(
  fc
    .integer({ min: 1, max: 35 })
    .chain((days) => fc.record({ days: fc.constant(days), times: fc.integer({ min: 1, max: days }) }))
    .map(({ times, days }): HabitDefinition => ({ type: 'boolean', frequency: { times, days } })),
  fc
    .record({
      days: fc.integer({ min: 1, max: 35 }),
      target: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 }), fc.double({ min: 0.1, max: 30, noNaN: true })),
      direction: fc.constantFrom<'at_least' | 'at_most'>('at_least', 'at_most'),
    })
    .map(
      ({ days, target, direction }): HabitDefinition => ({
        type: 'measurable',
        frequency: { times: 1, days },
        target: { value: target, direction },
      }),
    ),
);

/** One day's entry (or its removal), `offset` days before today. */
const editArb = fc.record({
  offset: fc.integer({ min: 0, max: 200 }),
  kind: fc.constantFrom('done', 'done', 'skipped', 'missed', 'note', 'delete'),
  value: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 40, noNaN: true })),
});
type Edit = typeof editArb extends fc.Arbitrary<infer T> ? T : never;

function entryOf(def: HabitDefinition, edit: Edit): StoredCheckIn | null {
  const date = fromDayNumber(TODAY - edit.offset);
  const updatedAt = new Date(0);
  if (edit.kind === 'delete') return null;
  if (edit.kind === 'note') return { date, status: null, value: null, note: 'a note', updatedAt };
  if (def.type === 'boolean') return { date, status: edit.kind, value: null, updatedAt };
  return edit.kind === 'done'
    ? { date, status: null, value: edit.value, updatedAt }
    : { date, status: edit.kind, value: null, updatedAt };
}

/** The check-ins after the edits, oldest first, one per day (as the cache keeps them). */
function applyEdits(def: HabitDefinition, start: readonly CheckIn[], edits: readonly Edit[]): CheckIn[] {
  const byDate = new Map(start.map((c) => [c.date, c]));
  for (const edit of edits) {
    const entry = entryOf(def, edit);
    const date = fromDayNumber(TODAY - edit.offset);
    if (entry) byDate.set(date, entry);
    else byDate.delete(date);
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

function expectSame(actual: HabitComputation, expected: HabitComputation) {
  expect(actual.history.firstDay).toBe(expected.history.firstDay);
  expect(Array.from(actual.history.status)).toEqual(Array.from(expected.history.status));
  // Bit for bit: the same floating-point operations in the same order.
  expect(Array.from(actual.scores)).toEqual(Array.from(expected.scores));
  expect(actual.streaks.count).toBe(expected.streaks.count);
  expect(Array.from(actual.streaks.starts.subarray(0, actual.streaks.count))).toEqual(
    Array.from(expected.streaks.starts.subarray(0, expected.streaks.count)),
  );
  expect(Array.from(actual.streaks.ends.subarray(0, actual.streaks.count))).toEqual(
    Array.from(expected.streaks.ends.subarray(0, expected.streaks.count)),
  );
}

describe('incremental recomputation', () => {
  it('scores resumed at any day equal the full recurrence', () => {
    fc.assert(
      fc.property(habitArb, fc.array(editArb, { maxLength: 80 }), fc.nat(), (def, edits, at) => {
        const history = computeHistory(def, applyEdits(def, [], edits), TODAY);
        const full = computeScores(history);
        const from = at % (history.length + 1);
        expect(Array.from(computeScoresFrom(history, full, from))).toEqual(Array.from(full));
      }),
      RUNS,
    );
  });

  it('after one or more edits, equals a full computation of the new check-ins', () => {
    fc.assert(
      fc.property(
        habitArb,
        fc.array(editArb, { maxLength: 80 }),
        fc.array(fc.array(editArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
        (def, initial, rounds) => {
          let checkIns = applyEdits(def, [], initial);
          let computation = computeHabit(def, checkIns, TODAY);
          for (const edits of rounds) {
            checkIns = applyEdits(def, checkIns, edits);
            computation = recomputeHabit(def, checkIns, TODAY, computation);
            expectSame(computation, computeHabit(def, checkIns, TODAY));
          }
        },
      ),
      RUNS,
    );
  });

  it('through the cache: writes patched into the cached list, then recomputed from the basis', () => {
    fc.assert(
      fc.property(
        habitArb,
        fc.array(editArb, { maxLength: 80 }),
        fc.array(editArb, { minLength: 1, maxLength: 6 }),
        (def, initial, writes) => {
          const cache = new HabitCache(10);
          const checkIns = applyEdits(def, [], initial) as StoredCheckIn[];
          const computation = computeHabit(def, checkIns, TODAY);
          cache.set('h', {
            revision: 1,
            checkIns,
            computed: { today: TODAY, computation, summary: undefined as never },
          });
          writes.forEach((edit, i) => {
            cache.applyWrite('h', 2 + i, fromDayNumber(TODAY - edit.offset), entryOf(def, edit));
          });
          const entry = cache.get('h', 1 + writes.length);
          expect(entry?.basis).toBe(computation);
          const after = entry as NonNullable<typeof entry>;
          const expected = computeHabit(def, applyEdits(def, checkIns, writes), TODAY);
          expectSame(recomputeHabit(def, after.checkIns, TODAY, computation), expected);
        },
      ),
      RUNS,
    );
  });

  it('writes that finish out of order patch the cached list as if they had come in order', () => {
    fc.assert(
      fc.property(
        habitArb,
        fc.array(editArb, { maxLength: 40 }),
        fc.array(editArb, { minLength: 1, maxLength: 8 }).chain((writes) =>
          fc.tuple(
            fc.constant(writes),
            fc.shuffledSubarray(
              writes.map((_w, i) => i),
              { minLength: writes.length },
            ),
          ),
        ),
        (def, initial, [writes, order]) => {
          const cache = new HabitCache(10);
          const checkIns = applyEdits(def, [], initial) as StoredCheckIn[];
          cache.set('h', { revision: 1, checkIns });
          for (const i of order) {
            const edit = writes[i] as Edit;
            cache.applyWrite('h', 2 + i, fromDayNumber(TODAY - edit.offset), entryOf(def, edit));
          }
          const entry = cache.get('h', 1 + writes.length);
          expect(entry?.checkIns).toEqual(applyEdits(def, checkIns, writes));
        },
      ),
      RUNS,
    );
  });

  it('a history read while writes ran is caught up with them when stored; an older one never replaces a newer', () => {
    const cache = new HabitCache(10);
    const at = (date: string): StoredCheckIn => ({ date, status: 'done', value: null, updatedAt: new Date(0) });
    // Writes at revisions 2 and 3 finish while the history (read at revision 1) is on its way.
    cache.applyWrite('h', 3, '2026-11-03', at('2026-11-03'));
    cache.applyWrite('h', 2, '2026-11-02', at('2026-11-02'));
    cache.set('h', { revision: 1, checkIns: [at('2026-11-01')] });
    expect(cache.revisionOf('h')).toBe(3);
    expect(cache.get('h', 3)?.checkIns.map((c) => c.date)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    // A slower read, of revision 2, arrives last: the newer history stays.
    cache.set('h', { revision: 2, checkIns: [at('2026-11-01')] });
    expect(cache.revisionOf('h')).toBe(3);
    // A reader that saw revision 2 misses without dropping the newer history.
    expect(cache.get('h', 2)).toBeUndefined();
    expect(cache.revisionOf('h')).toBe(3);
  });
});
