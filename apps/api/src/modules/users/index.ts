import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AccountPart } from '../../platform/account.js';
import type { Database } from '../../platform/db/client.js';
import type { AccountStore } from '../auth/index.js';
import { usersRoutes } from './routes.js';
import { createUsersService } from './service.js';

export { createProfileReader, type ProfileReader, type UsersService } from './service.js';

/**
 * The users module: the profile (`/me`), the account export and the account deletion. Every
 * module that keeps a user's rows takes part through its `AccountPart`, listed by app.ts in
 * `accountParts`: their export sections follow the user's sessions and API keys in that order,
 * and their rows are deleted in that order, in one transaction, before the account row.
 */
export function createUsersModule(deps: {
  db: Database;
  accounts: Pick<AccountStore, 'findProfile' | 'updateProfile' | 'listSessions' | 'listApiKeys' | 'deleteUser'>;
  accountParts: readonly AccountPart[];
  verifyPassword: (userId: string, password: string) => Promise<boolean>;
  onAccountDeleted: () => void;
  /** After a change of time zone or day-start hour (reminders reschedule). */
  onClockChanged?: (userId: string) => Promise<void>;
  now: () => Date;
}) {
  const service = createUsersService(deps);
  const routes: FastifyPluginAsyncZod = async (app) => {
    await app.register(usersRoutes, { users: service });
  };
  return { service, routes };
}
