import { memo } from '../computation-cache.js';
import { bestStreaks, computeStats } from '../domain/index.js';
import { toStreak } from '../mapping.js';
import type { UseCaseDeps } from './deps.js';
import { loadHabit, resolveRange } from './lookups.js';

/** What one habit's computed history shows: its calendar, streaks and statistics over a range. */
export function createHistoryUseCases(deps: Pick<UseCaseDeps, 'repo' | 'read'>) {
  const { repo, read } = deps;

  return {
    async calendar(userId: string, habitId: string, query: { from?: string; to?: string }) {
      const { clocking, habit } = await loadHabit(repo, userId, habitId);
      const one = await read.computeOne(userId, habit, clocking);
      const range = resolveRange(query, one.today, 30);
      return memo(one.computed, `calendar:${range.from}:${range.to}`, () => {
        const stats = computeStats(one.computed.computation, range.from, range.to, { bestStreaks: 0 });
        return { ...range, days: stats.calendar };
      });
    },

    async streaks(userId: string, habitId: string, limit: number) {
      const { clocking, habit } = await loadHabit(repo, userId, habitId);
      const one = await read.computeOne(userId, habit, clocking);
      return {
        current: toStreak(one.computed.summary.currentStreak),
        best: bestStreaks(one.computed.computation.streaks, limit).map(
          (s) => toStreak(s) as NonNullable<ReturnType<typeof toStreak>>,
        ),
      };
    },

    async stats(userId: string, habitId: string, query: { from?: string; to?: string }) {
      const { clocking, habit } = await loadHabit(repo, userId, habitId);
      const one = await read.computeOne(userId, habit, clocking);
      const range = resolveRange(query, one.today, 365);
      return memo(one.computed, `stats:${range.from}:${range.to}`, () => {
        const { calendar: _calendar, ...stats } = computeStats(one.computed.computation, range.from, range.to, {
          calendar: false,
        });
        return stats;
      });
    },
  };
}
