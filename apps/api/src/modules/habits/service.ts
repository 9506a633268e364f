/**
 * The habits service: one object with every use case of the module, built from the parts that
 * each do one job:
 * - read-model.ts: each habit's history computed for the user's today, its cache and the
 *   sharing of reads in flight;
 * - domain/check-in-rules.ts: the pure rules an entry, a habit change and a date range obey;
 * - mapping.ts: rows → the API's shapes;
 * - use-cases/: habits (CRUD and order), today and the snapshot, check-ins, history (calendar,
 *   streaks, stats) and the account export.
 */
import type { Database } from '../../platform/db/client.js';
import { createHabitReadModel } from './read-model.js';
import type { HabitsRepository } from './repository.js';
import { createCheckInUseCases } from './use-cases/check-ins.js';
import { createExportUseCases } from './use-cases/export.js';
import { createHabitUseCases } from './use-cases/habits-crud.js';
import { createHistoryUseCases } from './use-cases/history.js';
import type { HabitLimits } from './use-cases/plan-limit.js';
import { createTodayUseCases } from './use-cases/today.js';

export type { HabitLimits } from './use-cases/plan-limit.js';

export function createHabitsService(deps: {
  db: Database;
  habits: HabitsRepository;
  limits: HabitLimits;
  now: () => Date;
  /** Habits whose check-ins are kept in memory (least recently used); 0 turns the cache off. */
  cacheSize: number;
}) {
  const read = createHabitReadModel(deps);
  const parts = { db: deps.db, repo: deps.habits, read, limits: deps.limits, now: deps.now };
  const habits = createHabitUseCases(parts);
  const today = createTodayUseCases(parts);
  const checkIns = createCheckInUseCases(parts);
  const history = createHistoryUseCases(parts);
  const exports = createExportUseCases(parts);

  return {
    createHabit: habits.createHabit,
    listHabits: habits.listHabits,
    today: today.today,
    /** The user's active habits with everything computed, from one read (for the insights module). */
    snapshot: today.snapshot,
    countActive: habits.countActive,
    getHabit: habits.getHabit,
    updateHabit: habits.updateHabit,
    deleteHabit: habits.deleteHabit,
    reorder: habits.reorder,
    putCheckIn: checkIns.putCheckIn,
    deleteCheckIn: checkIns.deleteCheckIn,
    listCheckIns: checkIns.listCheckIns,
    calendar: history.calendar,
    streaks: history.streaks,
    stats: history.stats,
    batch: checkIns.batch,
    /** Lookups of the computation cache (for the metrics). */
    cacheStats: read.cacheStats,
    /** Export sections for the users module. */
    exportHabits: exports.exportHabits,
    exportCheckIns: exports.exportCheckIns,
  };
}

export type HabitsService = ReturnType<typeof createHabitsService>;
