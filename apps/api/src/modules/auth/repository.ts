import { and, asc, eq, gt, ilike, or } from 'drizzle-orm';
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
