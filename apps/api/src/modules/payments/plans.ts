import { MAX_ACTIVE_HABITS, type Plan } from '@habitual/shared';
import type { Config } from '../../config.js';

/** What a plan allows; null means unlimited (active habits are always bounded: MAX_ACTIVE_HABITS). */
export interface Entitlements {
  plan: Plan;
  activeHabits: number;
  aiInsightsPerMonth: number | null;
}

export type PlanTable = Readonly<Record<Plan, Readonly<Entitlements>>>;

/** The table of plans and their entitlements, from config (unset: the ceiling of active habits). */
export function planTable(
  config: Pick<
    Config,
    | 'PLAN_FREE_ACTIVE_HABITS'
    | 'PLAN_FREE_AI_INSIGHTS_PER_MONTH'
    | 'PLAN_PRO_ACTIVE_HABITS'
    | 'PLAN_PRO_AI_INSIGHTS_PER_MONTH'
  >,
): PlanTable {
  return Object.freeze({
    free: Object.freeze({
      plan: 'free' as const,
      activeHabits: config.PLAN_FREE_ACTIVE_HABITS ?? MAX_ACTIVE_HABITS,
      aiInsightsPerMonth: config.PLAN_FREE_AI_INSIGHTS_PER_MONTH,
    }),
    pro: Object.freeze({
      plan: 'pro' as const,
      activeHabits: config.PLAN_PRO_ACTIVE_HABITS ?? MAX_ACTIVE_HABITS,
      aiInsightsPerMonth: config.PLAN_PRO_AI_INSIGHTS_PER_MONTH,
    }),
  });
}

/**
 * Without Stripe keys the API is self-hosted: everyone is on Pro and no plan limit applies
 * (the operator pays for nothing per user, so there is nothing to meter), beyond the ceiling on
 * active habits that every account has.
 */
export const SELF_HOSTED: Readonly<Entitlements> = Object.freeze({
  plan: 'pro',
  activeHabits: MAX_ACTIVE_HABITS,
  aiInsightsPerMonth: null,
});

/**
 * Statuses that keep Pro: `past_due` too, while Stripe retries the payment (its dunning
 * settings decide when that ends, as `unpaid` or `canceled`).
 */
const PRO_STATUSES = new Set(['active', 'trialing', 'past_due']);

export function planOf(status: string | null | undefined): Plan {
  return status && PRO_STATUSES.has(status) ? 'pro' : 'free';
}

/** A subscription that is not over: it may still become or stay Pro. */
export function isLive(status: string | null | undefined): boolean {
  return status !== null && status !== undefined && status !== 'canceled' && status !== 'incomplete_expired';
}
