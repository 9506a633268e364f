import { randomBytes } from 'node:crypto';
import type { CreateCheckout } from '@habitual/shared';
import Stripe from 'stripe';
import { expect } from 'vitest';
import type { App } from '../../src/app.js';
import { FakeStripe } from './fake-stripe.js';
import { onFileEnd, type SetupOptions, setup, type TestContext } from './setup.js';
import type { TestUser } from './users.js';

export const STRIPE_KEY = 'sk_test_habitual_fake_key';
export const WEBHOOK_SECRET = 'whsec_habitual_test_signing_secret';
export const PRICES = { month: 'price_pro_monthly_test', year: 'price_pro_yearly_test' } as const;
export const APP_URL = 'https://app.habitual.test';

/** A fake Stripe on loopback for this test, closed when the test file ends. */
export async function startFakeStripe(): Promise<FakeStripe> {
  const fake = await FakeStripe.start({
    apiKey: STRIPE_KEY,
    prices: [
      { id: PRICES.month, interval: 'month' },
      { id: PRICES.year, interval: 'year' },
    ],
  });
  onFileEnd(() => fake.close());
  return fake;
}

export function billingEnv(fake: FakeStripe, extra: Record<string, string> = {}): Record<string, string> {
  return {
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_PRICE_PRO_MONTHLY: PRICES.month,
    STRIPE_PRICE_PRO_YEARLY: PRICES.year,
    STRIPE_API_URL: fake.url,
    APP_URL,
    ...extra,
  };
}

/** The real app with billing on, talking to its own fake Stripe. */
export async function setupBilling(
  options: SetupOptions & { extraEnv?: Record<string, string> } = {},
): Promise<TestContext & { fake: FakeStripe }> {
  const fake = await startFakeStripe();
  const ctx = await setup({ ...options, env: { ...billingEnv(fake, options.extraEnv), ...options.env } });
  return { ...ctx, fake };
}

/** A Stripe event as Stripe sends it: pretty-printed JSON (so re-serialising it changes the bytes). */
export function stripeEvent(type: string, object: unknown, options: { id?: string; created?: number } = {}): string {
  return JSON.stringify(
    {
      id: options.id ?? `evt_${randomBytes(12).toString('hex')}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: options.created ?? Math.floor(Date.now() / 1000),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    },
    null,
    2,
  );
}

export function signature(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
  });
}

/** Delivers a payload to the webhook, signed over exactly these bytes unless a header is given. */
export function deliver(
  app: App,
  payload: string | Buffer,
  options: { signature?: string | null; contentType?: string } = {},
) {
  const header =
    options.signature === undefined
      ? signature(Buffer.isBuffer(payload) ? payload.toString('utf8') : payload)
      : options.signature;
  return app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/stripe',
    headers: {
      'content-type': options.contentType ?? 'application/json; charset=utf-8',
      ...(header !== null ? { 'stripe-signature': header } : {}),
    },
    payload,
  });
}

export async function deliverOk(app: App, payload: string): Promise<string> {
  const res = await deliver(app, payload);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { outcome: string }).outcome;
}

/** Starts a checkout through the API and returns the fake's session id. */
export async function startCheckout(app: App, user: TestUser, interval: 'month' | 'year' = 'month'): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/billing/checkout',
    headers: { cookie: user.cookie },
    payload: { interval } satisfies CreateCheckout,
  });
  expect(res.statusCode, res.body).toBe(200);
  const url = (res.json() as { url: string }).url;
  const sessionId = url.split('/').pop();
  if (!sessionId) throw new Error(`no session id in ${url}`);
  return sessionId;
}

/** The whole upgrade: checkout through the API, payment at the fake, the webhooks Stripe sends. */
export async function upgrade(app: App, fake: FakeStripe, user: TestUser, interval: 'month' | 'year' = 'month') {
  const sessionId = await startCheckout(app, user, interval);
  const subscription = fake.completeCheckout(sessionId);
  const session = fake.checkoutSessions.get(sessionId);
  expect(await deliverOk(app, stripeEvent('checkout.session.completed', fake.snapshot(session)))).toBe('applied');
  expect(await deliverOk(app, stripeEvent('customer.subscription.created', fake.snapshot(subscription)))).toBe(
    'applied',
  );
  return subscription;
}

export async function getBilling(app: App, user: TestUser) {
  const res = await app.inject({ method: 'GET', url: '/api/v1/billing', headers: { cookie: user.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    plan: 'free' | 'pro';
    status: string | null;
    interval: 'month' | 'year' | null;
    currentPeriodEnd: string | null;
    cancelAtPeriodEnd: boolean;
    entitlements: {
      activeHabits: { limit: number | null; used: number };
      aiInsightsPerMonth: { limit: number | null; used: number };
    };
  };
}
