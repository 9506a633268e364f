import { and, asc, count, desc, eq, gte, lt, or, sql } from 'drizzle-orm';
import type { Database, Tx } from '../../platform/db/client.js';
import { insightGenerations, insights, userAiKeys } from './schema.js';

export type { Tx };

type Db = Database | Tx;

export type InsightRow = typeof insights.$inferSelect;
export type NewInsightRow = typeof insights.$inferInsert;
export type AiKeyRow = typeof userAiKeys.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that cannot be a row's id never reach the database (a uuid column rejects them with an error). */
export function isInsightId(id: string): boolean {
  return UUID.test(id);
}

/** All SQL of the insights module; every query is scoped by the user's id. */
export function createInsightsRepository(db: Database) {
  return {
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },

    /**
     * Serialises the quota and rate-limit decisions of one user (transaction-scoped advisory
     * lock): two concurrent requests cannot both see the last free slot.
     */
    async lockUser(userId: string, tx: Tx): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`habitual:insights:${userId}`}, 0))`);
    },

    async insertInsight(row: NewInsightRow, tx: Db = db): Promise<InsightRow> {
      const [inserted] = await tx.insert(insights).values(row).returning();
      return inserted as InsightRow;
    },

    async findInsight(userId: string, id: string, tx: Db = db): Promise<InsightRow | undefined> {
      if (!isInsightId(id)) return undefined;
      const [row] = await tx
        .select()
        .from(insights)
        .where(and(eq(insights.userId, userId), eq(insights.id, id)))
        .limit(1);
      return row;
    },

    /** The newest insight written from the same statistics since `since`. */
    async findRecentByHash(userId: string, statsHash: string, since: Date, tx: Db = db) {
      const [row] = await tx
        .select()
        .from(insights)
        .where(and(eq(insights.userId, userId), eq(insights.statsHash, statsHash), gte(insights.createdAt, since)))
        .orderBy(desc(insights.createdAt), desc(insights.id))
        .limit(1);
      return row;
    },

    /** Newest first; `after` is the (createdAt, id) of the last item of the previous page. */
    async listInsights(userId: string, limit: number, after: { createdAt: Date; id: string } | null, tx: Db = db) {
      const keyset = after
        ? or(
            lt(insights.createdAt, after.createdAt),
            and(eq(insights.createdAt, after.createdAt), lt(insights.id, after.id)),
          )
        : undefined;
      return tx
        .select()
        .from(insights)
        .where(and(eq(insights.userId, userId), keyset))
        .orderBy(desc(insights.createdAt), desc(insights.id))
        .limit(limit);
    },

    async deleteInsight(userId: string, id: string, tx: Db = db): Promise<boolean> {
      if (!isInsightId(id)) return false;
      const deleted = await tx
        .delete(insights)
        .where(and(eq(insights.userId, userId), eq(insights.id, id)))
        .returning({ id: insights.id });
      return deleted.length > 0;
    },

    async exportInsights(userId: string, tx: Db = db) {
      return tx
        .select()
        .from(insights)
        .where(eq(insights.userId, userId))
        .orderBy(asc(insights.createdAt), asc(insights.id));
    },

    /** Generation attempts since `since` (all outcomes), for the per-user rate limit. */
    async attemptsSince(userId: string, since: Date, tx: Db = db): Promise<{ count: number; oldest: Date | null }> {
      const [row] = await tx
        .select({ count: count(), oldest: sql<Date | string | null>`min(${insightGenerations.createdAt})` })
        .from(insightGenerations)
        .where(and(eq(insightGenerations.userId, userId), gte(insightGenerations.createdAt, since)));
      const oldest = row?.oldest ?? null;
      return { count: Number(row?.count ?? 0), oldest: oldest === null ? null : new Date(oldest) };
    },

    /**
     * Billed generations of the period that count against the quota: succeeded ones, and pending
     * ones younger than `staleBefore` (a pending row older than that belongs to a crashed request).
     */
    async billedSince(userId: string, periodStart: Date, staleBefore: Date, tx: Db = db): Promise<number> {
      const [row] = await tx
        .select({ count: count() })
        .from(insightGenerations)
        .where(
          and(
            eq(insightGenerations.userId, userId),
            eq(insightGenerations.billed, true),
            gte(insightGenerations.createdAt, periodStart),
            or(
              eq(insightGenerations.status, 'succeeded'),
              and(eq(insightGenerations.status, 'pending'), gte(insightGenerations.createdAt, staleBefore)),
            ),
          ),
        );
      return Number(row?.count ?? 0);
    },

    async pendingWithHash(userId: string, statsHash: string, staleBefore: Date, tx: Db = db): Promise<boolean> {
      const [row] = await tx
        .select({ id: insightGenerations.id })
        .from(insightGenerations)
        .where(
          and(
            eq(insightGenerations.userId, userId),
            eq(insightGenerations.statsHash, statsHash),
            eq(insightGenerations.status, 'pending'),
            gte(insightGenerations.createdAt, staleBefore),
          ),
        )
        .limit(1);
      return row !== undefined;
    },

    async insertGeneration(
      row: { userId: string; statsHash: string; billed: boolean; createdAt: Date },
      tx: Db = db,
    ): Promise<string> {
      const [inserted] = await tx
        .insert(insightGenerations)
        .values({ ...row, status: 'pending' })
        .returning({ id: insightGenerations.id });
      return (inserted as { id: string }).id;
    },

    async finishGeneration(
      userId: string,
      id: string,
      outcome: { status: 'succeeded' | 'failed'; insightId: string | null; finishedAt: Date },
      tx: Db = db,
    ): Promise<void> {
      await tx
        .update(insightGenerations)
        .set(outcome)
        .where(and(eq(insightGenerations.userId, userId), eq(insightGenerations.id, id)));
    },

    async findAiKey(userId: string, tx: Db = db): Promise<AiKeyRow | undefined> {
      const [row] = await tx.select().from(userAiKeys).where(eq(userAiKeys.userId, userId)).limit(1);
      return row;
    },

    async upsertAiKey(row: AiKeyRow, tx: Db = db): Promise<AiKeyRow> {
      const [saved] = await tx
        .insert(userAiKeys)
        .values(row)
        .onConflictDoUpdate({
          target: userAiKeys.userId,
          set: {
            encryptionKeyId: row.encryptionKeyId,
            ciphertext: row.ciphertext,
            last4: row.last4,
            updatedAt: row.updatedAt,
          },
        })
        .returning();
      return saved as AiKeyRow;
    },

    /** Re-encrypts under the current key, only if the row still holds the ciphertext that was read. */
    async rewrapAiKey(
      userId: string,
      previousCiphertext: string,
      next: { encryptionKeyId: string; ciphertext: string },
      tx: Db = db,
    ): Promise<void> {
      await tx
        .update(userAiKeys)
        .set(next)
        .where(and(eq(userAiKeys.userId, userId), eq(userAiKeys.ciphertext, previousCiphertext)));
    },

    async deleteAiKey(userId: string, tx: Db = db): Promise<boolean> {
      const deleted = await tx
        .delete(userAiKeys)
        .where(eq(userAiKeys.userId, userId))
        .returning({ userId: userAiKeys.userId });
      return deleted.length > 0;
    },

    /** Everything of the module that belongs to the user (account deletion). */
    async deleteAllForUser(userId: string, tx: Db = db): Promise<void> {
      await tx.delete(insightGenerations).where(eq(insightGenerations.userId, userId));
      await tx.delete(insights).where(eq(insights.userId, userId));
      await tx.delete(userAiKeys).where(eq(userAiKeys.userId, userId));
    },
  };
}

export type InsightsRepository = ReturnType<typeof createInsightsRepository>;
