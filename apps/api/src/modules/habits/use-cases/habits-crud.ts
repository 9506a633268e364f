import { type CreateHabit, type HabitWithSummary, MAX_HABITS_PER_USER, type UpdateHabit } from '@habitual/shared';
import { AppError } from '../../../platform/app-error.js';
import { decodeCursor, encodeCursor } from '../../../platform/cursor.js';
import type { Tx } from '../../../platform/db/client.js';
import { fromDayNumber, habitChangeViolation, startDateViolation } from '../domain/index.js';
import { habitNotFound, userNotFound, violated } from '../errors.js';
import { habitPatch, newHabitRow } from '../mapping.js';
import type { HabitsRepository } from '../repository.js';
import type { UseCaseDeps } from './deps.js';
import { loadHabit } from './lookups.js';
import { assertWithinLimit } from './plan-limit.js';

/** Archived habits count here, so archiving cannot grow a user's habits without end. */
async function assertBelowHardCap(repo: Pick<HabitsRepository, 'countAll'>, userId: string, tx: Tx) {
  const total = await repo.countAll(userId, tx);
  if (total >= MAX_HABITS_PER_USER) {
    throw new AppError(
      'CONFLICT',
      `An account holds at most ${MAX_HABITS_PER_USER} habits, archived ones included; delete archived habits to add another`,
      { details: [{ resource: 'habits', limit: MAX_HABITS_PER_USER, usage: total }] },
    );
  }
}

/** Habits themselves: create, read, list, change, archive, delete and order them. */
export function createHabitUseCases(deps: Pick<UseCaseDeps, 'db' | 'repo' | 'read' | 'limits' | 'now'>) {
  const { repo, read } = deps;

  return {
    async createHabit(userId: string, input: CreateHabit): Promise<HabitWithSummary> {
      const clocking = await repo.clocking(userId);
      if (!clocking) throw userNotFound();
      const today = fromDayNumber(read.todayOf(clocking));
      const violation = startDateViolation(input.startDate, today);
      if (violation) throw violated(violation, 'body');
      const values = newHabitRow(input, today);
      const limit = await deps.limits.activeHabitLimit(userId);
      const row = await deps.db.transaction(async (tx) => {
        await repo.lockUserHabits(userId, tx);
        await assertWithinLimit(repo, userId, limit, tx);
        await assertBelowHardCap(repo, userId, tx);
        return repo.insertHabit(userId, values, tx);
      });
      const [created] = await read.withSummaries(userId, [row], clocking);
      return created as HabitWithSummary;
    },

    async listHabits(
      userId: string,
      query: { archived: boolean; limit: number; cursor?: string },
    ): Promise<{ data: HabitWithSummary[]; nextCursor: string | null }> {
      const after = query.cursor
        ? (([position, id]) => ({ position, id }))(decodeCursor(query.cursor, ['number', 'string'] as const))
        : undefined;
      // Keys first (id, revision, position), as /today: only habits without a current cached
      // view are read in full. The cursor is the last key's (position, id).
      const page = await repo.listHabitKeys(userId, { archived: query.archived, limit: query.limit + 1, after });
      if (!page) throw userNotFound();
      const keys = page.habits.slice(0, query.limit);
      const last = keys[keys.length - 1];
      return {
        data: await read.viewsOfKeys(userId, keys, page.clocking, read.todayOf(page.clocking)),
        nextCursor: page.habits.length > query.limit && last ? encodeCursor([last.position, last.id]) : null,
      };
    },

    async countActive(userId: string): Promise<number> {
      return repo.countActive(userId);
    },

    async getHabit(userId: string, habitId: string): Promise<HabitWithSummary> {
      const { clocking, habit } = await loadHabit(repo, userId, habitId);
      const [one] = await read.withSummaries(userId, [habit], clocking);
      return one as HabitWithSummary;
    },

    async updateHabit(userId: string, habitId: string, input: UpdateHabit): Promise<HabitWithSummary> {
      const { clocking, habit } = await loadHabit(repo, userId, habitId);
      const violation = habitChangeViolation(habit.type, input, fromDayNumber(read.todayOf(clocking)));
      if (violation) throw violated(violation, 'body');
      const patch = habitPatch(input);
      const archiving = input.archived === true && habit.archivedAt === null;
      const restoring = input.archived === false && habit.archivedAt !== null;
      if (archiving) patch.archivedAt = deps.now();
      if (restoring) patch.archivedAt = null;
      const limit = restoring ? await deps.limits.activeHabitLimit(userId) : null;
      const row = await deps.db.transaction(async (tx) => {
        if (restoring) {
          await repo.lockUserHabits(userId, tx);
          await assertWithinLimit(repo, userId, limit, tx);
        }
        return repo.updateHabit(userId, habitId, patch, tx);
      });
      if (!row) throw habitNotFound();
      const [one] = await read.withSummaries(userId, [row], clocking);
      return one as HabitWithSummary;
    },

    async deleteHabit(userId: string, habitId: string): Promise<void> {
      if (!(await repo.deleteHabit(userId, habitId))) throw habitNotFound();
      read.forget(habitId);
    },

    /** Puts the listed habits first, in that order; the others follow in their current order. */
    async reorder(userId: string, habitIds: readonly string[]) {
      return deps.db.transaction(async (tx) => {
        await repo.lockUserHabits(userId, tx);
        const current = await repo.positions(userId, tx);
        const known = new Set(current.map((h) => h.id));
        const unknown = habitIds.findIndex((id) => !known.has(id));
        if (unknown >= 0) {
          throw new AppError('NOT_FOUND', 'Habit not found', {
            details: [{ location: 'body', path: `habitIds.${unknown}`, message: 'No such habit', code: 'not_found' }],
          });
        }
        const listed = new Set(habitIds);
        const order = [...habitIds, ...current.filter((h) => !listed.has(h.id)).map((h) => h.id)].map(
          (id, position) => ({ id, position }),
        );
        const before = new Map(current.map((h) => [h.id, h.position]));
        await repo.setPositions(
          userId,
          order.filter((o) => before.get(o.id) !== o.position),
          tx,
        );
        return { data: order };
      });
    },
  };
}
