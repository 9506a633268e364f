import { eq, getTableColumns, lt, sql } from 'drizzle-orm';
import type { Database, Tx } from '../../platform/db/client.js';
import { executeRows } from '../../platform/db/rows.js';
import { stripeEvents, subscriptions } from './schema.js';
import type { SubscriptionSnapshot } from './stripe-client.js';

type Db = Database | Tx;

export type SubscriptionRow = typeof subscriptions.$inferSelect;

/**
 * The subscription status of a user, the one read on hot paths (plan limits on every habit
 * creation and every insight): a statement prepared once.
 */
export function createPlanStatusRepository(db: Database) {
  const statusByUser = db
    .select({ status: subscriptions.status })
    .from(subscriptions)
    .where(eq(subscriptions.userId, sql.placeholder('userId')))
    .limit(1)
    .prepare('payments_status_by_user');
  return {
    /** The stored status (null: a customer without a subscription); undefined: never a customer. */
    async findStatus(userId: string): Promise<string | null | undefined> {
      const [row] = await statusByUser.execute({ userId });
      return row ? row.status : undefined;
    },
  };
}

/** All other SQL of the payments module; every query on user data carries the user id or their Stripe customer. */
export function createPaymentsRepository(db: Database) {
  return {
    async findByUser(userId: string, tx: Db = db): Promise<SubscriptionRow | undefined> {
      const [row] = await tx.select().from(subscriptions).where(eq(subscriptions.userId, userId)).limit(1);
      return row;
    },

    /** The row of a Stripe customer, locked until the transaction ends (one writer per customer). */
    async lockByCustomer(customerId: string, tx: Tx): Promise<SubscriptionRow | undefined> {
      const [row] = await tx
        .select()
        .from(subscriptions)
        .where(eq(subscriptions.stripeCustomerId, customerId))
        .limit(1)
        .for('update');
      return row;
    },

    /**
     * For a webhook event: the customer's row, locked until the transaction ends (deliveries
     * about one customer, duplicates included, run one after another), and whether the event id
     * was recorded already.
     */
    async lockForEvent(
      customerId: string,
      eventId: string,
      tx: Tx,
    ): Promise<(SubscriptionRow & { eventSeen: boolean }) | undefined> {
      const [row] = await tx
        .select({
          ...getTableColumns(subscriptions),
          eventSeen: sql<boolean>`exists(select 1 from ${stripeEvents} where ${stripeEvents.id} = ${eventId})`.mapWith(
            Boolean,
          ),
        })
        .from(subscriptions)
        .where(eq(subscriptions.stripeCustomerId, customerId))
        .limit(1)
        .for('update', { of: subscriptions });
      return row;
    },

    /** Stores the user's Stripe customer unless one is stored already; returns the one that is. */
    async ensureCustomer(userId: string, customerId: string, tx: Db = db): Promise<string> {
      // No conflict target: two checkouts racing for a new user hold the same customer id (Stripe's
      // create is idempotent per user), and PostgreSQL only forgives conflicts on the target's
      // index; the loser can meet the row on the customer id's unique index instead, which must
      // also do nothing rather than fail the request with a 500.
      await tx.insert(subscriptions).values({ userId, stripeCustomerId: customerId }).onConflictDoNothing();
      const [row] = await tx
        .select({ customerId: subscriptions.stripeCustomerId })
        .from(subscriptions)
        .where(eq(subscriptions.userId, userId));
      if (!row) throw new Error(`no subscriptions row for ${userId} after insert`);
      return row.customerId;
    },

    /**
     * Stores a state of the subscription. `syncedAt`: when the Stripe read that saw it started;
     * 'now' (the database's clock at this write) for a state taken from an event's payload.
     * `stateEventAt`: the newest event this state reflects (kept when undefined).
     */
    async saveSubscription(
      userId: string,
      snapshot: SubscriptionSnapshot,
      at: { syncedAt: Date | 'now'; stateEventAt?: Date | null },
      tx: Db = db,
    ) {
      await tx
        .update(subscriptions)
        .set({
          stripeSubscriptionId: snapshot.id,
          status: snapshot.status,
          priceId: snapshot.priceId,
          interval: snapshot.interval,
          currentPeriodEnd: snapshot.currentPeriodEnd,
          cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
          subscriptionCreatedAt: snapshot.createdAt,
          syncedAt: at.syncedAt === 'now' ? sql`clock_timestamp()` : at.syncedAt,
          ...(at.stateEventAt !== undefined ? { stateEventAt: at.stateEventAt } : {}),
          updatedAt: new Date(),
        })
        .where(eq(subscriptions.userId, userId));
    },

    /** Forgets a subscription Stripe no longer knows (deleted test data): the user is on Free. */
    async clearSubscription(userId: string, at: { syncedAt: Date; stateEventAt?: Date | null }, tx: Db = db) {
      await tx
        .update(subscriptions)
        .set({
          stripeSubscriptionId: null,
          status: null,
          priceId: null,
          interval: null,
          currentPeriodEnd: null,
          cancelAtPeriodEnd: false,
          subscriptionCreatedAt: null,
          syncedAt: at.syncedAt,
          ...(at.stateEventAt !== undefined ? { stateEventAt: at.stateEventAt } : {}),
          updatedAt: new Date(),
        })
        .where(eq(subscriptions.userId, userId));
    },

    async deleteForUser(userId: string, tx: Db = db): Promise<void> {
      await tx.delete(subscriptions).where(eq(subscriptions.userId, userId));
    },

    async listAll(tx: Db = db): Promise<SubscriptionRow[]> {
      return tx.select().from(subscriptions);
    },

    /** The database's clock, the same for every instance: when a Stripe read starts. */
    async now(): Promise<Date> {
      const [row] = await executeRows<{ now_ms: number }>(
        db,
        sql`select (extract(epoch from clock_timestamp()) * 1000)::float8 as now_ms`,
      );
      return new Date(Math.floor(Number(row?.now_ms)));
    },

    /**
     * Records an event id; false when it was recorded before. A concurrent delivery of the same
     * id waits here on the primary key until the first transaction ends, then sees it.
     */
    async recordEvent(event: { id: string; type: string; createdAt: Date }, tx: Tx): Promise<boolean> {
      const inserted = await tx
        .insert(stripeEvents)
        .values({ id: event.id, type: event.type, stripeCreatedAt: event.createdAt })
        .onConflictDoNothing({ target: stripeEvents.id })
        .returning({ id: stripeEvents.id });
      return inserted.length > 0;
    },

    /** Event ids older than Stripe's retry window are no longer needed to spot duplicates. */
    async pruneEvents(before: Date, tx: Db = db): Promise<number> {
      const deleted = await tx
        .delete(stripeEvents)
        .where(lt(stripeEvents.processedAt, before))
        .returning({ id: stripeEvents.id });
      return deleted.length;
    },
  };
}

export type PaymentsRepository = ReturnType<typeof createPaymentsRepository>;
