import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { user } from '../auth/schema.js';

/**
 * One reminder of a habit. The habit is referenced by id only (the habits module owns its
 * table): a reminder of a habit that is gone is removed when it next fires. The user's zone and
 * day-start hour are copied here, because `next_fire_at` was computed in them; a profile change
 * recomputes both (rescheduleUser).
 */
export const habitReminders = pgTable(
  'habit_reminders',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    habitId: uuid().notNull(),
    /** Minutes after local midnight, 0..1439. */
    minuteOfDay: smallint().notNull(),
    /** ISO weekdays as bits: bit 0 = Monday .. bit 6 = Sunday. */
    weekdayMask: smallint().notNull(),
    onlyIfNotDone: boolean().notNull(),
    pushChannel: boolean().notNull(),
    emailChannel: boolean().notNull(),
    timezone: text().notNull(),
    dayStartHour: smallint().notNull(),
    /** The next fire (UTC), snoozes included. Every tick claims the rows whose instant has come. */
    nextFireAt: timestamp({ withTimezone: true }).notNull(),
    /** The user's local day that fire belongs to (part of the delivery key). */
    nextFireDay: date({ mode: 'string' }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('habit_reminders_next_fire_idx').on(t.nextFireAt),
    index('habit_reminders_user_habit_idx').on(t.userId, t.habitId),
    uniqueIndex('habit_reminders_habit_time_key').on(t.habitId, t.minuteOfDay),
    check('habit_reminders_minute_check', sql`${t.minuteOfDay} between 0 and 1439`),
    check('habit_reminders_weekdays_check', sql`${t.weekdayMask} between 1 and 127`),
  ],
);

/**
 * One fire of one reminder: the key (habit, local day, reminder time) makes it happen at most
 * once, whichever instance claims it and however often it is retried. A `pending` row is owned by
 * the instance whose lease is running; a lease that ran out (the instance died) is taken over.
 */
export const reminderDeliveries = pgTable(
  'reminder_deliveries',
  {
    habitId: uuid().notNull(),
    day: date({ mode: 'string' }).notNull(),
    minuteOfDay: smallint().notNull(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    fireAt: timestamp({ withTimezone: true }).notNull(),
    onlyIfNotDone: boolean().notNull(),
    pushChannel: boolean().notNull(),
    emailChannel: boolean().notNull(),
    state: text({ enum: ['pending', 'sent', 'skipped', 'failed'] }).notNull(),
    /** Why it was skipped or failed (`done`, `archived`, `habit_deleted`, `late`, an error). */
    outcome: text(),
    leaseUntil: timestamp({ withTimezone: true }).notNull(),
    attempts: smallint().notNull().default(0),
    pushDone: boolean().notNull().default(false),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.habitId, t.day, t.minuteOfDay] }),
    // The recovery scan: pending deliveries whose lease ran out.
    index('reminder_deliveries_pending_idx').on(t.leaseUntil).where(sql`${t.state} = 'pending'`),
    index('reminder_deliveries_user_idx').on(t.userId),
  ],
);

/** A browser subscribed to Web Push (`PushSubscription.toJSON()`); an endpoint belongs to one user. */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    endpoint: text().notNull(),
    p256dh: text().notNull(),
    auth: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('push_subscriptions_endpoint_key').on(t.endpoint),
    index('push_subscriptions_user_idx').on(t.userId),
  ],
);

/** One-tap check-in links that were used (each works once); rows past `expires_at` can go. */
export const oneTapUses = pgTable(
  'one_tap_uses',
  {
    tokenId: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    habitId: uuid().notNull(),
    day: date({ mode: 'string' }).notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('one_tap_uses_expires_idx').on(t.expiresAt), index('one_tap_uses_user_idx').on(t.userId)],
);

/**
 * The daily digest, opt-in per user (a row means on): a mail at a local time with today's habits
 * still due, streaks at risk and records reached. Kept here, keyed by user, rather than as
 * profile columns of the users module.
 */
export const digestPreferences = pgTable(
  'digest_preferences',
  {
    userId: text()
      .primaryKey()
      .references(() => user.id, { onDelete: 'cascade' }),
    minuteOfDay: smallint().notNull(),
    timezone: text().notNull(),
    dayStartHour: smallint().notNull(),
    nextSendAt: timestamp({ withTimezone: true }).notNull(),
    nextSendDay: date({ mode: 'string' }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('digest_preferences_next_send_idx').on(t.nextSendAt),
    check('digest_preferences_minute_check', sql`${t.minuteOfDay} between 0 and 1439`),
  ],
);
