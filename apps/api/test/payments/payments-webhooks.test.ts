/**
 * The Stripe webhook: signatures over the exact bytes, each event applied once, any delivery
 * order, failures that Stripe retries, and the reconcile command for what webhooks missed.
 * Events are signed with the SDK's own `webhooks.generateTestHeaderString`.
 */
import { randomBytes } from 'node:crypto';
import { ErrorEnvelope } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createPayments } from '../../src/modules/payments/index.js';
import { type DatabaseHandle, openPostgres } from '../../src/platform/db/client.js';
import { migratePostgresDatabase } from '../../src/platform/db/migrate.js';
import { createLogger } from '../../src/platform/logger.js';
import {
  deliver,
  deliverOk,
  getBilling,
  PRICES,
  setupBilling,
  signature,
  startCheckout,
  stripeEvent,
  upgrade,
} from '../helpers/billing.js';
import type { FakeStripe } from '../helpers/fake-stripe.js';
import { openMigratedPglite, type TestContext } from '../helpers/setup.js';
import { signUp, type TestUser } from '../helpers/users.js';

const SUBSCRIPTION_PATH = /^\/v1\/subscriptions\/sub_/;

async function eventRows(ctx: TestContext, id: string) {
  const rows = await ctx.database.rows<{ n: number }>(
    sql`select count(*)::int as n from stripe_events where id = ${id}`,
  );
  return rows[0]?.n ?? 0;
}

/** A user with a Stripe customer (from a started checkout) and a paid subscription no webhook has reported yet. */
async function paidButUnreported(ctx: TestContext & { fake: FakeStripe }, user: TestUser) {
  const sessionId = await startCheckout(ctx.app, user);
  return ctx.fake.completeCheckout(sessionId);
}

/** An invoice of a subscription, as `invoice.*` events carry it: it names the subscription, not its state. */
function invoiceOf(subscription: { id: string; customer: string }, status: string) {
  return {
    id: `in_${randomBytes(6).toString('hex')}`,
    object: 'invoice',
    customer: subscription.customer,
    status,
    parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id } },
  };
}

describe('webhook: each event applied once', () => {
  it('the same event delivered 10 times in a row is applied once', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await paidButUnreported(ctx, user);
    const payload = stripeEvent('customer.subscription.created', ctx.fake.snapshot(subscription));
    const id = JSON.parse(payload).id as string;
    const reads = ctx.fake.count('GET', SUBSCRIPTION_PATH);

    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) outcomes.push(await deliverOk(ctx.app, payload));
    expect(outcomes).toEqual(['applied', ...Array(9).fill('duplicate')]);
    // The event carries the subscription, and nothing newer is stored: Stripe is not asked.
    expect(ctx.fake.count('GET', SUBSCRIPTION_PATH) - reads).toBe(0);
    expect(await eventRows(ctx, id)).toBe(1);
    expect((await getBilling(ctx.app, user)).plan).toBe('pro');
  });

  it('the same event delivered 10 times concurrently is applied once', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await paidButUnreported(ctx, user);
    const payload = stripeEvent('customer.subscription.created', ctx.fake.snapshot(subscription));
    const id = JSON.parse(payload).id as string;

    const responses = await Promise.all(Array.from({ length: 10 }, () => deliver(ctx.app, payload)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    const outcomes = responses.map((r) => r.json().outcome as string).sort();
    expect(outcomes).toEqual(['applied', ...Array(9).fill('duplicate')]);
    expect(await eventRows(ctx, id)).toBe(1);
    expect((await getBilling(ctx.app, user)).plan).toBe('pro');
    expect(await deliverOk(ctx.app, payload)).toBe('duplicate');
    expect(await eventRows(ctx, id)).toBe(1);
  });

  it('an event that needs a Stripe read, delivered 10 times concurrently, is applied once; a later copy reads nothing', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await paidButUnreported(ctx, user);
    const payload = stripeEvent('invoice.paid', invoiceOf(subscription, 'paid'));
    const id = JSON.parse(payload).id as string;

    const responses = await Promise.all(Array.from({ length: 10 }, () => deliver(ctx.app, payload)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect(responses.map((r) => r.json().outcome as string).sort()).toEqual(['applied', ...Array(9).fill('duplicate')]);
    expect(await eventRows(ctx, id)).toBe(1);
    expect((await getBilling(ctx.app, user)).plan).toBe('pro');
    // Overlapping deliveries may each read Stripe before one of them records the event; later ones do not.
    const reads = ctx.fake.count('GET', SUBSCRIPTION_PATH);
    expect(await deliverOk(ctx.app, payload)).toBe('duplicate');
    expect(ctx.fake.count('GET', SUBSCRIPTION_PATH)).toBe(reads);
  });
});

describe('webhook: delivery order', () => {
  /**
   * Whole seconds well after anything the helpers delivered with the current time, from one base
   * per test: `later(2)` stays before `later(3)` however slowly a busy machine runs the test.
   */
  let base = 0;
  beforeEach(() => {
    base = Math.floor(Date.now() / 1000) + 60;
  });
  const later = (seconds: number) => base + seconds;

  it('`updated` before `created` ends in the newest state, from the payloads alone', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await paidButUnreported(ctx, user);
    const created = stripeEvent('customer.subscription.created', ctx.fake.snapshot(subscription), {
      created: later(0),
    });
    // The user then cancels in the Portal: Stripe's newest state ends at the period end.
    const newest = ctx.fake.updateSubscription(subscription.id, { cancelAtPeriodEnd: true });
    const updated = stripeEvent('customer.subscription.updated', ctx.fake.snapshot(newest), { created: later(5) });
    const reads = ctx.fake.count('GET', SUBSCRIPTION_PATH);

    expect(await deliverOk(ctx.app, updated)).toBe('applied');
    expect(await deliverOk(ctx.app, created)).toBe('applied');
    expect(await getBilling(ctx.app, user)).toMatchObject({ plan: 'pro', status: 'active', cancelAtPeriodEnd: true });
    expect(ctx.fake.count('GET', SUBSCRIPTION_PATH)).toBe(reads);
  });

  it('a stale `updated` after `deleted` ends in the newest state (cancelled, Free)', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await upgrade(ctx.app, ctx.fake, user);
    const stale = stripeEvent('customer.subscription.updated', ctx.fake.snapshot(subscription), {
      created: later(1),
    });
    const ended = ctx.fake.updateSubscription(subscription.id, { status: 'canceled' });
    const deleted = stripeEvent('customer.subscription.deleted', ctx.fake.snapshot(ended), { created: later(2) });

    expect(await deliverOk(ctx.app, deleted)).toBe('applied');
    expect(await deliverOk(ctx.app, stale)).toBe('applied');
    expect(await getBilling(ctx.app, user)).toMatchObject({ plan: 'free', status: 'canceled' });
  });

  it('of two events in the same second, the one delivered second re-reads Stripe, whose state wins', async () => {
    const ctx = await setupBilling();
    for (const order of ['last change delivered first', 'last change delivered second'] as const) {
      const user = await signUp(ctx.app);
      const subscription = await paidButUnreported(ctx, user);
      const second = later(0);
      // Two changes in one second: the first cancels at the period end, the last takes it back.
      const cancels = ctx.fake.snapshot(ctx.fake.updateSubscription(subscription.id, { cancelAtPeriodEnd: true }));
      const resumes = ctx.fake.snapshot(ctx.fake.updateSubscription(subscription.id, { cancelAtPeriodEnd: false }));
      const events = [cancels, resumes].map((state) =>
        stripeEvent('customer.subscription.updated', state, { created: second }),
      );
      if (order === 'last change delivered first') events.reverse();
      const reads = ctx.fake.count('GET', SUBSCRIPTION_PATH);

      // The first delivery is newer than anything stored: its payload is stored as it is.
      expect(await deliverOk(ctx.app, events[0] as string), order).toBe('applied');
      expect(ctx.fake.count('GET', SUBSCRIPTION_PATH), order).toBe(reads);
      // The second is of the same second: which change came last is unknown, so Stripe is asked.
      expect(await deliverOk(ctx.app, events[1] as string), order).toBe('applied');
      expect(ctx.fake.count('GET', SUBSCRIPTION_PATH), order).toBe(reads + 1);
      expect(await getBilling(ctx.app, user), order).toMatchObject({ plan: 'pro', cancelAtPeriodEnd: false });
    }
  });

  it('an event older than the stored state is recorded and changes nothing, without asking Stripe', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await paidButUnreported(ctx, user);
    const active = ctx.fake.snapshot(subscription);
    const pastDue = ctx.fake.snapshot(ctx.fake.updateSubscription(subscription.id, { status: 'past_due' }));
    const unpaid = ctx.fake.snapshot(ctx.fake.updateSubscription(subscription.id, { status: 'unpaid' }));
    const reads = ctx.fake.count('GET', SUBSCRIPTION_PATH);

    expect(await deliverOk(ctx.app, stripeEvent('customer.subscription.updated', unpaid, { created: later(3) }))).toBe(
      'applied',
    );
    for (const [state, at] of [
      [pastDue, later(2)],
      [active, later(1)],
    ] as const) {
      const payload = stripeEvent('customer.subscription.updated', state, { created: at });
      expect(await deliverOk(ctx.app, payload)).toBe('applied');
      expect(await eventRows(ctx, JSON.parse(payload).id)).toBe(1);
    }
    expect(await getBilling(ctx.app, user)).toMatchObject({ plan: 'free', status: 'unpaid' });
    expect(ctx.fake.count('GET', SUBSCRIPTION_PATH)).toBe(reads);
  });

  it('a subscription event whose object is not a whole subscription is settled by reading Stripe', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await paidButUnreported(ctx, user);
    const reads = ctx.fake.count('GET', SUBSCRIPTION_PATH);
    const partial = { id: subscription.id, object: 'subscription', customer: subscription.customer };

    expect(await deliverOk(ctx.app, stripeEvent('customer.subscription.updated', partial, { created: later(0) }))).toBe(
      'applied',
    );
    expect(ctx.fake.count('GET', SUBSCRIPTION_PATH)).toBe(reads + 1);
    expect(await getBilling(ctx.app, user)).toMatchObject({ plan: 'pro', status: 'active', interval: 'month' });
  });

  it('of two overlapping Stripe reads, the older one that answers last does not overwrite the newer one', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await upgrade(ctx.app, ctx.fake, user);
    const second = later(0);
    expect(
      await deliverOk(
        ctx.app,
        stripeEvent('customer.subscription.updated', ctx.fake.snapshot(subscription), { created: second }),
      ),
    ).toBe('applied');

    // Delivery A (same second: it reads Stripe) reads while the subscription is still plain
    // active; Stripe answers it slowly.
    const held = ctx.fake.holdNext('GET', SUBSCRIPTION_PATH);
    const slow = deliver(
      ctx.app,
      stripeEvent('customer.subscription.updated', ctx.fake.snapshot(subscription), { created: second }),
    );
    await held.arrived;
    // Meanwhile the user cancels; delivery B's read starts later and sees it, and is stored first.
    const cancelled = ctx.fake.updateSubscription(subscription.id, { cancelAtPeriodEnd: true });
    expect(
      await deliverOk(
        ctx.app,
        stripeEvent('customer.subscription.updated', ctx.fake.snapshot(cancelled), { created: second }),
      ),
    ).toBe('applied');
    held.release();
    const late = await slow;
    expect(late.statusCode).toBe(200);
    expect(await getBilling(ctx.app, user)).toMatchObject({ plan: 'pro', cancelAtPeriodEnd: true });
  });

  it("a late event about an old, cancelled subscription does not replace the user's new one", async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const old = await upgrade(ctx.app, ctx.fake, user);
    const oldActive = ctx.fake.snapshot(old);
    const oldEnded = ctx.fake.updateSubscription(old.id, { status: 'canceled' });
    await deliverOk(ctx.app, stripeEvent('customer.subscription.deleted', ctx.fake.snapshot(oldEnded)));
    expect((await getBilling(ctx.app, user)).plan).toBe('free');

    const renewed = await upgrade(ctx.app, ctx.fake, user, 'year');
    expect(renewed.id).not.toBe(old.id);
    // Stripe delivers a retried event of the old subscription late, with its own (old) payload,
    // and one that names it without its state (so Stripe is asked).
    expect(await deliverOk(ctx.app, stripeEvent('customer.subscription.updated', oldActive))).toBe('applied');
    expect(await deliverOk(ctx.app, stripeEvent('invoice.paid', invoiceOf(old, 'paid')))).toBe('applied');
    expect(await getBilling(ctx.app, user)).toMatchObject({ plan: 'pro', status: 'active', interval: 'year' });
  });

  it('invoice.payment_failed and invoice.paid re-read the subscription (past due keeps Pro; unpaid ends it)', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await upgrade(ctx.app, ctx.fake, user);

    ctx.fake.updateSubscription(subscription.id, { status: 'past_due' });
    expect(await deliverOk(ctx.app, stripeEvent('invoice.payment_failed', invoiceOf(subscription, 'open')))).toBe(
      'applied',
    );
    expect(await getBilling(ctx.app, user)).toMatchObject({ plan: 'pro', status: 'past_due' });

    ctx.fake.updateSubscription(subscription.id, { status: 'unpaid' });
    expect(await deliverOk(ctx.app, stripeEvent('invoice.payment_failed', invoiceOf(subscription, 'open')))).toBe(
      'applied',
    );
    expect(await getBilling(ctx.app, user)).toMatchObject({ plan: 'free', status: 'unpaid' });

    ctx.fake.updateSubscription(subscription.id, { status: 'active' });
    expect(await deliverOk(ctx.app, stripeEvent('invoice.paid', invoiceOf(subscription, 'paid')))).toBe('applied');
    expect(await getBilling(ctx.app, user)).toMatchObject({ plan: 'pro', status: 'active' });
  });
});

describe('webhook: requests that are not from Stripe', () => {
  it('a tampered body, an old timestamp, a wrong secret and a re-serialised body each get 400 and change nothing', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await paidButUnreported(ctx, user);
    const payload = stripeEvent('customer.subscription.created', ctx.fake.snapshot(subscription));
    const id = JSON.parse(payload).id as string;
    const reads = ctx.fake.count('GET', SUBSCRIPTION_PATH);
    const now = Math.floor(Date.now() / 1000);

    const attempts: Array<[string, string, string]> = [
      ['tampered body', payload.replace('"active"', '"trialing"'), signature(payload)],
      ['timestamp older than 5 minutes', payload, signature(payload, { timestamp: now - 301 })],
      ['wrong secret', payload, signature(payload, { secret: 'whsec_someone_else' })],
      ['re-serialised body', JSON.stringify(JSON.parse(payload)), signature(payload)],
      ['signature of another scheme', payload, signature(payload).replace('v1=', 'v0=')],
      ['garbage header', payload, 'not a signature'],
    ];
    for (const [name, body, header] of attempts) {
      const res = await deliver(ctx.app, body, { signature: header });
      expect(res.statusCode, name).toBe(400);
      const error = ErrorEnvelope.parse(res.json()).error;
      expect(error.code, name).toBe('VALIDATION_ERROR');
      expect(error.details?.[0], name).toMatchObject({ location: 'headers', path: 'stripe-signature' });
    }
    expect(ctx.fake.count('GET', SUBSCRIPTION_PATH)).toBe(reads);
    expect(await eventRows(ctx, id)).toBe(0);
    expect((await getBilling(ctx.app, user)).plan).toBe('free');

    // The genuine delivery of the same bytes is applied: the rejections were about the signature alone.
    expect(await deliverOk(ctx.app, payload)).toBe('applied');
    expect((await getBilling(ctx.app, user)).plan).toBe('pro');
  });

  it('no signature header, an empty body, a non-JSON body and a JSON non-event: 4xx naming the problem', async () => {
    const ctx = await setupBilling();
    const missing = await deliver(ctx.app, stripeEvent('invoice.paid', {}), { signature: null });
    expect(missing.statusCode).toBe(400);
    expect(ErrorEnvelope.parse(missing.json()).error.details?.[0]).toMatchObject({
      location: 'headers',
      path: 'stripe-signature',
    });

    const empty = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/stripe',
      headers: { 'stripe-signature': signature('') },
    });
    expect(empty.statusCode).toBe(400);
    expect(ErrorEnvelope.parse(empty.json()).error.code).toBe('VALIDATION_ERROR');

    for (const contentType of ['application/json', 'text/plain']) {
      const notJson = 'this is { not json';
      const res = await deliver(ctx.app, notJson, { signature: signature(notJson), contentType });
      expect(res.statusCode, contentType).toBe(400);
      expect(ErrorEnvelope.parse(res.json()).error.code).toBe('MALFORMED_BODY');
    }

    const notAnEvent = JSON.stringify({ hello: 'world' });
    const res = await deliver(ctx.app, notAnEvent);
    expect(res.statusCode).toBe(400);
    const error = ErrorEnvelope.parse(res.json()).error;
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details?.map((d) => (d as { path: string }).path)).toEqual(
      expect.arrayContaining(['id', 'type', 'created', 'data']),
    );
    expect(ctx.fake.requests).toHaveLength(0);
  });

  it('unknown event types and objects Habitual does not act on are acknowledged, ignored and logged', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    await startCheckout(ctx.app, user);
    const before = ctx.fake.requests.length;
    const ignored = [
      stripeEvent('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent' }),
      stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }),
      stripeEvent('checkout.session.completed', { id: 'cs_1', mode: 'payment', customer: 'cus_1' }),
      stripeEvent('invoice.paid', { id: 'in_1', customer: 'cus_1', parent: null }),
      stripeEvent('customer.subscription.updated', { id: 'sub_1' }),
    ];
    for (const payload of ignored) expect(await deliverOk(ctx.app, payload)).toBe('ignored');
    expect(ctx.fake.requests.length).toBe(before);
    const logged = ctx.logs.lines.filter((l) => l.msg === 'stripe webhook' && l.outcome === 'ignored');
    expect(logged.map((l) => l.stripeEventType)).toEqual([
      'payment_intent.succeeded',
      'customer.created',
      'checkout.session.completed',
      'invoice.paid',
      'customer.subscription.updated',
    ]);
    expect((await getBilling(ctx.app, user)).plan).toBe('free');
  });

  it("an event about a customer that is not a Habitual user's is acknowledged and ignored", async () => {
    const ctx = await setupBilling();
    const stranger = ctx.fake.createSubscription('cus_not_ours', PRICES.month);
    const res = await deliver(ctx.app, stripeEvent('customer.subscription.created', ctx.fake.snapshot(stranger)));
    expect(res.statusCode).toBe(200);
    expect(res.json().outcome).toBe('ignored');
  });
});

// ---- tests that need a database of their own (they add triggers, or reconcile every row) ----

const ownDatabases: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of ownDatabases) await close();
});

async function ownDatabase(): Promise<DatabaseHandle> {
  const server = inject('serverUrl');
  if (!server) {
    const handle = await openMigratedPglite();
    ownDatabases.push(() => handle.close());
    return handle;
  }
  const name = `habitual_payments_${randomBytes(4).toString('hex')}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  await migratePostgresDatabase(url.toString());
  const handle = openPostgres({ url: url.toString(), poolMax: 4 });
  ownDatabases.push(async () => {
    await handle.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });
  return handle;
}

describe('webhook: failures that Stripe retries', () => {
  it('the database failing mid-event answers 5xx, records nothing, and a later retry applies it once', async () => {
    const database = await ownDatabase();
    const ctx = await setupBilling({ database });
    const user = await signUp(ctx.app);
    const subscription = await paidButUnreported(ctx, user);
    const payload = stripeEvent('customer.subscription.created', ctx.fake.snapshot(subscription));
    const id = JSON.parse(payload).id as string;

    // The event id is inserted first; then storing the subscription fails inside the same transaction.
    await database.rows(sql`create function payments_test_fail() returns trigger language plpgsql as $$
      begin raise exception 'simulated storage failure'; end $$`);
    await database.rows(sql`create trigger payments_test_fail before update on subscriptions
      for each row execute function payments_test_fail()`);
    const failed = await deliver(ctx.app, payload);
    expect(failed.statusCode).toBeGreaterThanOrEqual(500);
    expect(ErrorEnvelope.parse(failed.json()).error.code).toBe('INTERNAL');
    expect(await eventRows(ctx, id)).toBe(0);
    expect((await getBilling(ctx.app, user)).plan).toBe('free');

    await database.rows(sql`drop trigger payments_test_fail on subscriptions`);
    await database.rows(sql`drop function payments_test_fail()`);
    expect(await deliverOk(ctx.app, payload)).toBe('applied');
    expect(await deliverOk(ctx.app, payload)).toBe('duplicate');
    expect(await eventRows(ctx, id)).toBe(1);
    expect((await getBilling(ctx.app, user)).plan).toBe('pro');
  });

  it('Stripe failing while the subscription is re-read answers 502, records nothing; the retry applies it', async () => {
    const ctx = await setupBilling();
    const user = await signUp(ctx.app);
    const subscription = await paidButUnreported(ctx, user);
    const payload = stripeEvent('invoice.paid', invoiceOf(subscription, 'paid'));
    ctx.fake.failNext('GET', SUBSCRIPTION_PATH, 400, { type: 'invalid_request_error', message: 'Try again' });

    const failed = await deliver(ctx.app, payload);
    expect(failed.statusCode).toBe(502);
    expect(ErrorEnvelope.parse(failed.json()).error.code).toBe('UPSTREAM_ERROR');
    expect(await eventRows(ctx, JSON.parse(payload).id)).toBe(0);

    expect(await deliverOk(ctx.app, payload)).toBe('applied');
    expect((await getBilling(ctx.app, user)).plan).toBe('pro');
  });
});

describe('billing:reconcile', () => {
  it('repairs what webhooks missed, forgets subscriptions Stripe no longer has, and finds orphans', async () => {
    const database = await ownDatabase();
    const ctx = await setupBilling({ database });
    const payments = createPayments({
      config: ctx.config,
      db: database.db,
      now: () => new Date(),
      log: createLogger(ctx.config, ctx.logs.stream),
    });

    // Paid, but every webhook was lost.
    const missed = await signUp(ctx.app);
    const missedSubscription = await paidButUnreported(ctx, missed);
    // Reported as Pro, then cancelled at period end without the event arriving.
    const changed = await signUp(ctx.app);
    const changedSubscription = await upgrade(ctx.app, ctx.fake, changed);
    ctx.fake.updateSubscription(changedSubscription.id, { cancelAtPeriodEnd: true });
    // Reported as Pro, then deleted from Stripe (test data cleared in the Dashboard).
    const vanished = await signUp(ctx.app);
    const vanishedSubscription = await upgrade(ctx.app, ctx.fake, vanished);
    ctx.fake.subscriptions.delete(vanishedSubscription.id);
    // Already in sync.
    const steady = await signUp(ctx.app);
    await upgrade(ctx.app, ctx.fake, steady);
    // A live subscription of a Habitual customer whose account is gone.
    const orphan = ctx.fake.createSubscription('cus_deleted_account', PRICES.year, { metadata: { userId: 'gone' } });

    expect((await getBilling(ctx.app, missed)).plan).toBe('free');
    const report = await payments.reconcile();
    expect(report).toMatchObject({ checked: 4, updated: 3, cleared: 1, orphans: [orphan.id], canceled: 0 });
    expect(await getBilling(ctx.app, missed)).toMatchObject({ plan: 'pro', status: 'active' });
    expect(missedSubscription.id).toBeTruthy();
    expect(await getBilling(ctx.app, changed)).toMatchObject({ plan: 'pro', cancelAtPeriodEnd: true });
    expect(await getBilling(ctx.app, vanished)).toMatchObject({ plan: 'free', status: null });
    expect((await getBilling(ctx.app, steady)).plan).toBe('pro');
    expect(ctx.fake.subscriptions.get(orphan.id)?.status).toBe('active');

    // Run again: nothing left to repair; with --cancel-orphans the orphan is cancelled.
    const again = await payments.reconcile({ cancelOrphans: true });
    expect(again).toMatchObject({ updated: 0, cleared: 0, orphans: [orphan.id], canceled: 1 });
    expect(ctx.fake.subscriptions.get(orphan.id)?.status).toBe('canceled');
  });
});
