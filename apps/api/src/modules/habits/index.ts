import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AccountPart } from '../../platform/account.js';
import type { Database } from '../../platform/db/client.js';
import type { EntitlementsService } from '../payments/index.js';
import { createHabitsRepository } from './repository.js';
import { habitsRoutes } from './routes.js';
import { createHabitsService } from './service.js';

export type { HabitsService } from './service.js';

/**
 * The habits module: habits, check-ins and everything computed from them. Returns its service
 * (insights reads `snapshot`, billing `countActive`), its part in an account's export and
 * deletion, and its routes.
 */
export function createHabitsModule(deps: {
  db: Database;
  /** The plan's limit on active habits, asked before a habit is created or restored. */
  limits: Pick<EntitlementsService, 'activeHabitLimit'>;
  now: () => Date;
  cacheSize: number;
}) {
  const repository = createHabitsRepository(deps.db);
  const service = createHabitsService({ ...deps, habits: repository });
  const account: AccountPart = {
    exportSections: {
      habits: (userId) => service.exportHabits(userId),
      checkIns: (userId) => service.exportCheckIns(userId),
    },
    deleteAccount: (userId, tx) => repository.deleteAllOf(userId, tx),
  };
  const routes: FastifyPluginAsyncZod = async (app) => {
    await app.register(habitsRoutes, { habits: service });
  };
  return { service, account, routes };
}
