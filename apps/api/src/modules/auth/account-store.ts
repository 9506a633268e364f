import { desc, eq, sql } from 'drizzle-orm';
import type { Database, Tx } from '../../platform/db/client.js';
import type { AuthRepository } from './repository.js';
import { apikey, session, user } from './schema.js';

/** The profile columns of a user row (better-auth's `user` table, with our preferences). */
export interface ProfileRow {
  id: string;
  email: string;
  emailVerified: boolean;
  name: string;
  role: string | null;
  timezone: string | null;
  weekStartsOn: number | null;
  dayStartHour: number | null;
  createdAt: Date;
}

export type ProfilePatch = Partial<Pick<ProfileRow, 'name' | 'timezone' | 'weekStartsOn' | 'dayStartHour'>>;

const profileColumns = {
  id: user.id,
  email: user.email,
  emailVerified: user.emailVerified,
  name: user.name,
  role: user.role,
  timezone: user.timezone,
  weekStartsOn: user.weekStartsOn,
  dayStartHour: user.dayStartHour,
  createdAt: user.createdAt,
};

/**
 * The auth module owns better-auth's tables (user, session, account, apikey); this is what other
 * modules may read and change of them: the profile (users), the contact for Stripe (payments),
 * a user's sessions and keys for the export, and the account row itself for its deletion.
 */
export function createAccountStore(db: Database, repository: Pick<AuthRepository, 'listApiKeys'>) {
  // Prepared once: GET /me is called on every app start and screen.
  const profileById = db
    .select(profileColumns)
    .from(user)
    .where(eq(user.id, sql.placeholder('userId')))
    .limit(1)
    .prepare('users_profile_by_id');

  return {
    async findProfile(userId: string): Promise<ProfileRow | undefined> {
      const [row] = await profileById.execute({ userId });
      return row;
    },

    async updateProfile(userId: string, patch: ProfilePatch): Promise<ProfileRow | undefined> {
      const [row] = await db
        .update(user)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(user.id, userId))
        .returning(profileColumns);
      return row;
    },

    /** Who a Stripe customer is created for. */
    async findContact(userId: string): Promise<{ email: string; name: string } | undefined> {
      const [row] = await db.select({ email: user.email, name: user.name }).from(user).where(eq(user.id, userId));
      return row;
    },

    /** Every session of the user, expired ones included, newest first (for the export). */
    async listSessions(userId: string) {
      return db
        .select({
          id: session.id,
          createdAt: session.createdAt,
          expiresAt: session.expiresAt,
          ipAddress: session.ipAddress,
          userAgent: session.userAgent,
        })
        .from(session)
        .where(eq(session.userId, userId))
        .orderBy(desc(session.createdAt));
    },

    /** The user's API keys without their secrets, oldest first (the query GET /api-keys uses). */
    listApiKeys: (userId: string) => repository.listApiKeys(userId),

    /** Removes the account row and its keys; sessions and accounts go with it (ON DELETE CASCADE). */
    async deleteUser(userId: string, tx: Tx): Promise<boolean> {
      await tx.delete(apikey).where(eq(apikey.referenceId, userId));
      const deleted = await tx.delete(user).where(eq(user.id, userId)).returning({ id: user.id });
      return deleted.length > 0;
    },
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
