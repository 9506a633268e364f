import type { App } from '../../platform/app-types.js';
import type { Database } from '../../platform/db/client.js';
import { createUsersRepository } from './repository.js';
import { usersRoutes } from './routes.js';
import { createUsersService } from './service.js';

export type { Tx } from './repository.js';
export type { AccountCleanup, ExportSection, UsersService } from './service.js';

export async function registerUsersModule(
  app: App,
  deps: {
    db: Database;
    verifyPassword: (userId: string, password: string) => Promise<boolean>;
    onAccountDeleted: () => void;
    now: () => Date;
  },
) {
  const users = createUsersService({ ...deps, users: createUsersRepository(deps.db) });
  await app.register(usersRoutes, { prefix: '/api/v1', users });
  return users;
}
