import { isLive } from './plans.js';
import type { SubscriptionRow } from './repository.js';
import type { SubscriptionSnapshot } from './stripe-client.js';

export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * The rules of subscription sync, as pure functions: which state wins when webhook events arrive
 * late, twice or out of order, and what reconcile repairs. subscription-sync.ts applies them
 * under the customer's row lock.
 */

/**
 * Whether a subscription read from Stripe replaces the one stored for its customer. The same
 * subscription always does (it is Stripe's current state). Another one does when it is live and
 * the stored one is over, or, both live or both over, when it was created later: so a late event
 * about an old, cancelled subscription never overwrites the new one.
 */
export function adopts(
  row: Pick<SubscriptionRow, 'stripeSubscriptionId' | 'status' | 'subscriptionCreatedAt'>,
  next: SubscriptionSnapshot,
): boolean {
  if (!row.stripeSubscriptionId || row.stripeSubscriptionId === next.id) return true;
  const storedLive = isLive(row.status);
  const nextLive = isLive(next.status);
  if (storedLive !== nextLive) return nextLive;
  return (row.subscriptionCreatedAt?.getTime() ?? 0) < next.createdAt.getTime();
}

export function sameState(row: SubscriptionRow, next: SubscriptionSnapshot): boolean {
  return (
    row.stripeSubscriptionId === next.id &&
    row.status === next.status &&
    row.priceId === next.priceId &&
    row.interval === next.interval &&
    (row.currentPeriodEnd?.getTime() ?? null) === (next.currentPeriodEnd?.getTime() ?? null) &&
    row.cancelAtPeriodEnd === next.cancelAtPeriodEnd
  );
}

/**
 * What an event does to the stored state, decided under the customer's row lock:
 * - `store` its payload: it is about the stored subscription and created later than the newest
 *   event stored so far (or about a subscription that `adopts` prefers);
 * - `keep` the stored state: the event is older than it, or about a subscription it prefers;
 * - `read` the subscription from Stripe: the event is of the same second as the stored state
 *   (`created` has whole seconds, so which came last is unknown), or carries no subscription.
 */
export function verdictOf(
  row: Pick<SubscriptionRow, 'stripeSubscriptionId' | 'status' | 'subscriptionCreatedAt' | 'stateEventAt'>,
  subscriptionId: string,
  eventAt: Date,
  payload: SubscriptionSnapshot | null,
): 'store' | 'keep' | 'read' {
  if (row.stripeSubscriptionId === subscriptionId && row.stateEventAt) {
    if (eventAt.getTime() < row.stateEventAt.getTime()) return 'keep';
    if (eventAt.getTime() === row.stateEventAt.getTime()) return 'read';
  }
  if (!payload) return 'read';
  return adopts(row, payload) ? 'store' : 'keep';
}

/** What a webhook does with the subscription it read from Stripe (its `read` verdict). */
export type ReadVerdict =
  | { action: 'none'; outcome: Exclude<WebhookOutcome, 'duplicate'> }
  | { action: 'save' | 'clear'; stateEventAt: Date };

/**
 * After a read of the subscription from Stripe, decided under the customer's row lock once the
 * event is recorded. `readAt` is when the read started (database clock); `snapshot` null means
 * Stripe does not know the subscription. Nothing is written when something was stored after the
 * read started (it is at least as new), when Stripe names another customer, or when the stored
 * subscription is preferred (`adopts`). The state's event time never moves back.
 */
export function readVerdict(
  row: Pick<
    SubscriptionRow,
    'stripeSubscriptionId' | 'stripeCustomerId' | 'status' | 'subscriptionCreatedAt' | 'stateEventAt' | 'syncedAt'
  >,
  subscriptionId: string,
  eventAt: Date,
  readAt: Date,
  snapshot: SubscriptionSnapshot | null,
): ReadVerdict {
  if (row.syncedAt && row.syncedAt.getTime() > readAt.getTime()) return { action: 'none', outcome: 'applied' };
  const sameSubscription = row.stripeSubscriptionId === subscriptionId;
  const stateEventAt =
    sameSubscription && row.stateEventAt && row.stateEventAt.getTime() > eventAt.getTime() ? row.stateEventAt : eventAt;
  if (!snapshot) return sameSubscription ? { action: 'clear', stateEventAt } : { action: 'none', outcome: 'applied' };
  if (snapshot.customerId !== row.stripeCustomerId) return { action: 'none', outcome: 'ignored' };
  return adopts(row, snapshot) ? { action: 'save', stateEventAt } : { action: 'none', outcome: 'applied' };
}

/**
 * Reconcile, for a subscription Stripe listed whose customer is a Habitual user: `save` it when
 * it is preferred to the stored one (`adopts`) and differs from it, unless the row was written
 * after the listing started (`listedAt`, database clock): that write saw a newer state.
 */
export function listedVerdict(row: SubscriptionRow | undefined, snapshot: SubscriptionSnapshot, listedAt: Date) {
  if (!row || (row.syncedAt && row.syncedAt.getTime() > listedAt.getTime())) return 'keep';
  return adopts(row, snapshot) && !sameState(row, snapshot) ? 'save' : 'keep';
}

/**
 * Reconcile, for a stored subscription Stripe did not list, after reading it on its own:
 * `clear` it when Stripe no longer knows it (deleted test data), `save` what Stripe answered
 * when that differs, `keep` when the row moved on meanwhile (another subscription, or a write
 * after the read started).
 */
export function missingVerdict(
  locked: SubscriptionRow | undefined,
  storedSubscriptionId: string,
  readAt: Date,
  snapshot: SubscriptionSnapshot | null,
): 'save' | 'clear' | 'keep' {
  if (!locked || locked.stripeSubscriptionId !== storedSubscriptionId) return 'keep';
  if (locked.syncedAt && locked.syncedAt.getTime() > readAt.getTime()) return 'keep';
  if (!snapshot) return 'clear';
  return sameState(locked, snapshot) ? 'keep' : 'save';
}

/**
 * A live subscription Habitual created (it carries our `userId` metadata) whose customer is no
 * longer a Habitual user: its account was deleted while the cancellation failed, so it may still
 * be charged.
 */
export function isOrphan(listed: { userIdMetadata: string | null; status: string }): boolean {
  return listed.userIdMetadata !== null && listed.userIdMetadata !== '' && isLive(listed.status);
}
