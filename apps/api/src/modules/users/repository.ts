import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/client.js';
import { apikey, session, user } from '../auth/schema.js';

export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
type Db = Database | Tx;

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

/** All SQL of the users module; every query is scoped by the user's id. */
export function createUsersRepository(db: Database) {
  // Prepared once: GET /me is called on every app start and screen.
  const profileById = db
    .select(profileColumns)
    .from(user)
    .where(eq(user.id, sql.placeholder('userId')))
    .limit(1)
    .prepare('users_profile_by_id');

  return {
    async findProfile(userId: string, tx?: Tx): Promise<ProfileRow | undefined> {
      const [row] = tx
        ? await tx.select(profileColumns).from(user).where(eq(user.id, userId)).limit(1)
        : await profileById.execute({ userId });
      return row;
    },

    async updateProfile(
      userId: string,
      patch: Partial<Pick<ProfileRow, 'name' | 'timezone' | 'weekStartsOn' | 'dayStartHour'>>,
      tx: Db = db,
    ): Promise<ProfileRow | undefined> {
      const [row] = await tx
        .update(user)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(user.id, userId))
        .returning(profileColumns);
      return row;
    },

    async listSessions(userId: string, tx: Db = db) {
      return tx
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

    async listApiKeys(userId: string, tx: Db = db) {
      return tx
        .select({
          id: apikey.id,
          name: apikey.name,
          start: apikey.start,
          createdAt: apikey.createdAt,
          expiresAt: apikey.expiresAt,
        })
        .from(apikey)
        .where(eq(apikey.referenceId, userId))
        .orderBy(desc(apikey.createdAt));
    },

    /** Removes the user's own rows; sessions and accounts go with the user (ON DELETE CASCADE). */
    async deleteUser(userId: string, tx: Db = db): Promise<boolean> {
      await tx.delete(apikey).where(eq(apikey.referenceId, userId));
      const deleted = await tx
        .delete(user)
        .where(and(eq(user.id, userId)))
        .returning({ id: user.id });
      return deleted.length > 0;
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
