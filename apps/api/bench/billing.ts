/** The Stripe webhook part of `npm run bench`: subscribers in the database and signed events from a fake Stripe. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import Stripe from 'stripe';
import { FakeStripe, type StoredSubscription } from '../test/helpers/fake-stripe.js';

const BENCH_STRIPE = {
  key: 'sk_test_bench',
  webhookSecret: 'whsec_bench_signing_secret',
  price: 'price_bench_pro_monthly',
};

/**
 * Billing on, against a fake Stripe in this process: `subscribers` users with a Stripe customer
 * and an active subscription (inserted directly; sign-ups are rate limited per address), half of
 * them for each kind of delivery.
 */
export async function benchBilling(databaseUrl: string, subscribers: number) {
  const fake = await FakeStripe.start({
    apiKey: BENCH_STRIPE.key,
    prices: [{ id: BENCH_STRIPE.price, interval: 'month' }],
  });
  const db = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const subscriptions: StoredSubscription[] = [];
  for (let i = 0; i < subscribers; i++) {
    const userId = `bench-billing-${i}-${randomBytes(4).toString('hex')}`;
    const customer = `cus_bench_${i}_${randomBytes(4).toString('hex')}`;
    await db`insert into "user" (id, name, email) values (${userId}, 'Bench', ${`${userId}@example.com`})`;
    await db`insert into subscriptions (user_id, stripe_customer_id) values (${userId}, ${customer})`;
    subscriptions.push(fake.createSubscription(customer, BENCH_STRIPE.price, { metadata: { userId } }));
  }
  await db.end();
  const env = {
    STRIPE_SECRET_KEY: BENCH_STRIPE.key,
    STRIPE_WEBHOOK_SECRET: BENCH_STRIPE.webhookSecret,
    STRIPE_PRICE_PRO_MONTHLY: BENCH_STRIPE.price,
    STRIPE_PRICE_PRO_YEARLY: BENCH_STRIPE.price,
    STRIPE_API_URL: fake.url,
  };
  const half = Math.floor(subscriptions.length / 2);
  const start = Math.floor(Date.now() / 1000);
  let sent = 0;
  /** A new, signed event each request, round-robin over a set of subscriptions. */
  const deliveries = (
    set: StoredSubscription[],
    event: (subscription: StoredSubscription, round: number) => { type: string; created: number; object: unknown },
  ) => [
    {
      method: 'POST',
      path: '/api/v1/webhooks/stripe',
      setupRequest: (request: { method?: string; path?: string }) => {
        const n = sent++;
        const subscription = set[n % set.length] as StoredSubscription;
        const { type, created, object } = event(subscription, Math.floor(n / set.length));
        const body = JSON.stringify({
          id: `evt_bench_${n}_${randomBytes(6).toString('hex')}`,
          object: 'event',
          created,
          type,
          data: { object },
        });
        const signature = Stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret: BENCH_STRIPE.webhookSecret,
        });
        return {
          ...request,
          body,
          headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        };
      },
    },
  ];
  return {
    fake,
    env,
    /**
     * `customer.subscription.updated`, each one a second newer than the last about its
     * subscription: the payload is stored as it comes (the usual case).
     */
    changes: deliveries(subscriptions.slice(0, half), (subscription, round) => ({
      type: 'customer.subscription.updated',
      created: start + round,
      object: subscription,
    })),
    /** `invoice.paid`, which names the subscription without its state: it is re-read from Stripe. */
    invoices: deliveries(subscriptions.slice(half), (subscription) => ({
      type: 'invoice.paid',
      created: Math.floor(Date.now() / 1000),
      object: {
        id: `in_bench_${randomBytes(6).toString('hex')}`,
        object: 'invoice',
        customer: subscription.customer,
        status: 'paid',
        parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id } },
      },
    })),
  };
}
