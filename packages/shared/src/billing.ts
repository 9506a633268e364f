import { z } from 'zod';

export const Plan = z
  .enum(['free', 'pro'])
  .describe('`free`, or `pro` while a Pro subscription is active, trialing or past due (Stripe still retrying).');
export type Plan = z.infer<typeof Plan>;

export const BillingInterval = z.enum(['month', 'year']).describe('How often the Pro subscription is billed.');
export type BillingInterval = z.infer<typeof BillingInterval>;

/** Stripe's subscription statuses, as Stripe names them. */
export const SubscriptionStatus = z
  .enum(['active', 'trialing', 'past_due', 'unpaid', 'incomplete', 'incomplete_expired', 'paused', 'canceled'])
  .describe("Stripe's status of the subscription.");
export type SubscriptionStatus = z.infer<typeof SubscriptionStatus>;

/**
 * The most active habits any account may have, whatever its plan: "unlimited" (Pro, or a
 * self-hosted server) means this many, so that no count a user controls is unbounded.
 */
export const MAX_ACTIVE_HABITS = 1000;

const Allowance = z.object({
  limit: z.number().int().nullable().describe('What the plan allows; null: unlimited.'),
  used: z.number().int().describe('How much is in use now.'),
});

export const Billing = z
  .object({
    plan: Plan,
    status: SubscriptionStatus.nullable().describe('null: the user has never subscribed.'),
    interval: BillingInterval.nullable(),
    currentPeriodEnd: z.iso
      .datetime()
      .nullable()
      .describe('When the current billing period ends (and the subscription renews or, if cancelled, ends).'),
    cancelAtPeriodEnd: z.boolean().describe('The subscription was cancelled and ends at `currentPeriodEnd`.'),
    entitlements: z
      .object({
        activeHabits: Allowance.describe('Habits that are not archived.'),
        aiInsightsPerMonth: Allowance.describe('AI insights generated this calendar month (UTC).'),
      })
      .describe('What the plan allows, and the current usage.'),
  })
  .meta({
    id: 'Billing',
    description: "The user's plan, subscription and limits.",
    examples: [
      {
        plan: 'free',
        status: null,
        interval: null,
        currentPeriodEnd: null,
        cancelAtPeriodEnd: false,
        entitlements: { activeHabits: { limit: 5, used: 3 }, aiInsightsPerMonth: { limit: 3, used: 1 } },
      },
      {
        plan: 'pro',
        status: 'active',
        interval: 'year',
        currentPeriodEnd: '2027-11-21T09:30:00.000Z',
        cancelAtPeriodEnd: false,
        entitlements: { activeHabits: { limit: 1000, used: 12 }, aiInsightsPerMonth: { limit: 100, used: 7 } },
      },
    ],
  });
export type Billing = z.infer<typeof Billing>;

export const CreateCheckout = z
  .strictObject({ interval: BillingInterval })
  .meta({ id: 'CreateCheckout', examples: [{ interval: 'month' }, { interval: 'year' }] });
export type CreateCheckout = z.infer<typeof CreateCheckout>;

export const BillingRedirect = z
  .object({
    url: z.url().describe('Open this Stripe-hosted page in the browser; Stripe sends the user back to the app after.'),
  })
  .meta({
    id: 'BillingRedirect',
    description: 'A Stripe-hosted page (Checkout or the Billing Portal) for the user to open.',
    examples: [{ url: 'https://checkout.stripe.com/c/pay/cs_test_a1b2c3' }],
  });
export type BillingRedirect = z.infer<typeof BillingRedirect>;

export const WebhookAck = z
  .object({
    received: z.literal(true),
    outcome: z
      .enum(['applied', 'duplicate', 'ignored'])
      .describe(
        '`applied`: the event was recorded, and the stored subscription now reflects it (or a newer state, when the event was older); `duplicate`: this event id was already processed, nothing changed; `ignored`: an event type or object Habitual does not act on.',
      ),
  })
  .meta({
    id: 'WebhookAck',
    description: 'The event was accepted; Stripe does not deliver it again.',
    examples: [{ received: true, outcome: 'applied' }],
  });
export type WebhookAck = z.infer<typeof WebhookAck>;
