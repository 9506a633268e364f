import Stripe from 'stripe';
import { AppError } from '../../platform/app-error.js';

/** The API version every request is made with; webhook endpoints must be created with the same. */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export interface StripeClientOptions {
  secretKey: string;
  /** Another base URL than https://api.stripe.com (a local fake in tests, stripe-mock). */
  apiUrl?: string | undefined;
  maxNetworkRetries?: number;
  timeoutMs?: number;
}

/** The Stripe client, pinned to the API version the code was written against. */
export function createStripeClient(options: StripeClientOptions): Stripe {
  const base = options.apiUrl ? new URL(options.apiUrl) : undefined;
  return new Stripe(options.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 10_000,
    telemetry: false,
    appInfo: { name: 'Habitual' },
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'http:' ? 80 : 443),
          protocol: base.protocol === 'http:' ? ('http' as const) : ('https' as const),
        }
      : {}),
  });
}

/** The state of a subscription as the payments module stores it. */
export interface SubscriptionSnapshot {
  id: string;
  customerId: string;
  status: string;
  priceId: string | null;
  interval: 'month' | 'year' | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  createdAt: Date;
}

export function snapshotOf(subscription: Stripe.Subscription): SubscriptionSnapshot {
  const items = subscription.items?.data ?? [];
  const periodEnds = items.map((item) => item.current_period_end).filter((n) => typeof n === 'number');
  const price = items[0]?.price;
  const interval = price?.recurring?.interval;
  return {
    id: subscription.id,
    customerId: typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id,
    status: subscription.status,
    priceId: price?.id ?? null,
    interval: interval === 'month' ? 'month' : interval === 'year' ? 'year' : null,
    currentPeriodEnd: periodEnds.length > 0 ? new Date(Math.max(...periodEnds) * 1000) : null,
    // The Portal may cancel by date (`cancel_at`) as well as at the period end.
    cancelAtPeriodEnd: subscription.cancel_at_period_end || typeof subscription.cancel_at === 'number',
    createdAt: new Date(subscription.created * 1000),
  };
}

/**
 * Everything the payments module asks of Stripe, and nothing else: a narrow surface that maps
 * Stripe's failures onto our error codes.
 */
export function createStripeGateway(stripe: Stripe) {
  return {
    async createCustomer(params: { userId: string; email: string; name: string }): Promise<string> {
      const customer = await call(() =>
        stripe.customers.create(
          { email: params.email, name: params.name, metadata: { userId: params.userId } },
          // A double click creates one customer: Stripe replays the first answer for 24 h.
          { idempotencyKey: `habitual-customer-${params.userId}` },
        ),
      );
      return customer.id;
    },

    async createCheckoutSession(params: {
      userId: string;
      customerId: string;
      priceId: string;
      successUrl: string;
      cancelUrl: string;
      idempotencyKey: string;
    }): Promise<string> {
      const session = await call(() =>
        stripe.checkout.sessions.create(
          {
            mode: 'subscription',
            customer: params.customerId,
            client_reference_id: params.userId,
            line_items: [{ price: params.priceId, quantity: 1 }],
            success_url: params.successUrl,
            cancel_url: params.cancelUrl,
            subscription_data: { metadata: { userId: params.userId } },
            metadata: { userId: params.userId },
          },
          { idempotencyKey: params.idempotencyKey },
        ),
      );
      if (!session.url) throw new AppError('UPSTREAM_ERROR', 'Stripe returned a Checkout Session without a URL');
      return session.url;
    },

    async createPortalSession(params: { customerId: string; returnUrl: string }): Promise<string> {
      const session = await call(() =>
        stripe.billingPortal.sessions.create({ customer: params.customerId, return_url: params.returnUrl }),
      );
      return session.url;
    },

    /** The subscription as Stripe holds it now; null when Stripe does not know it. */
    async retrieveSubscription(id: string): Promise<SubscriptionSnapshot | null> {
      try {
        return snapshotOf(await stripe.subscriptions.retrieve(id));
      } catch (err) {
        if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return null;
        throw upstreamError(err);
      }
    },

    /** Every subscription of the account, cancelled ones included, page by page. */
    async *listSubscriptions(): AsyncGenerator<SubscriptionSnapshot & { userIdMetadata: string | null }> {
      try {
        for await (const subscription of stripe.subscriptions.list({ status: 'all', limit: 100 })) {
          yield { ...snapshotOf(subscription), userIdMetadata: subscription.metadata?.userId ?? null };
        }
      } catch (err) {
        throw upstreamError(err);
      }
    },

    /** Cancels at once; a subscription Stripe no longer knows counts as cancelled. */
    async cancelSubscription(id: string): Promise<void> {
      try {
        await stripe.subscriptions.cancel(id, {}, { idempotencyKey: `habitual-cancel-${id}` });
      } catch (err) {
        if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return;
        throw upstreamError(err);
      }
    },

    /** Verifies the signature over the exact bytes received and parses the event. */
    constructEvent(payload: Buffer, signature: string, secret: string, receivedAtMs: number): unknown {
      return stripe.webhooks.constructEvent(payload, signature, secret, undefined, undefined, receivedAtMs);
    },
  };
}

export type StripeGateway = ReturnType<typeof createStripeGateway>;

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw upstreamError(err);
  }
}

/** Stripe sends no Retry-After with its 429s; its client has retried twice by then. */
const STRIPE_RETRY_AFTER_SECONDS = 5;

/** Stripe's failures in our terms: never a 500, and never Stripe's message for a 5xx. */
export function upstreamError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof Stripe.errors.StripeConnectionError) {
    const timedOut = /timed? ?out/i.test(err.message);
    return new AppError(
      timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR',
      timedOut ? 'Stripe did not answer in time; try again' : 'Stripe could not be reached; try again',
      { cause: err },
    );
  }
  if (err instanceof Stripe.errors.StripeRateLimitError) {
    // The same code as the AI provider's 429: an outside service limits this server, not the caller.
    return new AppError('UPSTREAM_RATE_LIMITED', 'Stripe is rate limiting this server; try again shortly', {
      details: [{ reason: 'stripe_rate_limited', upstreamStatus: 429, retryAfterSeconds: STRIPE_RETRY_AFTER_SECONDS }],
      headers: { 'retry-after': String(STRIPE_RETRY_AFTER_SECONDS) },
      cause: err,
    });
  }
  if (err instanceof Stripe.errors.StripeError) {
    // Our own configuration or request was refused (e.g. a price id Stripe does not know):
    // the client cannot fix it, so it is an upstream error, with Stripe's reason logged.
    return new AppError('UPSTREAM_ERROR', 'Stripe refused the request; the cause is logged under the request id', {
      cause: err,
    });
  }
  return new AppError('UPSTREAM_ERROR', 'Stripe could not be reached; try again', { cause: err });
}
