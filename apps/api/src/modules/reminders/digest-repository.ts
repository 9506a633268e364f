import { and, asc, eq, lte } from 'drizzle-orm';
import type { Database, Tx } from '../../platform/db/client.js';
import { digestPreferences } from './schema.js';

export type DigestRow = typeof digestPreferences.$inferSelect;
export type NewDigestRow = typeof digestPreferences.$inferInsert;

/** The SQL of the daily digest preferences; every query carries the user. */
export function createDigestRepository(db: Database) {
  return {
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },

    async find(userId: string): Promise<DigestRow | undefined> {
      const [row] = await db.select().from(digestPreferences).where(eq(digestPreferences.userId, userId)).limit(1);
      return row;
    },

    async upsert(row: NewDigestRow): Promise<DigestRow> {
      const { userId: _userId, ...set } = row;
      const [stored] = await db
        .insert(digestPreferences)
        .values(row)
        .onConflictDoUpdate({ target: digestPreferences.userId, set })
        .returning();
      return stored as DigestRow;
    },

    async remove(userId: string): Promise<void> {
      await db.delete(digestPreferences).where(eq(digestPreferences.userId, userId));
    },

    /** Account deletion, inside its transaction. */
    async removeIn(userId: string, tx: Tx): Promise<void> {
      await tx.delete(digestPreferences).where(eq(digestPreferences.userId, userId));
    },

    /** Users whose digest is due (no lock: the send locks each row again). */
    async due(now: Date, limit: number): Promise<DigestRow[]> {
      return db
        .select()
        .from(digestPreferences)
        .where(lte(digestPreferences.nextSendAt, now))
        .orderBy(asc(digestPreferences.nextSendAt))
        .limit(limit);
    },

    /** The row, locked, if it is still due for `day`; undefined when another instance has it or sent it. */
    async lockDue(userId: string, day: string, now: Date, tx: Tx): Promise<DigestRow | undefined> {
      const [row] = await tx
        .select()
        .from(digestPreferences)
        .where(
          and(
            eq(digestPreferences.userId, userId),
            eq(digestPreferences.nextSendDay, day),
            lte(digestPreferences.nextSendAt, now),
          ),
        )
        .for('update', { skipLocked: true });
      return row;
    },

    async advance(userId: string, next: Pick<DigestRow, 'nextSendAt' | 'nextSendDay'>, tx: Database | Tx = db) {
      await tx.update(digestPreferences).set(next).where(eq(digestPreferences.userId, userId));
    },
  };
}

export type DigestRepository = ReturnType<typeof createDigestRepository>;
