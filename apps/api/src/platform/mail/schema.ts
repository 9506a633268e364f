import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Every mail the API sends, written in the same transaction as the change that caused it and
 * sent by the `mail:send` job (platform/mail/outbox.ts). Sent rows are deleted after
 * OUTBOX_RETENTION_DAYS by the cleanup job; failed rows stay until an operator retries them.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** A purpose such as `verify-email`; tests and logs tell messages apart by it. */
    kind: text().notNull(),
    to: text().notNull(),
    subject: text().notNull(),
    text: text().notNull(),
    html: text(),
    /** The link the message carries, when it carries one. */
    url: text(),
    /** A second enqueue with the same key is a no-op (e.g. one reminder mail per habit and day). */
    dedupeKey: text().unique(),
    status: text({ enum: ['pending', 'sent', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer().notNull().default(0),
    lastError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('mail_outbox_status_created_idx').on(t.status, t.createdAt)],
);
