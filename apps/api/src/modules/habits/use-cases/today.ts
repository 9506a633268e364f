import type { Habit, Today } from '@habitual/shared';
import { fromDayNumber, type HabitComputation, type HabitSummary } from '../domain/index.js';
import { userNotFound } from '../errors.js';
import { toHabit } from '../mapping.js';
import type { UseCaseDeps } from './deps.js';

/** One habit with everything computed from its check-ins (for the insights module). */
export interface HabitSnapshotItem {
  habit: Habit;
  computation: HabitComputation;
  summary: HabitSummary;
}

export interface HabitsSnapshot {
  today: string;
  timezone: string;
  habits: HabitSnapshotItem[];
}

/** The user's active habits as of their today: the home screen, and the insights module's input. */
export function createTodayUseCases(deps: Pick<UseCaseDeps, 'repo' | 'read'>) {
  const { repo, read } = deps;

  return {
    async today(userId: string): Promise<Today> {
      // The home screen reads only (id, revision, position) of each active habit: a cached view
      // at that revision and position is current. Full rows are read only for the others.
      const found = await repo.activeHabitKeys(userId);
      if (!found) throw userNotFound();
      const today = read.todayOf(found.clocking);
      const habits = await read.viewsOfKeys(userId, found.habits, found.clocking, today);
      return {
        date: fromDayNumber(today),
        timezone: found.clocking.timezone,
        habits,
      };
    },

    /** The user's active habits with everything computed, from one read (for the insights module). */
    async snapshot(userId: string): Promise<HabitsSnapshot> {
      const found = await repo.activeHabits(userId);
      if (!found) throw userNotFound();
      const today = read.todayOf(found.clocking);
      const computed = await read.computeAll(userId, found.habits, today);
      return {
        today: fromDayNumber(today),
        timezone: found.clocking.timezone,
        habits: computed.map(({ row, computed: c }) => ({
          habit: toHabit(row),
          computation: c.computation,
          summary: c.summary,
        })),
      };
    },
  };
}
