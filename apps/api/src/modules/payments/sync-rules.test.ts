import { describe, expect, it } from 'vitest';
import type { SubscriptionRow } from './repository.js';
import type { SubscriptionSnapshot } from './stripe-client.js';
import { adopts, isOrphan, listedVerdict, missingVerdict, readVerdict, sameState, verdictOf } from './sync-rules.js';

// Stripe's `created` has whole seconds; these are the seconds of the fixtures below.
const T = (seconds: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, seconds));

function snapshot(overrides: Partial<SubscriptionSnapshot> = {}): SubscriptionSnapshot {
  return {
    id: 'sub_A',
    customerId: 'cus_1',
    status: 'active',
    priceId: 'price_month',
    interval: 'month',
    currentPeriodEnd: T(50),
    cancelAtPeriodEnd: false,
    createdAt: T(0),
    ...overrides,
  };
}

/** The stored row of a customer whose subscription `sub_A` was stored from an event of second 10. */
function row(overrides: Partial<SubscriptionRow> = {}): SubscriptionRow {
  return {
    userId: 'user_1',
    stripeCustomerId: 'cus_1',
    stripeSubscriptionId: 'sub_A',
    status: 'active',
    priceId: 'price_month',
    interval: 'month',
    currentPeriodEnd: T(50),
    cancelAtPeriodEnd: false,
    subscriptionCreatedAt: T(0),
    syncedAt: T(10),
    stateEventAt: T(10),
    createdAt: T(0),
    updatedAt: T(10),
    ...overrides,
  };
}

describe('adopts: which of two subscriptions of one customer is the stored one', () => {
  it('always takes the state of the stored subscription itself, or any when none is stored', () => {
    expect(adopts(row({ status: 'active' }), snapshot({ status: 'canceled' }))).toBe(true);
    expect(adopts(row({ stripeSubscriptionId: null }), snapshot({ id: 'sub_B', status: 'canceled' }))).toBe(true);
  });

  it('prefers a live subscription to one that is over, whichever is newer', () => {
    // A customer cancels sub_A and subscribes again (sub_B): sub_A's late events must not win.
    expect(adopts(row({ status: 'active' }), snapshot({ id: 'sub_OLD', status: 'canceled', createdAt: T(-100) }))).toBe(
      false,
    );
    expect(adopts(row({ status: 'canceled' }), snapshot({ id: 'sub_B', status: 'active', createdAt: T(-100) }))).toBe(
      true,
    );
    // incomplete_expired is over too (a first payment that never succeeded).
    expect(adopts(row({ status: 'incomplete_expired' }), snapshot({ id: 'sub_B', status: 'incomplete' }))).toBe(true);
  });

  it('between two live (or two ended) subscriptions, prefers the one created later', () => {
    expect(adopts(row(), snapshot({ id: 'sub_B', createdAt: T(1) }))).toBe(true);
    expect(adopts(row(), snapshot({ id: 'sub_B', createdAt: T(-1) }))).toBe(false);
    expect(adopts(row({ status: 'canceled' }), snapshot({ id: 'sub_B', status: 'canceled', createdAt: T(1) }))).toBe(
      true,
    );
  });
});

describe('verdictOf: what a webhook event does to the stored state', () => {
  it('stores an event about the stored subscription created after the stored state', () => {
    expect(verdictOf(row(), 'sub_A', T(11), snapshot({ cancelAtPeriodEnd: true }))).toBe('store');
  });

  it('keeps the stored state for an older event (Stripe does not deliver in order)', () => {
    expect(verdictOf(row(), 'sub_A', T(9), snapshot({ status: 'past_due' }))).toBe('keep');
  });

  it('reads from Stripe for an event of the same second: which came last is unknown', () => {
    expect(verdictOf(row(), 'sub_A', T(10), snapshot({ status: 'past_due' }))).toBe('read');
  });

  it('reads from Stripe for events that carry no subscription (invoices, checkout)', () => {
    expect(verdictOf(row(), 'sub_A', T(11), null)).toBe('read');
    expect(verdictOf(row({ stripeSubscriptionId: null, stateEventAt: null }), 'sub_A', T(11), null)).toBe('read');
  });

  it('settles an event about another subscription by which one is preferred, whatever its second', () => {
    expect(verdictOf(row(), 'sub_B', T(10), snapshot({ id: 'sub_B', createdAt: T(5) }))).toBe('store');
    expect(verdictOf(row(), 'sub_OLD', T(11), snapshot({ id: 'sub_OLD', status: 'canceled' }))).toBe('keep');
  });
});

describe('readVerdict: after reading the subscription from Stripe', () => {
  const readAt = T(20);

  it('writes nothing when the row was stored after the read started (that write saw a newer state)', () => {
    expect(readVerdict(row({ syncedAt: T(21) }), 'sub_A', T(10), readAt, snapshot())).toEqual({
      action: 'none',
      outcome: 'applied',
    });
  });

  it('saves what Stripe answered, with the event time moving forward only', () => {
    expect(readVerdict(row(), 'sub_A', T(10), readAt, snapshot({ status: 'past_due' }))).toEqual({
      action: 'save',
      stateEventAt: T(10),
    });
    expect(readVerdict(row({ stateEventAt: T(15) }), 'sub_A', T(12), readAt, snapshot())).toEqual({
      action: 'save',
      stateEventAt: T(15),
    });
  });

  it('clears the stored subscription when Stripe no longer knows it; another unknown one changes nothing', () => {
    expect(readVerdict(row(), 'sub_A', T(12), readAt, null)).toEqual({ action: 'clear', stateEventAt: T(12) });
    expect(readVerdict(row(), 'sub_GONE', T(12), readAt, null)).toEqual({ action: 'none', outcome: 'applied' });
  });

  it("ignores a subscription Stripe says belongs to another customer than the event's", () => {
    expect(readVerdict(row(), 'sub_A', T(12), readAt, snapshot({ customerId: 'cus_2' }))).toEqual({
      action: 'none',
      outcome: 'ignored',
    });
  });

  it('keeps the stored subscription when it is preferred to the one read', () => {
    const old = snapshot({ id: 'sub_OLD', status: 'canceled', createdAt: T(-100) });
    expect(readVerdict(row(), 'sub_OLD', T(12), readAt, old)).toEqual({ action: 'none', outcome: 'applied' });
  });
});

describe('reconcile', () => {
  const listedAt = T(30);

  it('saves a listed subscription that differs from the stored state', () => {
    expect(listedVerdict(row(), snapshot({ cancelAtPeriodEnd: true }), listedAt)).toBe('save');
    expect(listedVerdict(row({ stripeSubscriptionId: null, status: null }), snapshot(), listedAt)).toBe('save');
  });

  it('keeps what is the same, what is preferred, and what was written after the listing started', () => {
    expect(listedVerdict(row(), snapshot(), listedAt)).toBe('keep');
    expect(listedVerdict(row(), snapshot({ id: 'sub_OLD', status: 'canceled', createdAt: T(-1) }), listedAt)).toBe(
      'keep',
    );
    expect(listedVerdict(row({ syncedAt: T(31) }), snapshot({ status: 'past_due' }), listedAt)).toBe('keep');
    expect(listedVerdict(undefined, snapshot(), listedAt)).toBe('keep');
  });

  it('clears a stored subscription Stripe no longer has, saves a changed one, keeps one that moved on', () => {
    const readAt = T(40);
    expect(missingVerdict(row(), 'sub_A', readAt, null)).toBe('clear');
    expect(missingVerdict(row(), 'sub_A', readAt, snapshot({ status: 'canceled' }))).toBe('save');
    expect(missingVerdict(row(), 'sub_A', readAt, snapshot())).toBe('keep');
    expect(missingVerdict(row({ stripeSubscriptionId: 'sub_B' }), 'sub_A', readAt, null)).toBe('keep');
    expect(missingVerdict(row({ syncedAt: T(41) }), 'sub_A', readAt, null)).toBe('keep');
    expect(missingVerdict(undefined, 'sub_A', readAt, null)).toBe('keep');
  });

  it('reports as orphans only live subscriptions Habitual created (userId metadata)', () => {
    expect(isOrphan({ userIdMetadata: 'gone', status: 'active' })).toBe(true);
    expect(isOrphan({ userIdMetadata: 'gone', status: 'past_due' })).toBe(true);
    expect(isOrphan({ userIdMetadata: 'gone', status: 'canceled' })).toBe(false);
    expect(isOrphan({ userIdMetadata: null, status: 'active' })).toBe(false);
  });
});

describe('sameState', () => {
  it('compares every stored field Stripe may change', () => {
    expect(sameState(row(), snapshot())).toBe(true);
    for (const change of [
      { status: 'past_due' },
      { priceId: 'price_year' },
      { interval: 'year' as const },
      { currentPeriodEnd: T(51) },
      { cancelAtPeriodEnd: true },
      { id: 'sub_B' },
    ]) {
      expect(sameState(row(), snapshot(change)), JSON.stringify(change)).toBe(false);
    }
  });
});
