import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { AccountPart } from '../../platform/account.js';
import type { Database } from '../../platform/db/client.js';
import { paymentsAccountPart } from './account.js';
import { createCheckoutService, type UsageCounters } from './checkout.js';
import { createEntitlementsService } from './entitlements.js';
import { planTable } from './plans.js';
import { createPaymentsRepository, createPlanStatusRepository } from './repository.js';
import { billingRoutes, webhookRoutes } from './routes.js';
import { billingConfigured, billingSettings } from './settings.js';
import { createSubscriptionSync } from './subscription-sync.js';

export type { UsageCounters } from './checkout.js';
export type { EntitlementsService } from './entitlements.js';
export { STRIPE_API_VERSION } from './stripe-client.js';

type PlanConfig = Parameters<typeof planTable>[0] & Parameters<typeof billingConfigured>[0];

/**
 * Entitlements: what each user's plan allows (plans from config, the stored subscription status).
 * Built before the modules it limits: habits asks `activeHabitLimit`, insights `entitlements`.
 */
export function createEntitlementsModule(deps: { config: PlanConfig; db: Database }) {
  return {
    service: createEntitlementsService({
      statuses: createPlanStatusRepository(deps.db),
      plans: planTable(deps.config),
      billingEnabled: billingConfigured(deps.config),
    }),
  };
}

/** The subscription sync without routes: the billing:reconcile command. */
export function createPayments(deps: { config: Config; db: Database; now: () => Date; log: Logger }) {
  return createSubscriptionSync({
    db: deps.db,
    repository: createPaymentsRepository(deps.db),
    billing: billingSettings(deps.config),
    now: deps.now,
    log: deps.log,
  });
}

/**
 * Payments: GET /billing with each allowance's usage (`usage`, counted by the modules that own
 * it), Stripe Checkout and the Billing Portal, the Stripe webhook, and the subscription's part in
 * account export and deletion (`account`).
 */
export function createPaymentsModule(deps: {
  config: Config;
  db: Database;
  usage: UsageCounters;
  /** Who a Stripe customer is created for (the auth module's user row). */
  contactOf: (userId: string) => Promise<{ email: string; name: string } | undefined>;
  now: () => Date;
  log: Logger;
}) {
  const repository = createPaymentsRepository(deps.db);
  const billing = billingSettings(deps.config);
  if (!billing) {
    deps.log.info('billing: no Stripe keys configured, running self-hosted (every account has Pro features)');
  }
  const checkout = createCheckoutService({
    repository,
    billing,
    plans: planTable(deps.config),
    usage: deps.usage,
    contactOf: deps.contactOf,
    now: deps.now,
  });
  const sync = createSubscriptionSync({ db: deps.db, repository, billing, now: deps.now, log: deps.log });
  const account: AccountPart = paymentsAccountPart({ repository, billing, log: deps.log });
  const routes: FastifyPluginAsyncZod = async (app) => {
    await app.register(billingRoutes, { checkout });
    await app.register(webhookRoutes, { sync });
  };
  return { service: { checkout, sync }, account, routes };
}
