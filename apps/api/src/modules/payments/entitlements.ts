import { type Entitlements, type PlanTable, planOf, SELF_HOSTED } from './plans.js';
import type { createPlanStatusRepository } from './repository.js';

/**
 * What each user's plan allows, read by the modules it limits (habits, insights). Self-hosted
 * (no Stripe keys), everyone has SELF_HOSTED.
 */
export function createEntitlementsService(deps: {
  statuses: ReturnType<typeof createPlanStatusRepository>;
  plans: PlanTable;
  billingEnabled: boolean;
}) {
  async function entitlements(userId: string): Promise<Entitlements> {
    if (!deps.billingEnabled) return SELF_HOSTED;
    return deps.plans[planOf(await deps.statuses.findStatus(userId))];
  }

  return {
    /** True when the Stripe keys are configured; false: self-hosted. */
    billingEnabled: deps.billingEnabled,

    entitlements,

    /** How many active habits the user may have (what the habits module asks before creating one). */
    async activeHabitLimit(userId: string): Promise<number> {
      return (await entitlements(userId)).activeHabits;
    },
  };
}

export type EntitlementsService = ReturnType<typeof createEntitlementsService>;
