import { boolean, index, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { user } from '../auth/schema.js';

/**
 * One row per user who has ever started a checkout: their Stripe customer, and the state of
 * their subscription as last read from Stripe. Plan limits are read from here.
 */
export const subscriptions = pgTable(
  'subscriptions',
  {
    // The primary key is also the index every per-user read uses.
    userId: text()
      .primaryKey()
      .references(() => user.id, { onDelete: 'cascade' }),
    stripeCustomerId: text().notNull(),
    stripeSubscriptionId: text(),
    /** Stripe's status, as Stripe names it; null until a subscription exists. */
    status: text(),
    priceId: text(),
    interval: text({ enum: ['month', 'year'] }),
    currentPeriodEnd: timestamp({ withTimezone: true }),
    cancelAtPeriodEnd: boolean().notNull().default(false),
    /** When Stripe created the subscription: decides between two subscriptions of one customer. */
    subscriptionCreatedAt: timestamp({ withTimezone: true }),
    /**
     * When the state above was stored, or when the Stripe read that saw it started, on the
     * database's clock. A read that started earlier never overwrites it, so concurrent deliveries
     * cannot store an older state.
     */
    syncedAt: timestamp({ withTimezone: true }),
    /**
     * The `created` (Stripe's clock, whole seconds) of the newest event about this subscription
     * that the state above reflects. An event created later carries a newer state and is stored
     * as it comes; an older one changes nothing; one of the same second is settled by re-reading
     * the subscription from Stripe.
     */
    stateEventAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Webhooks find the user by their Stripe customer; one customer belongs to one user.
    unique('subscriptions_stripe_customer_id_key').on(t.stripeCustomerId),
    unique('subscriptions_stripe_subscription_id_key').on(t.stripeSubscriptionId),
  ],
);

/**
 * Every Stripe event id that was applied, once: the primary key makes a duplicate or retried
 * delivery a no-op. Holds no user data (the id, the type and when Stripe created it).
 */
export const stripeEvents = pgTable(
  'stripe_events',
  {
    id: text().primaryKey(),
    type: text().notNull(),
    /** The event's own `created` (Stripe's clock). */
    stripeCreatedAt: timestamp({ withTimezone: true }).notNull(),
    processedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('stripe_events_processed_at_idx').on(t.processedAt)],
);
