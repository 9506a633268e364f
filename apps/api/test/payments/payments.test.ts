/**
 * Billing through the API with the real `stripe` SDK talking to a fake Stripe on loopback:
 * checkout, portal, GET /billing, self-hosted mode, export and account deletion, config.
 */
import { Billing, BillingRedirect, type CreateCheckout, ErrorEnvelope, MAX_ACTIVE_HABITS } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { STRIPE_API_VERSION } from '../../src/modules/payments/index.js';
import {
  APP_URL,
  deliver,
  getBilling,
  PRICES,
  STRIPE_KEY,
  setupBilling,
  signature,
  stripeEvent,
  upgrade,
  WEBHOOK_SECRET,
} from '../helpers/billing.js';
import { setup } from '../helpers/setup.js';
import { createApiKey, signUp } from '../helpers/users.js';

function checkout(app: Awaited<ReturnType<typeof setup>>['app'], cookie: string, payload: unknown) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/billing/checkout',
    headers: { cookie },
    payload: payload as object,
  });
}

describe('POST /api/v1/billing/checkout', () => {
  it('creates the Stripe customer once and a subscription Checkout Session for the chosen price', async () => {
    const { app, fake, database } = await setupBilling();
    const user = await signUp(app);

    const res = await checkout(app, user.cookie, { interval: 'month' });
    expect(res.statusCode, res.body).toBe(200);
    const { url } = BillingRedirect.parse(res.json());
    expect(url).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);

    const customerCalls = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/customers');
    expect(customerCalls).toHaveLength(1);
    expect(customerCalls[0]?.params).toMatchObject({ email: user.email, metadata: { userId: user.id } });
    const customerId = [...fake.customers.keys()][0];
    const [session] = fake.requests.filter((r) => r.path === '/v1/checkout/sessions');
    expect(session?.params).toMatchObject({
      mode: 'subscription',
      customer: customerId,
      client_reference_id: user.id,
      line_items: [{ price: PRICES.month, quantity: '1' }],
      subscription_data: { metadata: { userId: user.id } },
    });
    expect(String(session?.params.success_url)).toMatch(new RegExp(`^${APP_URL}/billing`));
    expect(String(session?.params.cancel_url)).toMatch(new RegExp(`^${APP_URL}/billing`));
    expect(session?.idempotencyKey).toMatch(/^habitual-checkout-/);
    // Every call is pinned to the API version the code was written against.
    expect(new Set(fake.requests.map((r) => r.stripeVersion))).toEqual(new Set([STRIPE_API_VERSION]));

    const [row] = await database.rows<{ stripe_customer_id: string; status: string | null }>(
      sql`select stripe_customer_id, status from subscriptions where user_id = ${user.id}`,
    );
    expect(row).toEqual({ stripe_customer_id: customerId, status: null });

    // A second checkout (another interval) reuses the stored customer.
    const yearly = await checkout(app, user.cookie, { interval: 'year' });
    expect(yearly.statusCode).toBe(200);
    expect(fake.count('POST', '/v1/customers')).toBe(1);
    const sessions = fake.requests.filter((r) => r.path === '/v1/checkout/sessions');
    expect(sessions[1]?.params).toMatchObject({ customer: customerId, line_items: [{ price: PRICES.year }] });
  });

  it('a double click gives one session', async () => {
    const fixed = new Date();
    const clock: Clock = { now: () => fixed };
    const { app, fake } = await setupBilling({ deps: { clock } });
    const user = await signUp(app);

    const [a, b] = await Promise.all([
      checkout(app, user.cookie, { interval: 'year' }),
      checkout(app, user.cookie, { interval: 'year' }),
    ]);
    expect(a.statusCode, a.body).toBe(200);
    expect(b.statusCode, b.body).toBe(200);
    expect(a.json().url).toBe(b.json().url);
    expect(fake.checkoutSessions.size).toBe(1);
    expect(fake.customers.size).toBe(1);

    const again = await checkout(app, user.cookie, { interval: 'year' });
    expect(again.json().url).toBe(a.json().url);
    expect(fake.checkoutSessions.size).toBe(1);
  });

  it('an already-Pro user gets 409 and no new session', async () => {
    const { app, fake } = await setupBilling();
    const user = await signUp(app);
    await upgrade(app, fake, user);
    const sessions = fake.checkoutSessions.size;

    const res = await checkout(app, user.cookie, { interval: 'year' });
    expect(res.statusCode).toBe(409);
    expect(ErrorEnvelope.parse(res.json()).error.code).toBe('CONFLICT');
    expect(fake.checkoutSessions.size).toBe(sessions);
  });

  it('rejects unknown intervals and extra fields with 400 naming the field, without calling Stripe', async () => {
    const { app, fake } = await setupBilling();
    const user = await signUp(app);
    const cases: Array<[unknown, string]> = [
      [{ interval: 'week' }, 'interval'],
      [{ interval: 'MONTH' }, 'interval'],
      [{}, 'interval'],
      [{ interval: 'month', price: 'price_free_forever' }, ''],
    ];
    for (const [payload, path] of cases) {
      const res = await checkout(app, user.cookie, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      const error = ErrorEnvelope.parse(res.json()).error;
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(error.details?.[0]).toMatchObject({ location: 'body', path });
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('a configured price Stripe does not know answers 502, not 500, and changes nothing', async () => {
    const { app, fake, database } = await setupBilling({ extraEnv: { STRIPE_PRICE_PRO_MONTHLY: 'price_missing' } });
    const user = await signUp(app);
    const res = await checkout(app, user.cookie, { interval: 'month' });
    expect(res.statusCode).toBe(502);
    expect(ErrorEnvelope.parse(res.json()).error.code).toBe('UPSTREAM_ERROR');
    expect(fake.checkoutSessions.size).toBe(0);
    const [row] = await database.rows<{ status: string | null }>(
      sql`select status from subscriptions where user_id = ${user.id}`,
    );
    expect(row?.status ?? null).toBeNull();
    expect((await getBilling(app, user)).plan).toBe('free');
  });

  it('needs a signed-in person: API keys get 403', async () => {
    const { app, fake } = await setupBilling();
    const user = await signUp(app);
    const key = await createApiKey(app, user, { permission: 'write' });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/billing/checkout',
      headers: { 'x-api-key': key },
      payload: { interval: 'month' } satisfies CreateCheckout,
    });
    expect(res.statusCode).toBe(403);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('POST /api/v1/billing/portal', () => {
  it('opens the portal for the stored customer, returning to the app', async () => {
    const { app, fake } = await setupBilling();
    const user = await signUp(app);
    await upgrade(app, fake, user);

    const res = await app.inject({ method: 'POST', url: '/api/v1/billing/portal', headers: { cookie: user.cookie } });
    expect(res.statusCode, res.body).toBe(200);
    expect(BillingRedirect.parse(res.json()).url).toMatch(/^https:\/\/billing\.stripe\.test\//);
    const [call] = fake.requests.filter((r) => r.path === '/v1/billing_portal/sessions');
    expect(call?.params).toEqual({ customer: [...fake.customers.keys()][0], return_url: `${APP_URL}/billing` });
  });

  it('answers 409 to a user who never started a checkout', async () => {
    const { app, fake } = await setupBilling();
    const user = await signUp(app);
    const res = await app.inject({ method: 'POST', url: '/api/v1/billing/portal', headers: { cookie: user.cookie } });
    expect(res.statusCode).toBe(409);
    expect(ErrorEnvelope.parse(res.json()).error.code).toBe('CONFLICT');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('GET /api/v1/billing', () => {
  it('a new user is on Free with the Free limits', async () => {
    const { app } = await setupBilling();
    const user = await signUp(app);
    const billing = Billing.parse(await getBilling(app, user));
    expect(billing).toEqual({
      plan: 'free',
      status: null,
      interval: null,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      entitlements: {
        activeHabits: { limit: 5, used: expect.any(Number) },
        aiInsightsPerMonth: { limit: 3, used: expect.any(Number) },
      },
    });
  });

  it('after the upgrade webhooks: Pro, the interval, the period end from Stripe and the Pro limits', async () => {
    const { app, fake } = await setupBilling();
    const user = await signUp(app);
    const subscription = await upgrade(app, fake, user, 'year');
    const periodEnd = subscription.items.data[0]?.current_period_end as number;
    expect(await getBilling(app, user)).toMatchObject({
      plan: 'pro',
      status: 'active',
      interval: 'year',
      currentPeriodEnd: new Date(periodEnd * 1000).toISOString(),
      cancelAtPeriodEnd: false,
      entitlements: { activeHabits: { limit: MAX_ACTIVE_HABITS }, aiInsightsPerMonth: { limit: 100 } },
    });
  });

  it('plan limits follow the config overrides', async () => {
    const { app, fake } = await setupBilling({
      extraEnv: {
        PLAN_FREE_ACTIVE_HABITS: '2',
        PLAN_FREE_AI_INSIGHTS_PER_MONTH: '0',
        PLAN_PRO_ACTIVE_HABITS: '50',
        PLAN_PRO_AI_INSIGHTS_PER_MONTH: 'unlimited',
      },
    });
    const user = await signUp(app);
    expect((await getBilling(app, user)).entitlements).toMatchObject({
      activeHabits: { limit: 2 },
      aiInsightsPerMonth: { limit: 0 },
    });
    await upgrade(app, fake, user);
    expect((await getBilling(app, user)).entitlements).toMatchObject({
      activeHabits: { limit: 50 },
      aiInsightsPerMonth: { limit: null },
    });
  });
});

describe('self-hosted (no Stripe keys)', () => {
  it('every billing endpoint answers 503 saying billing is not configured', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const calls = [
      { method: 'GET' as const, url: '/api/v1/billing', headers: { cookie: user.cookie } },
      {
        method: 'POST' as const,
        url: '/api/v1/billing/checkout',
        headers: { cookie: user.cookie },
        payload: { interval: 'month' } satisfies CreateCheckout,
      },
      { method: 'POST' as const, url: '/api/v1/billing/portal', headers: { cookie: user.cookie } },
    ];
    for (const call of calls) {
      const res = await app.inject(call);
      expect(res.statusCode, call.url).toBe(503);
      const error = ErrorEnvelope.parse(res.json()).error;
      expect(error.code).toBe('SERVICE_UNAVAILABLE');
      expect(error.message).toMatch(/billing is not configured/i);
    }
    const payload = stripeEvent('customer.subscription.updated', { id: 'sub_1', customer: 'cus_1' });
    const hook = await deliver(app, payload, { signature: signature(payload) });
    expect(hook.statusCode).toBe(503);
  });

  it('exports no subscription and deletes accounts without calling Stripe', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const exported = await app.inject({ method: 'GET', url: '/api/v1/me/export', headers: { cookie: user.cookie } });
    expect(exported.json().subscription).toEqual([]);
    const deleted = await app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(deleted.statusCode).toBe(204);
  });
});

describe('account export and deletion', () => {
  it('the export includes the subscription', async () => {
    const { app, fake } = await setupBilling();
    const user = await signUp(app);
    const subscription = await upgrade(app, fake, user);
    const res = await app.inject({ method: 'GET', url: '/api/v1/me/export', headers: { cookie: user.cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.json().subscription).toEqual([
      expect.objectContaining({
        plan: 'pro',
        status: 'active',
        interval: 'month',
        stripeSubscriptionId: subscription.id,
        stripeCustomerId: subscription.customer,
        cancelAtPeriodEnd: false,
      }),
    ]);
  });

  it('deleting the account cancels the subscription at Stripe, then removes the row', async () => {
    const { app, fake, database } = await setupBilling();
    const user = await signUp(app);
    const subscription = await upgrade(app, fake, user);

    const res = await app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(res.statusCode, res.body).toBe(204);
    expect(fake.count('DELETE', `/v1/subscriptions/${subscription.id}`)).toBe(1);
    expect(fake.subscriptions.get(subscription.id)?.status).toBe('canceled');
    const rows = await database.rows(sql`select 1 from subscriptions where user_id = ${user.id}`);
    expect(rows).toHaveLength(0);

    // Stripe then reports the cancellation; the customer is no longer anyone's: acknowledged, ignored.
    const late = await deliver(app, stripeEvent('customer.subscription.deleted', fake.snapshot(subscription)));
    expect(late.statusCode).toBe(200);
    expect(late.json().outcome).toBe('ignored');
  });

  it('when Stripe refuses the cancellation, the account is not deleted (retry later) and still Pro', async () => {
    const { app, fake } = await setupBilling();
    const user = await signUp(app);
    const subscription = await upgrade(app, fake, user);
    fake.failNext('DELETE', /^\/v1\/subscriptions\//, 400, {
      type: 'invalid_request_error',
      message: 'Something went wrong on our side',
    });

    const res = await app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(res.statusCode).toBe(502);
    expect(ErrorEnvelope.parse(res.json()).error.code).toBe('UPSTREAM_ERROR');
    expect(fake.subscriptions.get(subscription.id)?.status).toBe('active');
    expect((await getBilling(app, user)).plan).toBe('pro');

    const retry = await app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(retry.statusCode).toBe(204);
    expect(fake.subscriptions.get(subscription.id)?.status).toBe('canceled');
  });
});

describe('billing configuration', () => {
  const all = {
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_PRICE_PRO_MONTHLY: PRICES.month,
    STRIPE_PRICE_PRO_YEARLY: PRICES.year,
  };

  it('none of the Stripe keys: self-hosted; all of them: billing on; APP_URL defaults to PUBLIC_URL', () => {
    expect(loadConfig({}).STRIPE_SECRET_KEY).toBeUndefined();
    const config = loadConfig({ ...all, PUBLIC_URL: 'https://api.example.com/' });
    expect(config.STRIPE_PRICE_PRO_YEARLY).toBe(PRICES.year);
    expect(config.APP_URL).toBe('https://api.example.com');
    expect(loadConfig({ ...all, APP_URL: 'https://app.example.com/' }).APP_URL).toBe('https://app.example.com');
  });

  it('some Stripe keys but not all: a config error naming each missing one', () => {
    const { STRIPE_PRICE_PRO_YEARLY: _y, STRIPE_WEBHOOK_SECRET: _w, ...partial } = all;
    let error: unknown;
    try {
      loadConfig(partial);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'STRIPE_WEBHOOK_SECRET',
      'STRIPE_PRICE_PRO_YEARLY',
    ]);
  });

  it('rejects malformed keys without echoing secrets, and parses plan limits', () => {
    let error: unknown;
    try {
      loadConfig({ ...all, STRIPE_SECRET_KEY: 'pk_live_published', STRIPE_WEBHOOK_SECRET: 'not-a-secret value' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toMatch(/STRIPE_SECRET_KEY/);
    expect(text).toMatch(/STRIPE_WEBHOOK_SECRET/);
    expect(text).not.toContain('pk_live_published');
    expect(text).not.toContain('not-a-secret value');

    const limits = loadConfig({ PLAN_FREE_ACTIVE_HABITS: '7', PLAN_PRO_AI_INSIGHTS_PER_MONTH: 'Unlimited' });
    expect([limits.PLAN_FREE_ACTIVE_HABITS, limits.PLAN_PRO_AI_INSIGHTS_PER_MONTH]).toEqual([7, null]);
    expect([limits.PLAN_FREE_AI_INSIGHTS_PER_MONTH, limits.PLAN_PRO_ACTIVE_HABITS]).toEqual([3, null]);
    expect(() => loadConfig({ PLAN_FREE_ACTIVE_HABITS: '-1' })).toThrow(/PLAN_FREE_ACTIVE_HABITS/);
    expect(() => loadConfig({ PLAN_PRO_ACTIVE_HABITS: 'lots' })).toThrow(/PLAN_PRO_ACTIVE_HABITS/);
  });
});
