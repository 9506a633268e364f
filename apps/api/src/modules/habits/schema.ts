import { sql } from 'drizzle-orm';
import {
  check,
  date,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { user } from '../auth/schema.js';

export const habits = pgTable(
  'habits',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    description: text(),
    color: text().notNull(),
    icon: text(),
    type: text({ enum: ['boolean', 'measurable'] }).notNull(),
    frequencyTimes: smallint().notNull(),
    frequencyDays: smallint().notNull(),
    targetValue: doublePrecision(),
    targetUnit: text(),
    targetDirection: text({ enum: ['at_least', 'at_most'] }),
    startDate: date({ mode: 'string' }).notNull(),
    position: integer().notNull(),
    archivedAt: timestamp({ withTimezone: true }),
    /**
     * Bumped by every change to the habit or its check-ins, in the same statement. Computed
     * histories are cached per (habit, revision, today), so a cache hit is always current,
     * whichever instance wrote last.
     */
    revision: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The habit list, /today and reordering: a user's habits in their order.
    index('habits_user_position_idx').on(t.userId, t.position, t.id),
    check('habits_type_check', sql`${t.type} in ('boolean', 'measurable')`),
    check('habits_frequency_check', sql`${t.frequencyTimes} >= 1 and ${t.frequencyTimes} <= ${t.frequencyDays}`),
    check(
      'habits_target_check',
      sql`(${t.type} = 'boolean' and ${t.targetValue} is null) or (${t.type} = 'measurable' and ${t.targetValue} is not null and ${t.targetDirection} is not null and ${t.frequencyTimes} = 1)`,
    ),
  ],
);

export const checkIns = pgTable(
  'check_ins',
  {
    habitId: uuid()
      .notNull()
      .references(() => habits.id, { onDelete: 'cascade' }),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    /** The user's calendar day (in their time zone), not an instant. */
    date: date({ mode: 'string' }).notNull(),
    status: text({ enum: ['done', 'skipped', 'missed'] }),
    value: doublePrecision(),
    note: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One check-in per habit per day; also serves every per-habit range read.
    primaryKey({ name: 'check_ins_pkey', columns: [t.habitId, t.date] }),
    // Reads across a user's habits (export, batch ownership) and account deletion.
    index('check_ins_user_idx').on(t.userId, t.habitId, t.date),
    check('check_ins_status_check', sql`${t.status} is null or ${t.status} in ('done', 'skipped', 'missed')`),
  ],
);
