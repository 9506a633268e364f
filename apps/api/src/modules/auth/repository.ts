import { and, asc, count, desc, eq, gt, ilike, or, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/client.js';
import { account, apikey, session, user } from './schema.js';

/** SQL of the auth module that better-auth's own endpoints do not cover. */
export function createAuthRepository(db: Database) {
  return {
    async passwordHash(userId: string): Promise<string | null> {
      const [row] = await db
        .select({ password: account.password })
        .from(account)
        .where(and(eq(account.userId, userId), eq(account.providerId, 'credential')))
        .limit(1);
      return row?.password ?? null;
    },

    async listApiKeys(userId: string) {
      return db
        .select({
          id: apikey.id,
          name: apikey.name,
          start: apikey.start,
          permissions: apikey.permissions,
          rateLimitEnabled: apikey.rateLimitEnabled,
          rateLimitMax: apikey.rateLimitMax,
          rateLimitTimeWindow: apikey.rateLimitTimeWindow,
          expiresAt: apikey.expiresAt,
          createdAt: apikey.createdAt,
        })
        .from(apikey)
        .where(eq(apikey.referenceId, userId))
        .orderBy(asc(apikey.createdAt), asc(apikey.id));
    },

    async countApiKeys(userId: string): Promise<number> {
      const [row] = await db.select({ n: count() }).from(apikey).where(eq(apikey.referenceId, userId));
      return row?.n ?? 0;
    },

    /** 1 for the user's oldest key, 2 for the next…: its place by (createdAt, id). */
    async apiKeyRank(userId: string, keyId: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(apikey)
        .where(
          and(
            eq(apikey.referenceId, userId),
            sql`(${apikey.createdAt}, ${apikey.id}) <= (select k.created_at, k.id from apikey k where k.id = ${keyId})`,
          ),
        );
      return row?.n ?? 0;
    },

    async listSessions(userId: string, now: Date) {
      return db
        .select({
          id: session.id,
          userId: session.userId,
          createdAt: session.createdAt,
          expiresAt: session.expiresAt,
          ipAddress: session.ipAddress,
          userAgent: session.userAgent,
        })
        .from(session)
        .where(and(eq(session.userId, userId), gt(session.expiresAt, now)))
        .orderBy(desc(session.createdAt), desc(session.id));
    },

    /** Deletes the user's sessions beyond the newest `keep`; returns how many went. */
    async pruneSessions(userId: string, keep: number): Promise<number> {
      const rows = await db
        .delete(session)
        .where(
          and(
            eq(session.userId, userId),
            sql`${session.id} not in (select s.id from session s where s.user_id = ${userId} order by s.created_at desc, s.id desc limit ${keep})`,
          ),
        )
        .returning({ id: session.id });
      return rows.length;
    },

    async deleteSession(userId: string, sessionId: string): Promise<boolean> {
      const rows = await db
        .delete(session)
        .where(and(eq(session.id, sessionId), eq(session.userId, userId)))
        .returning({ id: session.id });
      return rows.length > 0;
    },

    /** Sets the user's role; false when there is no such user. */
    async setRole(userId: string, role: 'user' | 'admin'): Promise<boolean> {
      const rows = await db
        .update(user)
        .set({ role, updatedAt: new Date() })
        .where(eq(user.id, userId))
        .returning({ id: user.id });
      return rows.length > 0;
    },

    /** For the admin:grant/admin:revoke scripts; emails compare case-insensitively. */
    async setRoleByEmail(email: string, role: 'user' | 'admin') {
      const [row] = await db
        .update(user)
        .set({ role, updatedAt: new Date() })
        .where(eq(sql`lower(${user.email})`, email.trim().toLowerCase()))
        .returning({ id: user.id, email: user.email, role: user.role });
      return row;
    },

    async deleteApiKey(userId: string, keyId: string): Promise<boolean> {
      const rows = await db
        .delete(apikey)
        .where(and(eq(apikey.id, keyId), eq(apikey.referenceId, userId)))
        .returning({ id: apikey.id });
      return rows.length > 0;
    },

    /** Admin listing, keyset-paginated by (createdAt, id). */
    async listUsers(options: { email?: string; limit: number; after?: { createdAt: Date; id: string } }) {
      const conditions = [];
      if (options.email) conditions.push(ilike(user.email, `%${escapeLike(options.email)}%`));
      if (options.after) {
        conditions.push(
          or(
            gt(user.createdAt, options.after.createdAt),
            and(eq(user.createdAt, options.after.createdAt), gt(user.id, options.after.id)),
          ),
        );
      }
      return db
        .select({
          id: user.id,
          email: user.email,
          name: user.name,
          role: user.role,
          emailVerified: user.emailVerified,
          banned: user.banned,
          banReason: user.banReason,
          banExpires: user.banExpires,
          createdAt: user.createdAt,
        })
        .from(user)
        .where(conditions.length > 0 ? and(...conditions) : undefined)
        .orderBy(asc(user.createdAt), asc(user.id))
        .limit(options.limit + 1);
    },

    /** Bans (or unbans) a user and ends every session of theirs in one transaction. */
    async setBan(userId: string, ban: { reason: string | null; expires: Date | null } | null) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(user)
          .set({
            banned: ban !== null,
            banReason: ban?.reason ?? null,
            banExpires: ban?.expires ?? null,
            updatedAt: new Date(),
          })
          .where(eq(user.id, userId))
          .returning({ id: user.id });
        if (!row) return false;
        if (ban) await tx.delete(session).where(eq(session.userId, userId));
        return true;
      });
    },
  };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export type AuthRepository = ReturnType<typeof createAuthRepository>;
