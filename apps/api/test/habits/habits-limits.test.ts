/**
 * Plan limits as the habits module applies them, with a small stand-in for the payments
 * module's answer (`HabitLimits`) and the real repository and database.
 */
import { describe, expect, it } from 'vitest';
import { createHabitsRepository } from '../../src/modules/habits/repository.js';
import { createHabitsService, type HabitLimits } from '../../src/modules/habits/service.js';
import { AppError } from '../../src/platform/app-error.js';
import { setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

async function start(limit: number | null) {
  const { app, database } = await setup();
  const user = await signUp(app);
  const limits: HabitLimits = { activeHabitLimit: async () => limit };
  const habits = createHabitsService({
    db: database.db,
    habits: createHabitsRepository(database.db),
    limits,
    now: () => new Date(),
    cacheSize: 10,
  });
  return { user, habits };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('plan limits on active habits', () => {
  it('blocks a habit over the limit with 402 and the limit and usage; archiving frees a slot', async () => {
    const { user, habits } = await start(2);
    const a = await habits.createHabit(user.id, { name: 'A' });
    await habits.createHabit(user.id, { name: 'B' });
    const blocked = await rejection(habits.createHabit(user.id, { name: 'C' }));
    expect(blocked.code).toBe('PLAN_LIMIT_REACHED');
    expect(blocked.details).toEqual([{ resource: 'activeHabits', limit: 2, usage: 2 }]);

    await habits.updateHabit(user.id, a.id, { archived: true });
    const c = await habits.createHabit(user.id, { name: 'C' });
    // Restoring needs a free slot too; nothing is deleted because of the plan.
    const restore = await rejection(habits.updateHabit(user.id, a.id, { archived: false }));
    expect(restore.code).toBe('PLAN_LIMIT_REACHED');
    expect((await habits.listHabits(user.id, { archived: true, limit: 10 })).data.map((h) => h.id)).toEqual([a.id]);
    await habits.updateHabit(user.id, c.id, { archived: true });
    expect((await habits.updateHabit(user.id, a.id, { archived: false })).archived).toBe(false);
  });

  it('concurrent creates cannot both take the last slot', async () => {
    const { user, habits } = await start(3);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => habits.createHabit(user.id, { name: `H${i}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(await habits.countActive(user.id)).toBe(3);
  });

  it('unlimited plans never block', async () => {
    const { user, habits } = await start(null);
    for (let i = 0; i < 12; i++) await habits.createHabit(user.id, { name: `H${i}` });
    expect(await habits.countActive(user.id)).toBe(12);
  });
});
