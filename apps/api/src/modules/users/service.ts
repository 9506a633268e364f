import type { Me, UpdateMe } from '@habitual/shared';
import type { AccountPart } from '../../platform/account.js';
import { AppError } from '../../platform/app-error.js';
import type { Database } from '../../platform/db/client.js';
import type { AccountStore, Actor, ProfileRow } from '../auth/index.js';

/** A named part of the account export: its rows, yielded one by one into the response. */
export interface ExportSection {
  name: string;
  rows: (userId: string) => AsyncIterable<unknown>;
}

/** A session younger than this may delete the account without the password. */
export const FRESH_SESSION_MS = 15 * 60 * 1000;

export function toMe(row: ProfileRow): Me {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.emailVerified,
    name: row.name,
    role: row.role === 'admin' ? 'admin' : 'user',
    timezone: row.timezone ?? 'UTC',
    weekStartsOn: row.weekStartsOn ?? 1,
    dayStartHour: row.dayStartHour ?? 0,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The export's own sections: the user's sessions and API keys (never their secrets). */
function credentialSections(accounts: Pick<AccountStore, 'listSessions' | 'listApiKeys'>): ExportSection[] {
  return [
    {
      name: 'sessions',
      rows: async function* (userId) {
        for (const s of await accounts.listSessions(userId)) {
          yield { ...s, createdAt: s.createdAt.toISOString(), expiresAt: s.expiresAt.toISOString() };
        }
      },
    },
    {
      name: 'apiKeys',
      rows: async function* (userId) {
        for (const k of await accounts.listApiKeys(userId)) {
          yield {
            id: k.id,
            name: k.name,
            start: k.start,
            createdAt: k.createdAt.toISOString(),
            expiresAt: k.expiresAt?.toISOString() ?? null,
          };
        }
      },
    },
  ];
}

/**
 * A session younger than FRESH_SESSION_MS deletes its account at once; an older one must send the
 * password (403 naming `password` otherwise).
 */
async function confirmDeletion(
  actor: Actor,
  password: string | undefined,
  deps: { now: () => Date; verifyPassword: (userId: string, password: string) => Promise<boolean> },
): Promise<void> {
  const fresh =
    actor.sessionCreatedAt !== null && deps.now().getTime() - actor.sessionCreatedAt.getTime() < FRESH_SESSION_MS;
  if (fresh) return;
  if (!password) {
    throw new AppError('FORBIDDEN', 'Confirm with your password (or sign in again) to delete the account', {
      details: [{ location: 'body', path: 'password', message: 'Required: the session is older than 15 minutes' }],
    });
  }
  if (!(await deps.verifyPassword(actor.userId, password))) {
    throw new AppError('FORBIDDEN', 'The password is not correct', {
      details: [{ location: 'body', path: 'password', message: 'Incorrect password' }],
    });
  }
}

/**
 * Reads a user's profile as `GET /me` shows it (zone and day-start hour with their defaults).
 * Other modules that need a user's clock or address get this, built before the users module.
 */
export function createProfileReader(accounts: Pick<AccountStore, 'findProfile'>) {
  return {
    async getMe(userId: string): Promise<Me> {
      const row = await accounts.findProfile(userId);
      if (!row) throw new AppError('NOT_FOUND', 'User not found');
      return toMe(row);
    },
  };
}

export type ProfileReader = ReturnType<typeof createProfileReader>;

export function createUsersService(deps: {
  db: Database;
  accounts: Pick<AccountStore, 'findProfile' | 'updateProfile' | 'listSessions' | 'listApiKeys' | 'deleteUser'>;
  /**
   * Every other module's part in an account's export and deletion, in the order their sections
   * appear in the export and their rows are deleted.
   */
  accountParts: readonly AccountPart[];
  verifyPassword: (userId: string, password: string) => Promise<boolean>;
  /** Called after an account is gone, so cached credentials stop working at once. */
  onAccountDeleted: () => void;
  /**
   * Called after the time zone or the day-start hour changed, so what is scheduled in the
   * user's local time (reminders, the digest) moves with it.
   */
  onClockChanged?: (userId: string) => Promise<void>;
  now: () => Date;
}) {
  const { accounts, accountParts } = deps;
  const sections: readonly ExportSection[] = [
    ...credentialSections(accounts),
    ...accountParts.flatMap((part) =>
      Object.entries(part.exportSections ?? {}).map(([name, rows]) => ({ name, rows })),
    ),
  ];

  /** The one way an account is removed: every module's rows in one transaction, then the caches. */
  async function removeAccount(userId: string): Promise<void> {
    await deps.db.transaction(async (tx) => {
      for (const part of accountParts) await part.deleteAccount?.(userId, tx);
      const deleted = await accounts.deleteUser(userId, tx);
      if (!deleted) throw new AppError('NOT_FOUND', 'User not found');
    });
    deps.onAccountDeleted();
  }

  const { getMe } = createProfileReader(accounts);

  return {
    getMe,

    async updateMe(userId: string, patch: UpdateMe): Promise<Me> {
      if (Object.keys(patch).length === 0) return getMe(userId);
      const row = await accounts.updateProfile(userId, patch);
      if (!row) throw new AppError('NOT_FOUND', 'User not found');
      // A retried PATCH reschedules again, so a failure here is repaired by the client's retry.
      if (patch.timezone !== undefined || patch.dayStartHour !== undefined) await deps.onClockChanged?.(userId);
      return toMe(row);
    },

    /** The export's sections after the profile, in order. */
    exportSections(): readonly ExportSection[] {
      return sections;
    },

    async deleteAccount(actor: Actor, password: string | undefined): Promise<void> {
      await confirmDeletion(actor, password, deps);
      await removeAccount(actor.userId);
    },

    /**
     * An admin deleting someone else's account: the same removal as `deleteAccount` (every
     * module's part, the Stripe subscription cancelled), without the password step.
     */
    async deleteAccountAsAdmin(admin: Actor, userId: string): Promise<void> {
      if (admin.userId === userId) {
        throw new AppError('CONFLICT', 'Delete your own account with DELETE /api/v1/me', {
          details: [{ location: 'params', path: 'userId', message: 'is the caller' }],
        });
      }
      await removeAccount(userId);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
