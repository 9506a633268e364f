import type { BatchCheckIns, PutCheckIn } from '@habitual/shared';
import { AppError } from '../../../platform/app-error.js';
import { checkInValues, checkInViolation, fromDayNumber } from '../domain/index.js';
import { habitNotFound, userNotFound, violated } from '../errors.js';
import { toCheckIn, toStoredCheckIn, toSummary } from '../mapping.js';
import type { CheckInWrite, HabitRow } from '../rows.js';
import type { UseCaseDeps } from './deps.js';
import { loadHabit, resolveRange } from './lookups.js';

const dayKey = (c: { habitId: string; date: string }) => `${c.habitId}|${c.date}`;

/** Writing, deleting and listing the check-ins of a day or a range, one at a time or in a batch. */
export function createCheckInUseCases(deps: Pick<UseCaseDeps, 'repo' | 'read'>) {
  const { repo, read } = deps;

  return {
    async putCheckIn(userId: string, habitId: string, date: string, input: PutCheckIn) {
      const { clocking, habit } = await loadHabit(repo, userId, habitId);
      const entry = { ...input, date };
      const violation = checkInViolation(habit.type, entry, fromDayNumber(read.todayOf(clocking)));
      // The day is a path parameter here; the entry's fields are in the body.
      if (violation) throw violated(violation, violation.field === 'date' ? 'params' : 'body');
      const write = read.startWrite(habitId);
      let stored: Awaited<ReturnType<typeof repo.putCheckIn>>;
      let checkIn: Awaited<ReturnType<typeof repo.checkInsAt>>[number] | undefined;
      let revision: number;
      try {
        stored = await repo.putCheckIn(userId, habit.type, checkInValues(habit.type, habitId, entry));
        if (!stored) throw habitNotFound();
        // An equal entry committed by a concurrent request after this statement began: read it.
        checkIn = stored.checkIn ?? (await repo.checkInsAt(userId, [{ habitId, date }]))[0];
        if (!checkIn) throw habitNotFound();
        // A write that changed nothing leaves the cached history as it is.
        if (stored.changed) {
          revision = await write.settle(stored.revision, date, toStoredCheckIn(checkIn), read.todayOf(clocking));
        } else revision = stored.revision;
      } finally {
        write.done();
      }
      // Computed at the cached revision when later writes of this instance are already in it.
      const one = await read.computeOne(userId, { ...habit, revision }, clocking);
      return {
        checkIn: toCheckIn(checkIn),
        summary: toSummary(one.computed.summary, one.todayEntry, habitId),
      };
    },

    async deleteCheckIn(userId: string, habitId: string, date: string): Promise<void> {
      await loadHabit(repo, userId, habitId);
      const deleted = await repo.deleteCheckIn(userId, habitId, date);
      if (deleted) read.applyWrite(habitId, deleted.revision, date, null);
    },

    async listCheckIns(userId: string, habitId: string, query: { from?: string; to?: string }) {
      const { clocking } = await loadHabit(repo, userId, habitId);
      const range = resolveRange(query, read.todayOf(clocking), 30);
      const rows = await repo.checkInsInRange(userId, habitId, range.from, range.to);
      return { ...range, data: rows.map(toCheckIn) };
    },

    /**
     * Entries written offline, in ONE statement: all are valid or none is stored. The last entry
     * for a habit and day wins; errors name the entry's index.
     */
    async batch(userId: string, input: BatchCheckIns) {
      const latest = new Map<string, number>();
      for (const [index, item] of input.checkIns.entries()) latest.set(dayKey(item), index);
      const habitIds = [...new Set(input.checkIns.map((c) => c.habitId))];
      const found = await repo.habitsWithClocking(userId, habitIds);
      if (!found) throw userNotFound();
      const byId = new Map(found.habits.map((h) => [h.id, h]));
      const missing = input.checkIns.findIndex((c) => !byId.has(c.habitId));
      if (missing >= 0) {
        throw new AppError('NOT_FOUND', 'Habit not found', {
          details: [
            { location: 'body', path: `checkIns.${missing}.habitId`, message: 'No such habit', code: 'not_found' },
          ],
        });
      }
      const today = fromDayNumber(read.todayOf(found.clocking));
      const writes: CheckInWrite[] = [];
      const deletes: { habitId: string; date: string }[] = [];
      for (const [index, item] of input.checkIns.entries()) {
        if (latest.get(dayKey(item)) !== index) continue;
        if (item.delete) {
          deletes.push({ habitId: item.habitId, date: item.date });
          continue;
        }
        const { type } = byId.get(item.habitId) as HabitRow;
        const violation = checkInViolation(type, item, today);
        if (violation) throw violated(violation, 'body', `checkIns.${index}.`);
        writes.push(checkInValues(type, item.habitId, item));
      }
      const result = await repo.applyBatch(userId, writes, deletes);
      for (const id of result.bumped) read.forget(id);
      // Writes equal to the stored entry changed nothing; answer with the stored rows, in order.
      const rows = new Map(result.written.map((row) => [dayKey(row), row]));
      const unchanged = writes.filter((w) => !rows.has(dayKey(w)));
      for (const row of await repo.checkInsAt(userId, unchanged)) rows.set(dayKey(row), row);
      const written = writes.flatMap((w) => {
        const row = rows.get(dayKey(w));
        return row ? [toCheckIn(row)] : [];
      });
      return { written, deleted: result.deleted };
    },
  };
}
