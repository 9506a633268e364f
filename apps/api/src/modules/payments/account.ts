import type { Logger } from 'pino';
import type { AccountPart } from '../../platform/account.js';
import { isLive, planOf } from './plans.js';
import type { PaymentsRepository } from './repository.js';
import type { BillingSettings } from './settings.js';

/** The subscription's part in an account's export and deletion. */
export function paymentsAccountPart(deps: {
  repository: Pick<PaymentsRepository, 'findByUser' | 'deleteForUser'>;
  billing: BillingSettings | null;
  log: Pick<Logger, 'warn'>;
}): AccountPart {
  const { repository, billing } = deps;
  return {
    exportSections: {
      /** The user's subscription (no row: an empty section). */
      subscription: async function* (userId) {
        const row = await repository.findByUser(userId);
        if (!row) return;
        yield {
          plan: planOf(row.status),
          status: row.status,
          interval: row.interval,
          currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
          cancelAtPeriodEnd: row.cancelAtPeriodEnd,
          stripeCustomerId: row.stripeCustomerId,
          stripeSubscriptionId: row.stripeSubscriptionId,
          createdAt: row.createdAt.toISOString(),
          updatedAt: row.updatedAt.toISOString(),
        };
      },
    },

    /**
     * Inside the deletion's transaction: the live subscription is cancelled at Stripe first, so a
     * deleted account is never charged again. If Stripe cannot be reached the deletion fails as a
     * whole (502) and can be retried; nothing is half-done.
     */
    async deleteAccount(userId, tx) {
      const row = await repository.findByUser(userId, tx);
      if (row?.stripeSubscriptionId && isLive(row.status)) {
        if (billing) {
          await billing.gateway.cancelSubscription(row.stripeSubscriptionId);
        } else {
          deps.log.warn(
            { stripeSubscription: row.stripeSubscriptionId },
            'account deleted with a live Stripe subscription, but billing is not configured: cancel it in the Stripe Dashboard',
          );
        }
      }
      await repository.deleteForUser(userId, tx);
    },
  };
}
