import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { App } from '../../platform/app-types.js';
import type { Database } from '../../platform/db/client.js';
import type { UsersService } from '../users/index.js';
import { planTable } from './plans.js';
import { createPaymentsRepository } from './repository.js';
import { billingRoutes, webhookRoutes } from './routes.js';
import { type BillingSettings, createPaymentsService } from './service.js';
import { createStripeClient, createStripeGateway } from './stripe-client.js';

export type { Entitlements } from './plans.js';
export type { HabitLimits, PaymentsService, UsageCounter, UsageName } from './service.js';
export { STRIPE_API_VERSION } from './stripe-client.js';

/** The Stripe settings when all four keys are configured; null runs self-hosted. */
export function billingSettings(config: Config): BillingSettings | null {
  const { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_PRO_MONTHLY, STRIPE_PRICE_PRO_YEARLY } = config;
  if (!STRIPE_SECRET_KEY || !STRIPE_WEBHOOK_SECRET || !STRIPE_PRICE_PRO_MONTHLY || !STRIPE_PRICE_PRO_YEARLY)
    return null;
  return {
    gateway: createStripeGateway(createStripeClient({ secretKey: STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL })),
    webhookSecret: STRIPE_WEBHOOK_SECRET,
    prices: { month: STRIPE_PRICE_PRO_MONTHLY, year: STRIPE_PRICE_PRO_YEARLY },
    appUrl: config.APP_URL,
  };
}

/** The payments service without HTTP routes (the reconcile command). */
export function createPayments(deps: { config: Config; db: Database; now: () => Date; log: Logger }) {
  return createPaymentsService({
    db: deps.db,
    repository: createPaymentsRepository(deps.db),
    billing: billingSettings(deps.config),
    plans: planTable(deps.config),
    now: deps.now,
    log: deps.log,
  });
}

/**
 * Wires payments: plans and entitlements, the billing routes, the Stripe webhook, and the
 * subscription's part in account export and deletion. Returns the service: other modules read
 * entitlements from it (`habitLimits`, `entitlements`) and report usage to it (`registerUsage`).
 */
export async function registerPaymentsModule(
  app: App,
  deps: {
    config: Config;
    db: Database;
    users: Pick<UsersService, 'registerCleanup' | 'registerExportSection'>;
    now: () => Date;
    log: Logger;
  },
) {
  const payments = createPayments(deps);
  if (!payments.billingEnabled) {
    deps.log.info('billing: no Stripe keys configured, running self-hosted (every account has Pro features)');
  }
  deps.users.registerCleanup((userId, tx) => payments.cleanupAccount(userId, tx));
  deps.users.registerExportSection({ name: 'subscription', rows: (userId) => payments.exportRows(userId) });
  await app.register(billingRoutes, { prefix: '/api/v1', payments });
  await app.register(webhookRoutes, { prefix: '/api/v1', payments });
  return payments;
}
