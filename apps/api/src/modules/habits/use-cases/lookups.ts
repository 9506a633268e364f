import { MAX_RANGE_DAYS } from '@habitual/shared';
import { dateRange, fromDayNumber, rangeViolation } from '../domain/index.js';
import { habitNotFound, userNotFound, violated } from '../errors.js';
import type { HabitsRepository } from '../repository.js';

/** The user's clocking and one of their habits, or 404. */
export async function loadHabit(repo: Pick<HabitsRepository, 'habitWithClocking'>, userId: string, habitId: string) {
  const found = await repo.habitWithClocking(userId, habitId);
  if (!found) throw userNotFound();
  if (!found.habit) throw habitNotFound();
  return { clocking: found.clocking, habit: found.habit };
}

/** `from..to` of a range query: defaults (`defaultDays` ending today), order and the five-year bound. */
export function resolveRange(query: { from?: string; to?: string }, today: number, defaultDays: number) {
  const range = dateRange(query, fromDayNumber(today), defaultDays);
  const violation = rangeViolation(range, MAX_RANGE_DAYS);
  if (violation) throw violated(violation, 'querystring');
  return range;
}
