import type { Billing, BillingInterval, SubscriptionStatus as Status } from '@habitual/shared';
import { SubscriptionStatus } from '@habitual/shared';
import { AppError } from '../../platform/app-error.js';
import { type PlanTable, planOf } from './plans.js';
import type { PaymentsRepository } from './repository.js';
import { type BillingSettings, requireBilling } from './settings.js';

/** Checkout sessions asked for within this window by one user, for one price, are the same session. */
export const CHECKOUT_WINDOW_MS = 10 * 60 * 1000;

/** How much of each allowance a user has in use, counted by the modules that own it (GET /billing). */
export interface UsageCounters {
  activeHabits(userId: string): Promise<number>;
  aiInsightsThisMonth(userId: string): Promise<number>;
}

/** What a user sees and does about their plan: GET /billing, Stripe Checkout and the Billing Portal. */
export function createCheckoutService(deps: {
  repository: Pick<PaymentsRepository, 'findByUser' | 'ensureCustomer'>;
  /** null: no Stripe keys, the API runs self-hosted (every route answers 503). */
  billing: BillingSettings | null;
  plans: PlanTable;
  usage: UsageCounters;
  /** Who the Stripe customer is created for (the auth module's user row). */
  contactOf: (userId: string) => Promise<{ email: string; name: string } | undefined>;
  now: () => Date;
}) {
  const { repository, plans, usage } = deps;

  return {
    async getBilling(userId: string): Promise<Billing> {
      requireBilling(deps.billing);
      const row = await repository.findByUser(userId);
      const plan = plans[planOf(row?.status)];
      const [habitsUsed, insightsUsed] = await Promise.all([
        usage.activeHabits(userId),
        usage.aiInsightsThisMonth(userId),
      ]);
      const status = SubscriptionStatus.safeParse(row?.status);
      return {
        plan: plan.plan,
        status: status.success ? (status.data as Status) : null,
        interval: row?.interval ?? null,
        currentPeriodEnd: row?.currentPeriodEnd?.toISOString() ?? null,
        cancelAtPeriodEnd: row?.cancelAtPeriodEnd ?? false,
        entitlements: {
          activeHabits: { limit: plan.activeHabits, used: habitsUsed },
          aiInsightsPerMonth: { limit: plan.aiInsightsPerMonth, used: insightsUsed },
        },
      };
    },

    /** A Checkout Session for Pro; the user's Stripe customer is created once and kept. */
    async startCheckout(userId: string, interval: BillingInterval): Promise<string> {
      const { gateway, prices, appUrl } = requireBilling(deps.billing);
      const row = await repository.findByUser(userId);
      if (row && planOf(row.status) === 'pro') {
        throw new AppError('CONFLICT', 'You are already on Pro; change or cancel it in the billing portal', {
          details: [{ plan: 'pro', status: row.status }],
        });
      }
      let customerId = row?.stripeCustomerId;
      if (!customerId) {
        const contact = await deps.contactOf(userId);
        if (!contact) throw new AppError('NOT_FOUND', 'User not found');
        customerId = await repository.ensureCustomer(userId, await gateway.createCustomer({ userId, ...contact }));
      }
      const priceId = prices[interval];
      const window = Math.floor(deps.now().getTime() / CHECKOUT_WINDOW_MS);
      // Deterministic: a double click (or a client retry) gets the same session back from Stripe.
      // The subscription id moves the key on after a subscription has come and gone.
      const idempotencyKey = `habitual-checkout-${userId}-${priceId}-${row?.stripeSubscriptionId ?? 'none'}-${window}`;
      return gateway.createCheckoutSession({
        userId,
        customerId,
        priceId,
        successUrl: `${appUrl}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${appUrl}/billing?checkout=canceled`,
        idempotencyKey,
      });
    },

    async openPortal(userId: string): Promise<string> {
      const { gateway, appUrl } = requireBilling(deps.billing);
      const row = await repository.findByUser(userId);
      if (!row) {
        throw new AppError(
          'CONFLICT',
          'There is no subscription to manage yet; start one with POST /api/v1/billing/checkout',
        );
      }
      return gateway.createPortalSession({ customerId: row.stripeCustomerId, returnUrl: `${appUrl}/billing` });
    },
  };
}

export type CheckoutService = ReturnType<typeof createCheckoutService>;
