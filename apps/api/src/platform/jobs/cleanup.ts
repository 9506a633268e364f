import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/client.js';
import type { JobQueue } from './job-queue.js';

export const CLEANUP_QUEUE = 'maintenance:cleanup';
/** Nightly, away from the hour boundaries where schedules of other systems bunch up. */
export const CLEANUP_CRON = '17 3 * * *';
/** Stripe event ids are kept this long to recognise a redelivery; Stripe retries for 3 days. */
export const STRIPE_EVENT_RETENTION_DAYS = 30;

export interface CleanupSettings {
  db: Database;
  logger: FastifyBaseLogger;
  /** Sent mail is deleted this many days after it was sent (OUTBOX_RETENTION_DAYS). */
  outboxRetentionDays: number;
  deleteSentMailBefore: (cutoff: Date) => Promise<number>;
  now: () => Date;
}

/**
 * The nightly cleanup, one statement per kind of expired row. The tables are named here rather
 * than imported because the platform layer does not depend on the modules that own them; each
 * statement is idempotent, so a rerun after a crash or on two instances is harmless.
 */
export async function runCleanup(settings: CleanupSettings): Promise<Record<string, number>> {
  const { db } = settings;
  const now = settings.now();
  const count = async (statement: ReturnType<typeof sql>) => {
    const result = (await db.execute(statement)) as unknown as { rows?: unknown[]; count?: number; length?: number };
    return result.rows?.length ?? result.length ?? 0;
  };
  // ISO strings, as Drizzle writes these columns (postgres.js binds no Date in raw SQL; UTC either way).
  const nowIso = now.toISOString();
  const eventCutoff = new Date(now.getTime() - STRIPE_EVENT_RETENTION_DAYS * 86_400_000).toISOString();
  const report = {
    expiredSessions: await count(sql`delete from "session" where expires_at < ${nowIso} returning 1`),
    expiredVerifications: await count(sql`delete from "verification" where expires_at < ${nowIso} returning 1`),
    oldStripeEvents: await count(sql`delete from stripe_events where processed_at < ${eventCutoff} returning 1`),
    sentMail: await settings.deleteSentMailBefore(new Date(now.getTime() - settings.outboxRetentionDays * 86_400_000)),
  };
  settings.logger.info({ component: 'jobs', ...report }, 'cleanup done');
  return report;
}

/** Schedules the cleanup and runs it on the instances with workers. */
export async function registerCleanup(jobs: JobQueue, settings: CleanupSettings): Promise<void> {
  await jobs.work(CLEANUP_QUEUE, async () => {
    await runCleanup(settings);
  });
  await jobs.schedule(CLEANUP_QUEUE, CLEANUP_CRON);
}
