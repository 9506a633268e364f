import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import webpush from 'web-push';
import type { App } from '../../src/app.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type DatabaseHandle, openPostgres } from '../../src/platform/db/client.js';
import { executeRows } from '../../src/platform/db/rows.js';
import { createLogger } from '../../src/platform/logger.js';
import type { FakePushService, FakeSubscription } from '../helpers/fake-push.js';
import { fixedClock, habitsApi } from '../helpers/habits.js';
import { databaseKind, LogCapture, openMigratedPglite, setup, TEST_ENV } from '../helpers/setup.js';
import { throwawayDatabase } from '../helpers/throwaway-postgres.js';
import { signUp, type TestUser } from '../helpers/users.js';

const vapid = webpush.generateVAPIDKeys();

/** Web Push on, loopback receivers allowed (the fake push service listens on 127.0.0.1). */
export const PUSH_ENV: Record<string, string> = {
  VAPID_PUBLIC_KEY: vapid.publicKey,
  VAPID_PRIVATE_KEY: vapid.privateKey,
  VAPID_SUBJECT: 'mailto:ops@example.com',
  ALLOW_PRIVATE_OUTBOUND_URLS: 'true',
};

export type TestClock = ReturnType<typeof fixedClock>;

/**
 * A database of this file's own. A tick claims every due reminder in its database, so files that
 * tick at different test-clock instants must not share one (the run's PostgreSQL database is
 * shared by every file, and so is a worker's embedded one).
 */
export async function reminderDatabase(): Promise<{
  database: DatabaseHandle;
  /** A second handle on the same database (its own pool on PostgreSQL; PGlite has one connection). */
  another(): Promise<DatabaseHandle>;
  dispose(): Promise<void>;
}> {
  if (databaseKind === 'pglite') {
    // Not the worker's shared database: another file's app with workers on could take this
    // file's jobs (mail) or tick its reminders.
    const database = await openMigratedPglite();
    return { database, another: async () => database, dispose: () => database.close() };
  }
  const throwaway = await throwawayDatabase();
  const handles = [await openPostgres({ url: throwaway.url, poolMax: 4 })];
  return {
    database: handles[0] as DatabaseHandle,
    async another() {
      const handle = await openPostgres({ url: throwaway.url, poolMax: 4 });
      handles.push(handle);
      return handle;
    },
    async dispose() {
      await Promise.all(handles.map((h) => h.close()));
      await throwaway.drop();
    },
  };
}

/** Starts a test with no reminders or deliveries left over from the previous one. */
export async function clearReminders(database: DatabaseHandle): Promise<void> {
  await database.db.execute(sql`delete from reminder_deliveries`);
  await database.db.execute(sql`delete from habit_reminders`);
  await database.db.execute(sql`delete from digest_preferences`);
  await database.db.execute(sql`delete from mail_outbox`);
}

/** One API instance on `database`, with a clock the test moves. */
export async function reminderApp(database: DatabaseHandle, at: string) {
  const clock = fixedClock(at);
  const { app } = await setup({ env: PUSH_ENV, deps: { clock }, database });
  return { app, clock };
}

/** A row of the mail outbox, as the reminders and the digest wrote it. */
export interface OutboxRow {
  kind: string;
  to: string;
  subject: string;
  text: string;
  dedupe_key: string | null;
}

/**
 * One API instance with the real mail outbox and job workers, sending through SMTP to `smtpUrl`
 * (a loopback server the test reads), with a clock the test moves.
 */
export async function reminderAppWithMail(database: DatabaseHandle, at: string, smtpUrl: string) {
  const clock = fixedClock(at);
  const config = loadConfig({ ...TEST_ENV, ...PUSH_ENV, SMTP_URL: smtpUrl, WORKERS: 'on' });
  const app = await buildApp({ config, database, logger: createLogger(config, new LogCapture().stream), clock });
  await app.ready();
  return { app, clock };
}

/** What the outbox holds of a kind, oldest first. */
export async function outboxOf(database: DatabaseHandle, kind: string): Promise<OutboxRow[]> {
  return executeRows<OutboxRow>(
    database.db,
    sql`select kind, "to", subject, text, dedupe_key from mail_outbox where kind = ${kind} order by created_at`,
  );
}

/** A signed-up user in `timezone`, with one browser subscribed to the fake push service. */
export async function reminderUser(
  app: App,
  push: FakePushService,
  profile: { timezone: string; dayStartHour?: number },
) {
  const user = await signUp(app);
  const api = habitsApi(app, user);
  await api.setProfile({ timezone: profile.timezone, dayStartHour: profile.dayStartHour ?? 0 });
  const subscription = push.subscription();
  const res = await api.send('POST', '/api/v1/me/push-subscriptions', subscription);
  expect(res.statusCode, res.body).toBe(201);
  return { user, api, subscription, ...remindersApi(app, user) };
}

export function remindersApi(app: App, user: TestUser) {
  const headers = { cookie: user.cookie };
  return {
    async setReminders(habitId: string, reminders: Array<Record<string, unknown>>) {
      const res = await app.inject({
        method: 'PUT',
        url: `/api/v1/habits/${habitId}/reminders`,
        headers,
        payload: { reminders },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as {
        reminders: Array<{ time: string; nextFireAt: string | null; nextFireDay: string | null }>;
      };
    },
  };
}

/** The local days of the reminders a subscription received, in order. */
export function daysPushed(push: FakePushService, subscription: FakeSubscription): string[] {
  return push.to(subscription).map((r) => pushData(r.payload).day);
}

/** The `data` of a decrypted reminder push (a push that could not be decrypted fails the test). */
export function pushData(payload: Record<string, unknown> | null): {
  day: string;
  habitId: string;
  oneTapToken: string | null;
} {
  if (!payload) throw new Error('a push that could not be decrypted');
  return payload.data as { day: string; habitId: string; oneTapToken: string | null };
}

/** Moves the clock and runs one tick at that instant. */
export async function tickAt(app: App, clock: TestClock, iso: string) {
  clock.set(iso);
  return app.reminders.delivery.tick(new Date(iso));
}
