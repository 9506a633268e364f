import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { user } from '../auth/schema.js';

export interface StoredInsightItem {
  text: string;
  habitId: string | null;
}

/** AI-written insights, one row per generation that succeeded. */
export const insights = pgTable(
  'insights',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    title: text().notNull(),
    summary: text().notNull(),
    observations: jsonb().$type<StoredInsightItem[]>().notNull(),
    suggestions: jsonb().$type<StoredInsightItem[]>().notNull(),
    model: text().notNull(),
    /** `server`: paid by the server's provider key (counted in the quota); `own_key`: the user's key. */
    source: text({ enum: ['server', 'own_key'] }).notNull(),
    inputTokens: integer(),
    outputTokens: integer(),
    totalTokens: integer(),
    latencyMs: integer().notNull(),
    /** SHA-256 of the statistics the insight was written from: same hash within 24 h → reuse. */
    statsHash: text().notNull(),
    /** The statistics summary sent to the model (kept for the export and for auditing an answer). */
    statistics: jsonb().notNull(),
    statsToday: text().notNull(),
    habitCount: integer().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [
    // The list (newest first, keyset) and the lookup by id.
    index('insights_user_created_idx').on(t.userId, t.createdAt, t.id),
    // "Same statistics within 24 hours".
    index('insights_user_hash_idx').on(t.userId, t.statsHash, t.createdAt),
    check('insights_source_check', sql`${t.source} in ('server', 'own_key')`),
  ],
);

/**
 * Every generation attempt, kept after the insight is deleted: the monthly quota counts the
 * billed ones (pending or succeeded), and the per-user rate limit counts all of them.
 */
export const insightGenerations = pgTable(
  'insight_generations',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: text()
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    statsHash: text().notNull(),
    /** Counted in the monthly quota (server key); false with the user's own key. */
    billed: boolean().notNull(),
    status: text({ enum: ['pending', 'succeeded', 'failed'] }).notNull(),
    insightId: uuid().references(() => insights.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull(),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index('insight_generations_user_created_idx').on(t.userId, t.createdAt),
    check('insight_generations_status_check', sql`${t.status} in ('pending', 'succeeded', 'failed')`),
  ],
);

/** A user's own AI provider key, encrypted with AES-256-GCM (see ai-key-cipher.ts). */
export const userAiKeys = pgTable('user_ai_keys', {
  userId: text()
    .primaryKey()
    .references(() => user.id, { onDelete: 'cascade' }),
  /** Which ENCRYPTION_KEY encrypted it (ENCRYPTION_KEY_ID), so keys can be rotated. */
  encryptionKeyId: text().notNull(),
  /** `v1.` + base64url(iv ‖ tag ‖ ciphertext). */
  ciphertext: text().notNull(),
  last4: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull(),
});
