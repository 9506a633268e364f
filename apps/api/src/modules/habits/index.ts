import type { App } from '../../platform/app-types.js';
import type { Database } from '../../platform/db/client.js';
import type { UsersService } from '../users/index.js';
import { createHabitsRepository } from './repository.js';
import { habitsRoutes } from './routes.js';
import { createHabitsService, type HabitLimits } from './service.js';

export type { HabitLimits, HabitSnapshotItem, HabitsService, HabitsSnapshot } from './service.js';

export async function registerHabitsModule(
  app: App,
  deps: {
    db: Database;
    users: Pick<UsersService, 'registerCleanup' | 'registerExportSection'>;
    limits: HabitLimits;
    now: () => Date;
    cacheSize: number;
  },
) {
  const repository = createHabitsRepository(deps.db);
  const habits = createHabitsService({ ...deps, habits: repository });
  deps.users.registerCleanup((userId, tx) => repository.deleteAllOf(userId, tx));
  deps.users.registerExportSection({ name: 'habits', rows: (userId) => habits.exportHabits(userId) });
  deps.users.registerExportSection({ name: 'checkIns', rows: (userId) => habits.exportCheckIns(userId) });
  await app.register(habitsRoutes, { prefix: '/api/v1', habits });
  return habits;
}
