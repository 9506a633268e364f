import { describe, expect, it } from 'vitest';
import { payloadSnapshot, type StripeEventShape, subscriptionTarget } from './stripe-event.js';

const event = (type: string, object: Record<string, unknown>): StripeEventShape => ({
  id: 'evt_1',
  type,
  created: 1_790_000_000,
  data: { object },
});

describe('subscriptionTarget', () => {
  it('reads the subscription of each kind of event Habitual handles, ids or expanded objects', () => {
    const expected = { subscriptionId: 'sub_1', customerId: 'cus_1' };
    expect(
      subscriptionTarget(
        event('checkout.session.completed', { mode: 'subscription', subscription: 'sub_1', customer: 'cus_1' }),
      ),
    ).toEqual(expected);
    for (const type of ['created', 'updated', 'deleted']) {
      expect(
        subscriptionTarget(event(`customer.subscription.${type}`, { id: 'sub_1', customer: { id: 'cus_1' } })),
      ).toEqual(expected);
    }
    // Since API version 2025-03 an invoice names its subscription under parent.subscription_details.
    const parent = { subscription_details: { subscription: 'sub_1' } };
    expect(subscriptionTarget(event('invoice.paid', { parent, customer: 'cus_1' }))).toEqual(expected);
    // Endpoints on older versions still send invoice.subscription.
    expect(subscriptionTarget(event('invoice.payment_failed', { subscription: 'sub_1', customer: 'cus_1' }))).toEqual(
      expected,
    );
  });

  it('ignores one-off payments, other event types and events without a customer', () => {
    expect(subscriptionTarget(event('checkout.session.completed', { mode: 'payment', customer: 'cus_1' }))).toBeNull();
    expect(subscriptionTarget(event('charge.succeeded', { id: 'ch_1', customer: 'cus_1' }))).toBeNull();
    expect(subscriptionTarget(event('customer.subscription.updated', { id: 'sub_1' }))).toBeNull();
  });
});

describe('payloadSnapshot', () => {
  const subscription = {
    object: 'subscription',
    id: 'sub_1',
    customer: 'cus_1',
    status: 'active',
    created: 1_789_000_000,
    cancel_at_period_end: false,
    cancel_at: 1_795_000_000,
    items: { data: [{ current_period_end: 1_792_000_000, price: { id: 'price_y', recurring: { interval: 'year' } } }] },
  };

  it('takes the state from a customer.subscription.* payload (Stripe seconds → dates)', () => {
    expect(payloadSnapshot(event('customer.subscription.updated', subscription))).toEqual({
      id: 'sub_1',
      customerId: 'cus_1',
      status: 'active',
      priceId: 'price_y',
      interval: 'year',
      currentPeriodEnd: new Date(1_792_000_000_000),
      // Cancelling by date (`cancel_at`) ends it as surely as at the period end.
      cancelAtPeriodEnd: true,
      createdAt: new Date(1_789_000_000_000),
    });
  });

  it('has none for other events, or a payload of an older API version', () => {
    expect(payloadSnapshot(event('invoice.paid', subscription))).toBeNull();
    const { items: _items, ...withoutItems } = subscription;
    expect(payloadSnapshot(event('customer.subscription.updated', withoutItems))).toBeNull();
  });
});
