import type Stripe from 'stripe';
import { z } from 'zod';
import { type SubscriptionSnapshot, snapshotOf } from './stripe-client.js';

/**
 * Reading Stripe events: which ones Habitual acts on, which subscription each is about, and the
 * subscription state a `customer.subscription.*` event carries. Pure functions, no I/O.
 */

/** The part of a Stripe event the handler reads; the rest is Stripe's business. */
export const StripeEventShape = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEventShape = z.infer<typeof StripeEventShape>;

/** A Stripe id, whether the payload holds the id or the expanded object. */
function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  return null;
}

/** The subscription an event is about, and its customer. */
export interface SubscriptionTarget {
  subscriptionId: string;
  customerId: string;
}

export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
] as const;

/**
 * Which subscription (of which customer) an event is about, or null when Habitual does not act
 * on it.
 */
export function subscriptionTarget(event: StripeEventShape): SubscriptionTarget | null {
  const object = event.data.object;
  let subscription: unknown;
  switch (event.type) {
    case 'checkout.session.completed':
      if (object.mode !== 'subscription') return null;
      subscription = object.subscription;
      break;
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      subscription = object.id;
      break;
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const parent = object.parent as { subscription_details?: { subscription?: unknown } | null } | null | undefined;
      // Endpoints on API versions before 2025-03 still send `invoice.subscription`.
      subscription = parent?.subscription_details?.subscription ?? object.subscription;
      break;
    }
    default:
      return null;
  }
  const subscriptionId = idOf(subscription);
  const customerId = idOf(object.customer);
  return subscriptionId && customerId ? { subscriptionId, customerId } : null;
}

/**
 * The part of a subscription object the stored state is made of, as `customer.subscription.*`
 * events carry it. Anything else there is Stripe's business.
 */
const SubscriptionPayload = z.looseObject({
  object: z.literal('subscription'),
  id: z.string().min(1),
  customer: z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) })]),
  status: z.string().min(1),
  created: z.number().int().nonnegative(),
  cancel_at_period_end: z.boolean(),
  cancel_at: z.number().int().nullable().optional(),
  items: z.looseObject({
    data: z.array(
      // Items carry the period end since API version 2025-03; an endpoint on an older version
      // sends it elsewhere, and such a payload is settled by reading Stripe (pinned version).
      z.looseObject({
        current_period_end: z.number().int(),
        price: z.looseObject({ id: z.string(), recurring: z.looseObject({ interval: z.string() }).nullable() }),
      }),
    ),
  }),
});

/**
 * The subscription's state as of the event, from a `customer.subscription.*` payload; null for
 * other events (they name a subscription but do not carry it) or a payload that does not parse.
 */
export function payloadSnapshot(event: StripeEventShape): SubscriptionSnapshot | null {
  if (!event.type.startsWith('customer.subscription.')) return null;
  const parsed = SubscriptionPayload.safeParse(event.data.object);
  return parsed.success ? snapshotOf(parsed.data as unknown as Stripe.Subscription) : null;
}
