import { and, asc, count, eq, inArray, lt, lte, ne, sql } from 'drizzle-orm';
import type { Database, Tx } from '../../platform/db/client.js';
import { habitReminders, oneTapUses, pushSubscriptions, reminderDeliveries } from './schema.js';

type Db = Database | Tx;

export type ReminderRow = typeof habitReminders.$inferSelect;
export type NewReminderRow = typeof habitReminders.$inferInsert;
export type DeliveryRow = typeof reminderDeliveries.$inferSelect;
export type NewDeliveryRow = typeof reminderDeliveries.$inferInsert;
export type SubscriptionRow = typeof pushSubscriptions.$inferSelect;

export interface DeliveryKey {
  habitId: string;
  day: string;
  minuteOfDay: number;
}

const keyOf = (k: DeliveryKey) =>
  and(
    eq(reminderDeliveries.habitId, k.habitId),
    eq(reminderDeliveries.day, k.day),
    eq(reminderDeliveries.minuteOfDay, k.minuteOfDay),
  );

/** All SQL of the reminders module; user-facing queries carry the owner. */
export function createRemindersRepository(db: Database) {
  return {
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },

    // --- reminders -----------------------------------------------------------------------

    async remindersOfHabit(userId: string, habitId: string, tx: Db = db): Promise<ReminderRow[]> {
      return tx
        .select()
        .from(habitReminders)
        .where(and(eq(habitReminders.userId, userId), eq(habitReminders.habitId, habitId)))
        .orderBy(asc(habitReminders.minuteOfDay));
    },

    async replaceReminders(userId: string, habitId: string, rows: NewReminderRow[], tx: Tx): Promise<void> {
      await tx
        .delete(habitReminders)
        .where(and(eq(habitReminders.userId, userId), eq(habitReminders.habitId, habitId)));
      if (rows.length > 0) await tx.insert(habitReminders).values(rows);
    },

    async deleteRemindersOfHabit(userId: string, habitId: string, tx: Db = db): Promise<void> {
      await tx
        .delete(habitReminders)
        .where(and(eq(habitReminders.userId, userId), eq(habitReminders.habitId, habitId)));
    },

    async remindersOfUser(userId: string, tx: Db = db): Promise<ReminderRow[]> {
      return tx.select().from(habitReminders).where(eq(habitReminders.userId, userId));
    },

    async setSchedule(
      id: string,
      patch: Pick<ReminderRow, 'nextFireAt' | 'nextFireDay'> & Partial<Pick<ReminderRow, 'timezone' | 'dayStartHour'>>,
      tx: Db = db,
    ): Promise<void> {
      await tx.update(habitReminders).set(patch).where(eq(habitReminders.id, id));
    },

    /** Advances many reminders in one statement (a claim batch). */
    async setNextFires(rows: Array<{ id: string; nextFireAt: Date; nextFireDay: string }>, tx: Tx): Promise<void> {
      if (rows.length === 0) return;
      const values = sql.join(
        rows.map((r) => sql`(${r.id}::uuid, ${r.nextFireAt.toISOString()}::timestamptz, ${r.nextFireDay}::date)`),
        sql`, `,
      );
      await tx.execute(sql`
        update habit_reminders as r
        set next_fire_at = v.at, next_fire_day = v.day
        from (values ${values}) as v(id, at, day)
        where r.id = v.id`);
    },

    /** Drops finished deliveries that fired before `before` and one-tap records past their expiry. */
    async cleanup(before: Date, now: Date): Promise<void> {
      await db
        .delete(reminderDeliveries)
        .where(and(lt(reminderDeliveries.fireAt, before), ne(reminderDeliveries.state, 'pending')));
      await db.delete(oneTapUses).where(lt(oneTapUses.expiresAt, now));
    },

    /** Due reminders, locked for this transaction; rows another instance holds are passed over. */
    async lockDue(now: Date, limit: number, tx: Tx): Promise<ReminderRow[]> {
      return tx
        .select()
        .from(habitReminders)
        .where(lte(habitReminders.nextFireAt, now))
        .orderBy(asc(habitReminders.nextFireAt))
        .limit(limit)
        .for('update', { skipLocked: true });
    },

    // --- deliveries ----------------------------------------------------------------------

    /** Inserts the deliveries whose key is new; returns those (a key seen before is not returned). */
    async insertDeliveries(rows: NewDeliveryRow[], tx: Tx): Promise<DeliveryRow[]> {
      if (rows.length === 0) return [];
      return tx.insert(reminderDeliveries).values(rows).onConflictDoNothing().returning();
    },

    /** Takes over pending deliveries whose lease ran out (their instance died or gave up). */
    async claimAbandoned(now: Date, leaseUntil: Date, limit: number): Promise<DeliveryRow[]> {
      return db.transaction(async (tx) => {
        const stale = await tx
          .select({
            habitId: reminderDeliveries.habitId,
            day: reminderDeliveries.day,
            minuteOfDay: reminderDeliveries.minuteOfDay,
          })
          .from(reminderDeliveries)
          .where(and(eq(reminderDeliveries.state, 'pending'), lte(reminderDeliveries.leaseUntil, now)))
          .orderBy(asc(reminderDeliveries.leaseUntil))
          .limit(limit)
          .for('update', { skipLocked: true });
        const claimed: DeliveryRow[] = [];
        for (const key of stale) {
          const [row] = await tx
            .update(reminderDeliveries)
            .set({ leaseUntil, attempts: sql`${reminderDeliveries.attempts} + 1` })
            .where(keyOf(key))
            .returning();
          if (row) claimed.push(row);
        }
        return claimed;
      });
    },

    async markPushDone(key: DeliveryKey, tx: Db = db): Promise<void> {
      await tx.update(reminderDeliveries).set({ pushDone: true }).where(keyOf(key));
    },

    async finishDelivery(
      key: DeliveryKey,
      state: 'sent' | 'skipped' | 'failed',
      outcome: string | null,
      now: Date,
      tx: Db = db,
    ): Promise<void> {
      await tx
        .update(reminderDeliveries)
        .set({ state, outcome, finishedAt: now })
        .where(and(keyOf(key), eq(reminderDeliveries.state, 'pending')));
    },

    /** A push-only delivery whose push went out: marked pushed and sent in one statement. */
    async finishPushed(key: DeliveryKey, now: Date): Promise<void> {
      await db
        .update(reminderDeliveries)
        .set({ pushDone: true, state: 'sent', outcome: null, finishedAt: now })
        .where(and(keyOf(key), eq(reminderDeliveries.state, 'pending')));
    },

    async deliveriesOfUser(userId: string): Promise<DeliveryRow[]> {
      return db.select().from(reminderDeliveries).where(eq(reminderDeliveries.userId, userId));
    },

    // --- push subscriptions --------------------------------------------------------------

    /** Stores the subscription for this user; an endpoint another account held moves to this one. */
    async upsertSubscription(
      row: Pick<SubscriptionRow, 'userId' | 'endpoint' | 'p256dh' | 'auth'>,
    ): Promise<SubscriptionRow> {
      const [stored] = await db
        .insert(pushSubscriptions)
        .values(row)
        .onConflictDoUpdate({
          target: pushSubscriptions.endpoint,
          set: { userId: row.userId, p256dh: row.p256dh, auth: row.auth },
        })
        .returning();
      return stored as SubscriptionRow;
    },

    async countSubscriptions(userId: string): Promise<number> {
      const [row] = await db.select({ n: count() }).from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
      return row?.n ?? 0;
    },

    async hasSubscription(userId: string, endpoint: string): Promise<boolean> {
      const [row] = await db
        .select({ id: pushSubscriptions.id })
        .from(pushSubscriptions)
        .where(and(eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.endpoint, endpoint)))
        .limit(1);
      return row !== undefined;
    },

    async deleteSubscription(userId: string, endpoint: string): Promise<boolean> {
      const rows = await db
        .delete(pushSubscriptions)
        .where(and(eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.endpoint, endpoint)))
        .returning({ id: pushSubscriptions.id });
      return rows.length > 0;
    },

    /** The push service said the subscription is gone (404/410). */
    async deleteSubscriptionById(id: string): Promise<void> {
      await db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
    },

    async subscriptionsOf(userId: string): Promise<SubscriptionRow[]> {
      return db
        .select()
        .from(pushSubscriptions)
        .where(eq(pushSubscriptions.userId, userId))
        .orderBy(asc(pushSubscriptions.createdAt));
    },

    /** The subscriptions of many users at once (a burst of deliveries reads them in one query). */
    async subscriptionsOfUsers(userIds: string[]): Promise<SubscriptionRow[]> {
      if (userIds.length === 0) return [];
      return db
        .select()
        .from(pushSubscriptions)
        .where(inArray(pushSubscriptions.userId, userIds))
        .orderBy(asc(pushSubscriptions.createdAt));
    },

    // --- one-tap links -------------------------------------------------------------------

    /** Records a link as used; false when it had been used already. */
    async consumeOneTap(row: typeof oneTapUses.$inferInsert): Promise<boolean> {
      const rows = await db.insert(oneTapUses).values(row).onConflictDoNothing().returning({ id: oneTapUses.tokenId });
      return rows.length > 0;
    },

    /** Gives a link back when the check-in it was used for failed. */
    async releaseOneTap(tokenId: string): Promise<void> {
      await db.delete(oneTapUses).where(eq(oneTapUses.tokenId, tokenId));
    },

    /** Account deletion: the user's rows (the foreign keys cascade too; this keeps it explicit). */
    async deleteAllOf(userId: string, tx: Tx): Promise<void> {
      await tx.delete(habitReminders).where(eq(habitReminders.userId, userId));
      await tx.delete(reminderDeliveries).where(eq(reminderDeliveries.userId, userId));
      await tx.delete(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
      await tx.delete(oneTapUses).where(eq(oneTapUses.userId, userId));
    },
  };
}

export type RemindersRepository = ReturnType<typeof createRemindersRepository>;
