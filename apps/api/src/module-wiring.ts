/**
 * The composition root of the feature modules: each is built once, in dependency order, and
 * handed the narrow interfaces of the ones before it. app.ts builds the platform around them and
 * mounts their routes.
 */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createAuthInstance, createAuthModule } from './modules/auth/index.js';
import { createHabitsModule } from './modules/habits/index.js';
import { createInsightsModule } from './modules/insights/index.js';
import { createEntitlementsModule, createPaymentsModule } from './modules/payments/index.js';
import { createRemindersModule } from './modules/reminders/index.js';
import { createProfileReader, createUsersModule } from './modules/users/index.js';
import type { Database } from './platform/db/client.js';
import type { MailOutboxService } from './platform/mail/index.js';
import type { RateCounter } from './platform/rate-counter.js';

/**
 * Builds the modules in dependency order, each given the others' narrow interfaces: auth (with
 * better-auth, its mail through the outbox);
 * entitlements (plans and the stored subscription status); habits, limited by entitlements;
 * insights, reading habits; payments, shown the usage habits and insights count; reminders,
 * reading habits, profiles and the insights summary; users, given every module's part in an
 * account's export and deletion, and told reminders to reschedule when a user's clock changes.
 */
export async function createModules(deps: {
  config: Config;
  db: Database;
  logger: Logger;
  rateCounter: RateCounter;
  now: () => Date;
  outbox: MailOutboxService;
}) {
  const { config, db, logger, now, rateCounter } = deps;
  const betterAuth = createAuthInstance(config, db, deps.outbox, { logger, rateCounter });
  const auth = await createAuthModule({ config, db, auth: betterAuth, now, rateCounter });
  const entitlements = createEntitlementsModule({ config, db });
  const habits = createHabitsModule({
    db,
    limits: entitlements.service,
    now,
    cacheSize: config.HABIT_CACHE_SIZE,
  });
  const insights = createInsightsModule({
    db,
    config,
    habits: habits.service,
    entitlements: entitlements.service,
    now,
    log: logger,
  });
  const payments = createPaymentsModule({
    config,
    db,
    usage: {
      activeHabits: (userId) => habits.service.countActive(userId),
      aiInsightsThisMonth: (userId) => insights.service.aiInsightsThisMonth(userId),
    },
    contactOf: (userId) => auth.accounts.findContact(userId),
    now,
    log: logger,
  });
  const reminders = createRemindersModule({
    db,
    habits: habits.service,
    users: createProfileReader(auth.accounts),
    insights: insights.service,
    vapid: config.VAPID_PUBLIC_KEY
      ? {
          publicKey: config.VAPID_PUBLIC_KEY,
          privateKey: config.VAPID_PRIVATE_KEY ?? '',
          subject: config.VAPID_SUBJECT ?? '',
        }
      : null,
    outbound: { allowLoopback: config.ALLOW_PRIVATE_OUTBOUND_URLS },
    mailOutbox: deps.outbox,
    secret: config.BETTER_AUTH_SECRET,
    appUrl: config.APP_URL,
    now,
    log: logger,
  });
  const users = createUsersModule({
    db,
    accounts: auth.accounts,
    // Payments first: a live subscription is cancelled at Stripe before any row goes.
    accountParts: [payments.account, habits.account, insights.account, reminders.account],
    verifyPassword: (userId, password) => auth.service.verifyPassword(userId, password),
    onAccountDeleted: () => auth.service.invalidateCredentials(),
    onClockChanged: (userId) => reminders.rescheduleUser(userId),
    now,
  });
  return { auth, habits, insights, payments, reminders, users };
}
