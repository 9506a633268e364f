import { AppError } from '../../../platform/app-error.js';
import type { Tx } from '../../../platform/db/client.js';
import type { HabitsRepository } from '../repository.js';

/** How many active habits a user may have; `null` is unlimited. The payments module answers it. */
export interface HabitLimits {
  activeHabitLimit(userId: string): Promise<number | null>;
}

/**
 * `limit` is asked for before the transaction opens (the answer may need the database, and an
 * embedded database has a single connection); the count is taken inside it, under the lock.
 */
export async function assertWithinLimit(
  repo: Pick<HabitsRepository, 'countActive'>,
  userId: string,
  limit: number | null,
  tx: Tx,
): Promise<void> {
  if (limit === null) return;
  const usage = await repo.countActive(userId, tx);
  if (usage >= limit) {
    throw new AppError(
      'PLAN_LIMIT_REACHED',
      `Your plan allows ${limit} active habits; archive one or upgrade to add another`,
      { details: [{ resource: 'activeHabits', limit, usage }] },
    );
  }
}
