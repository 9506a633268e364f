import type { Billing, BillingInterval, SubscriptionStatus as Status } from '@habitual/shared';
import { SubscriptionStatus } from '@habitual/shared';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import { z } from 'zod';
import { AppError } from '../../platform/app-error.js';
import type { Database } from '../../platform/db/client.js';
import { type Entitlements, isLive, type PlanTable, planOf, SELF_HOSTED } from './plans.js';
import type { PaymentsRepository, SubscriptionRow, Tx } from './repository.js';
import { type StripeGateway, type SubscriptionSnapshot, snapshotOf } from './stripe-client.js';

/** What the habits module asks before it creates a habit (null: unlimited). */
export interface HabitLimits {
  activeHabitLimit(userId: string): Promise<number | null>;
}

export type UsageName = 'activeHabits' | 'aiInsightsThisMonth';
export type UsageCounter = (userId: string) => Promise<number>;

export interface BillingSettings {
  gateway: StripeGateway;
  webhookSecret: string;
  prices: Readonly<Record<BillingInterval, string>>;
  /** The web app; Checkout and the Portal send the user back here. */
  appUrl: string;
}

export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored';

/** The part of a Stripe event the handler reads; the rest is Stripe's business. */
const StripeEventShape = z.object({
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
export function subscriptionTarget(event: StripeEventShape): { subscriptionId: string; customerId: string } | null {
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

function sameState(row: SubscriptionRow, next: SubscriptionSnapshot): boolean {
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

/** Checkout sessions asked for within this window by one user, for one price, are the same session. */
export const CHECKOUT_WINDOW_MS = 10 * 60 * 1000;

/** Event ids are kept this long to spot duplicates; Stripe retries for at most 3 days. */
export const EVENT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export interface ReconcileReport {
  checked: number;
  updated: number;
  cleared: number;
  /** Live subscriptions of Habitual customers whose account no longer exists. */
  orphans: string[];
  canceled: number;
  prunedEvents: number;
}

export function createPaymentsService(deps: {
  db: Database;
  repository: PaymentsRepository;
  /** null: no Stripe keys, the API runs self-hosted. */
  billing: BillingSettings | null;
  plans: PlanTable;
  now: () => Date;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}) {
  const { repository, billing, plans } = deps;
  const usage = new Map<UsageName, UsageCounter>();

  function requireBilling(): BillingSettings {
    if (!billing) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'Billing is not configured on this server: it runs self-hosted, and every account has Pro features',
      );
    }
    return billing;
  }

  async function entitlements(userId: string): Promise<Entitlements> {
    if (!billing) return SELF_HOSTED;
    return plans[planOf(await repository.findStatus(userId))];
  }

  async function used(name: UsageName, userId: string): Promise<number> {
    const counter = usage.get(name);
    return counter ? counter(userId) : 0;
  }

  /** The customer's row for an event, locked; undefined (logged) when it is not a Habitual user's. */
  async function lockForEvent(target: { subscriptionId: string; customerId: string }, eventId: string, tx: Tx) {
    const row = await repository.lockForEvent(target.customerId, eventId, tx);
    if (!row) {
      deps.log.warn(
        { stripeCustomer: target.customerId, stripeSubscription: target.subscriptionId },
        'stripe: customer is not a Habitual user (deleted account, or created outside Habitual); ignored',
      );
    }
    return row;
  }

  const habitLimits: HabitLimits = {
    activeHabitLimit: async (userId) => (await entitlements(userId)).activeHabits,
  };

  return {
    /** True when the Stripe keys are configured; false: self-hosted. */
    billingEnabled: billing !== null,

    entitlements,

    habitLimits,

    /** Another module reports how much of an allowance a user has in use (shown by GET /billing). */
    registerUsage(name: UsageName, counter: UsageCounter): void {
      usage.set(name, counter);
    },

    async getBilling(userId: string): Promise<Billing> {
      requireBilling();
      const row = await repository.findByUser(userId);
      const plan = plans[planOf(row?.status)];
      const [habitsUsed, insightsUsed] = await Promise.all([
        used('activeHabits', userId),
        used('aiInsightsThisMonth', userId),
      ]);
      const status = SubscriptionStatus.safeParse(row?.status);
      return {
        plan: plan.plan,
        status: status.success ? (status.data as Status) : null,
        interval: row?.interval ?? null,
        currentPeriodEnd: row?.currentPeriodEnd?.toISOString() ?? null,
        cancelAtPeriodEnd: row?.cancelAtPeriodEnd ?? false,
        entitlements: {
          activeHabits: { limit: plan.activeHabits, used: habitsUsed },
          aiInsightsPerMonth: { limit: plan.aiInsightsPerMonth, used: insightsUsed },
        },
      };
    },

    /** A Checkout Session for Pro; the user's Stripe customer is created once and kept. */
    async startCheckout(userId: string, interval: BillingInterval): Promise<string> {
      const { gateway, prices, appUrl } = requireBilling();
      const row = await repository.findByUser(userId);
      if (row && planOf(row.status) === 'pro') {
        throw new AppError('CONFLICT', 'You are already on Pro; change or cancel it in the billing portal', {
          details: [{ plan: 'pro', status: row.status }],
        });
      }
      let customerId = row?.stripeCustomerId;
      if (!customerId) {
        const contact = await repository.findUserContact(userId);
        if (!contact) throw new AppError('NOT_FOUND', 'User not found');
        customerId = await repository.ensureCustomer(userId, await gateway.createCustomer({ userId, ...contact }));
      }
      const priceId = prices[interval];
      const window = Math.floor(deps.now().getTime() / CHECKOUT_WINDOW_MS);
      // Deterministic: a double click (or a client retry) gets the same session back from Stripe.
      // The subscription id moves the key on after a subscription has come and gone.
      const idempotencyKey = `habitual-checkout-${userId}-${priceId}-${row?.stripeSubscriptionId ?? 'none'}-${window}`;
      return gateway.createCheckoutSession({
        userId,
        customerId,
        priceId,
        successUrl: `${appUrl}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${appUrl}/billing?checkout=canceled`,
        idempotencyKey,
      });
    },

    async openPortal(userId: string): Promise<string> {
      const { gateway, appUrl } = requireBilling();
      const row = await repository.findByUser(userId);
      if (!row) {
        throw new AppError(
          'CONFLICT',
          'There is no subscription to manage yet; start one with POST /api/v1/billing/checkout',
        );
      }
      return gateway.createPortalSession({ customerId: row.stripeCustomerId, returnUrl: `${appUrl}/billing` });
    },

    /** Checks the signature over the exact bytes received; throws a 400 for anything not from Stripe. */
    verifyWebhook(payload: unknown, signature: string): StripeEventShape {
      const { gateway, webhookSecret } = requireBilling();
      if (!Buffer.isBuffer(payload) || payload.length === 0) {
        throw new AppError('VALIDATION_ERROR', 'body: the event is missing', {
          details: [{ location: 'body', path: '', message: 'Required: the JSON event Stripe signed' }],
        });
      }
      let raw: unknown;
      try {
        raw = gateway.constructEvent(payload, signature, webhookSecret, deps.now().getTime());
      } catch (err) {
        if (err instanceof SyntaxError) {
          throw new AppError('MALFORMED_BODY', 'The body is not valid JSON', { cause: err });
        }
        throw new AppError(
          'VALIDATION_ERROR',
          'headers.stripe-signature: the signature does not match the body, or is older than 5 minutes',
          {
            details: [
              {
                location: 'headers',
                path: 'stripe-signature',
                message: 'Does not match the body, or is older than 5 minutes',
              },
            ],
            cause: err,
          },
        );
      }
      const parsed = StripeEventShape.safeParse(raw);
      if (!parsed.success) {
        const details = parsed.error.issues.map((issue) => ({
          location: 'body' as const,
          path: issue.path.join('.'),
          message: issue.message,
          code: issue.code,
        }));
        throw new AppError('VALIDATION_ERROR', `body.${details[0]?.path}: ${details[0]?.message}`, { details });
      }
      return parsed.data;
    },

    /**
     * Applies an event once, whatever the order of deliveries. The event id is recorded in the
     * same transaction that stores the result, so a duplicate is a no-op and a failure leaves
     * nothing behind (Stripe retries).
     *
     * Most events carry the subscription as it was when they were created, and are settled in one
     * transaction without calling Stripe: a later event stores its state, an older one changes
     * nothing (see `verdictOf`). The rest (an event of the same second as the stored state, or an
     * invoice or checkout event) re-read the subscription from Stripe. A read stores what it saw
     * unless something was stored after it started (database clock, under the row lock): the
     * last change's own event is read or stored after it, so the state ends as Stripe's newest.
     */
    async handleEvent(event: StripeEventShape): Promise<WebhookOutcome> {
      const { gateway } = requireBilling();
      const target = subscriptionTarget(event);
      if (!target) return 'ignored';
      const eventAt = new Date(event.created * 1000);
      const recorded = { id: event.id, type: event.type, createdAt: eventAt };
      const payload = payloadSnapshot(event);

      const settled = await deps.db.transaction(async (tx): Promise<WebhookOutcome | 'read'> => {
        const row = await lockForEvent(target, event.id, tx);
        if (!row) return 'ignored';
        if (row.eventSeen) return 'duplicate';
        const verdict = verdictOf(row, target.subscriptionId, eventAt, payload);
        if (verdict === 'read') return 'read';
        if (!(await repository.recordEvent(recorded, tx))) return 'duplicate';
        if (verdict === 'store' && payload) {
          await repository.saveSubscription(row.userId, payload, { syncedAt: 'now', stateEventAt: eventAt }, tx);
        }
        return 'applied';
      });
      if (settled !== 'read') return settled;

      // Outside any transaction, so no database connection waits on Stripe.
      const readAt = await repository.now();
      const snapshot = await gateway.retrieveSubscription(target.subscriptionId);
      return deps.db.transaction(async (tx) => {
        const row = await lockForEvent(target, event.id, tx);
        if (!row) return 'ignored';
        if (row.eventSeen || !(await repository.recordEvent(recorded, tx))) return 'duplicate';
        // Stored after this read started: at least as new as what it saw.
        if (row.syncedAt && row.syncedAt.getTime() > readAt.getTime()) return 'applied';
        const sameSubscription = row.stripeSubscriptionId === target.subscriptionId;
        const stateEventAt =
          sameSubscription && row.stateEventAt && row.stateEventAt.getTime() > eventAt.getTime()
            ? row.stateEventAt
            : eventAt;
        if (!snapshot) {
          if (sameSubscription) await repository.clearSubscription(row.userId, { syncedAt: readAt, stateEventAt }, tx);
          return 'applied';
        }
        if (snapshot.customerId !== row.stripeCustomerId) return 'ignored';
        if (adopts(row, snapshot)) {
          await repository.saveSubscription(row.userId, snapshot, { syncedAt: readAt, stateEventAt }, tx);
        }
        return 'applied';
      });
    },

    /**
     * Re-reads every subscription from Stripe and repairs what webhooks missed. Live
     * subscriptions of deleted accounts are reported, and cancelled with `cancelOrphans`.
     */
    async reconcile(options: { cancelOrphans?: boolean } = {}): Promise<ReconcileReport> {
      const { gateway } = requireBilling();
      const report: ReconcileReport = { checked: 0, updated: 0, cleared: 0, orphans: [], canceled: 0, prunedEvents: 0 };
      const rows = await repository.listAll();
      const customers = new Set(rows.map((r) => r.stripeCustomerId));
      const seen = new Set<string>();
      const listedAt = await repository.now();
      for await (const snapshot of gateway.listSubscriptions()) {
        report.checked += 1;
        seen.add(snapshot.id);
        if (!customers.has(snapshot.customerId)) {
          if (snapshot.userIdMetadata && isLive(snapshot.status)) {
            report.orphans.push(snapshot.id);
            if (options.cancelOrphans) {
              await gateway.cancelSubscription(snapshot.id);
              report.canceled += 1;
            }
          }
          continue;
        }
        const changed = await deps.db.transaction(async (tx) => {
          const row = await repository.lockByCustomer(snapshot.customerId, tx);
          if (!row || (row.syncedAt && row.syncedAt > listedAt)) return false;
          if (!adopts(row, snapshot) || sameState(row, snapshot)) return false;
          await repository.saveSubscription(row.userId, snapshot, { syncedAt: listedAt }, tx);
          return true;
        });
        if (changed) report.updated += 1;
      }
      // A stored subscription Stripe did not list is gone from Stripe (deleted test data).
      for (const row of rows) {
        if (!row.stripeSubscriptionId || seen.has(row.stripeSubscriptionId)) continue;
        const readAt = await repository.now();
        const snapshot = await gateway.retrieveSubscription(row.stripeSubscriptionId);
        const changed = await deps.db.transaction(async (tx) => {
          const locked = await repository.lockByCustomer(row.stripeCustomerId, tx);
          if (locked?.stripeSubscriptionId !== row.stripeSubscriptionId) return false;
          if (locked.syncedAt && locked.syncedAt > readAt) return false;
          if (snapshot) {
            if (sameState(locked, snapshot)) return false;
            await repository.saveSubscription(locked.userId, snapshot, { syncedAt: readAt }, tx);
          } else {
            await repository.clearSubscription(locked.userId, { syncedAt: readAt }, tx);
            report.cleared += 1;
          }
          return true;
        });
        if (changed) report.updated += 1;
      }
      report.prunedEvents = await repository.pruneEvents(new Date(deps.now().getTime() - EVENT_RETENTION_MS));
      return report;
    },

    /**
     * Part of account deletion, inside its transaction: the live subscription is cancelled at
     * Stripe first, so a deleted account is never charged again. If Stripe cannot be reached the
     * deletion fails as a whole (502) and can be retried; nothing is half-done.
     */
    async cleanupAccount(userId: string, tx: Tx): Promise<void> {
      const row = await repository.findByUser(userId, tx);
      if (row?.stripeSubscriptionId && isLive(row.status)) {
        if (billing) {
          await billing.gateway.cancelSubscription(row.stripeSubscriptionId);
        } else {
          deps.log.warn(
            { stripeSubscription: row.stripeSubscriptionId },
            'account deleted with a live Stripe subscription, but billing is not configured: cancel it in the Stripe Dashboard',
          );
        }
      }
      await repository.deleteForUser(userId, tx);
    },

    /** The user's subscription for the account export (no row: an empty section). */
    async *exportRows(userId: string): AsyncGenerator<Record<string, unknown>> {
      const row = await repository.findByUser(userId);
      if (!row) return;
      yield {
        plan: planOf(row.status),
        status: row.status,
        interval: row.interval,
        currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
        cancelAtPeriodEnd: row.cancelAtPeriodEnd,
        stripeCustomerId: row.stripeCustomerId,
        stripeSubscriptionId: row.stripeSubscriptionId,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      };
    },
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
