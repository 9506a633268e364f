import type { Logger } from 'pino';
import { AppError } from '../../platform/app-error.js';
import type { Database, Tx } from '../../platform/db/client.js';
import type { PaymentsRepository } from './repository.js';
import { type BillingSettings, requireBilling } from './settings.js';
import type { StripeGateway, SubscriptionSnapshot } from './stripe-client.js';
import { payloadSnapshot, StripeEventShape, type SubscriptionTarget, subscriptionTarget } from './stripe-event.js';
import { isOrphan, listedVerdict, missingVerdict, readVerdict, verdictOf, type WebhookOutcome } from './sync-rules.js';

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

type RecordedEvent = { id: string; type: string; createdAt: Date };

/**
 * Keeps the stored subscriptions in step with Stripe: the webhook (signature check, then each
 * event applied once, in any order) and reconcile. The decisions are the pure rules of
 * sync-rules.ts; this file reads, locks and writes.
 */
export function createSubscriptionSync(deps: {
  db: Database;
  repository: PaymentsRepository;
  /** null: no Stripe keys, the API runs self-hosted. */
  billing: BillingSettings | null;
  now: () => Date;
  log: Pick<Logger, 'warn'>;
}) {
  const { repository } = deps;

  /** The customer's row for an event, locked; undefined (logged) when it is not a Habitual user's. */
  async function lockForEvent(target: SubscriptionTarget, eventId: string, tx: Tx) {
    const row = await repository.lockForEvent(target.customerId, eventId, tx);
    if (!row) {
      deps.log.warn(
        { stripeCustomer: target.customerId, stripeSubscription: target.subscriptionId },
        'stripe: customer is not a Habitual user (deleted account, or created outside Habitual); ignored',
      );
    }
    return row;
  }

  /** The event settled from its own payload, in one transaction, or 'read' when Stripe must be asked. */
  async function settleFromPayload(event: StripeEventShape, target: SubscriptionTarget, recorded: RecordedEvent) {
    const payload = payloadSnapshot(event);
    return deps.db.transaction(async (tx): Promise<WebhookOutcome | 'read'> => {
      const row = await lockForEvent(target, event.id, tx);
      if (!row) return 'ignored';
      if (row.eventSeen) return 'duplicate';
      const verdict = verdictOf(row, target.subscriptionId, recorded.createdAt, payload);
      if (verdict === 'read') return 'read';
      if (!(await repository.recordEvent(recorded, tx))) return 'duplicate';
      if (verdict === 'store' && payload) {
        await repository.saveSubscription(
          row.userId,
          payload,
          { syncedAt: 'now', stateEventAt: recorded.createdAt },
          tx,
        );
      }
      return 'applied';
    });
  }

  /** The event settled by reading the subscription from Stripe (outside any transaction). */
  async function settleFromRead(gateway: StripeGateway, target: SubscriptionTarget, recorded: RecordedEvent) {
    const readAt = await repository.now();
    const snapshot = await gateway.retrieveSubscription(target.subscriptionId);
    return deps.db.transaction(async (tx): Promise<WebhookOutcome> => {
      const row = await lockForEvent(target, recorded.id, tx);
      if (!row) return 'ignored';
      if (row.eventSeen || !(await repository.recordEvent(recorded, tx))) return 'duplicate';
      const verdict = readVerdict(row, target.subscriptionId, recorded.createdAt, readAt, snapshot);
      if (verdict.action === 'none') return verdict.outcome;
      const at = { syncedAt: readAt, stateEventAt: verdict.stateEventAt };
      if (verdict.action === 'clear' || !snapshot) await repository.clearSubscription(row.userId, at, tx);
      else await repository.saveSubscription(row.userId, snapshot, at, tx);
      return 'applied';
    });
  }

  /** A subscription Stripe listed: stored when it is newer than the stored one. True: it changed. */
  async function syncListed(snapshot: SubscriptionSnapshot, listedAt: Date): Promise<boolean> {
    return deps.db.transaction(async (tx) => {
      const row = await repository.lockByCustomer(snapshot.customerId, tx);
      if (!row || listedVerdict(row, snapshot, listedAt) === 'keep') return false;
      await repository.saveSubscription(row.userId, snapshot, { syncedAt: listedAt }, tx);
      return true;
    });
  }

  /** A stored subscription Stripe did not list: read on its own, then stored or forgotten. */
  async function syncMissing(
    gateway: StripeGateway,
    stored: { stripeCustomerId: string; stripeSubscriptionId: string },
  ): Promise<'save' | 'clear' | 'keep'> {
    const readAt = await repository.now();
    const snapshot = await gateway.retrieveSubscription(stored.stripeSubscriptionId);
    return deps.db.transaction(async (tx) => {
      const locked = await repository.lockByCustomer(stored.stripeCustomerId, tx);
      const verdict = missingVerdict(locked, stored.stripeSubscriptionId, readAt, snapshot);
      if (!locked || verdict === 'keep') return 'keep';
      if (verdict === 'save' && snapshot) {
        await repository.saveSubscription(locked.userId, snapshot, { syncedAt: readAt }, tx);
      } else {
        await repository.clearSubscription(locked.userId, { syncedAt: readAt }, tx);
      }
      return verdict;
    });
  }

  return {
    /** True when the Stripe keys are configured; false: self-hosted (every method answers 503). */
    billingEnabled: deps.billing !== null,

    /** Checks the signature over the exact bytes received; throws a 400 for anything not from Stripe. */
    verifyWebhook(payload: unknown, signature: string): StripeEventShape {
      const { gateway, webhookSecret } = requireBilling(deps.billing);
      if (!Buffer.isBuffer(payload) || payload.length === 0) {
        throw new AppError('VALIDATION_ERROR', 'body: the event is missing', {
          details: [{ location: 'body', path: '', message: 'Required: the JSON event Stripe signed' }],
        });
      }
      let raw: unknown;
      try {
        raw = gateway.constructEvent(payload, signature, webhookSecret, deps.now().getTime());
      } catch (err) {
        throw signatureError(err);
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
      const { gateway } = requireBilling(deps.billing);
      const target = subscriptionTarget(event);
      if (!target) return 'ignored';
      const recorded = { id: event.id, type: event.type, createdAt: new Date(event.created * 1000) };
      const settled = await settleFromPayload(event, target, recorded);
      return settled === 'read' ? settleFromRead(gateway, target, recorded) : settled;
    },

    /**
     * Re-reads every subscription from Stripe and repairs what webhooks missed. Live
     * subscriptions of deleted accounts are reported, and cancelled with `cancelOrphans`.
     */
    async reconcile(options: { cancelOrphans?: boolean } = {}): Promise<ReconcileReport> {
      const { gateway } = requireBilling(deps.billing);
      const report: ReconcileReport = { checked: 0, updated: 0, cleared: 0, orphans: [], canceled: 0, prunedEvents: 0 };
      const rows = await repository.listAll();
      const customers = new Set(rows.map((r) => r.stripeCustomerId));
      const seen = new Set<string>();
      const listedAt = await repository.now();
      for await (const listed of gateway.listSubscriptions()) {
        report.checked += 1;
        seen.add(listed.id);
        if (customers.has(listed.customerId)) {
          if (await syncListed(listed, listedAt)) report.updated += 1;
        } else if (isOrphan(listed)) {
          report.orphans.push(listed.id);
          if (options.cancelOrphans) {
            await gateway.cancelSubscription(listed.id);
            report.canceled += 1;
          }
        }
      }
      // A stored subscription Stripe did not list is gone from Stripe (deleted test data).
      for (const row of rows) {
        if (!row.stripeSubscriptionId || seen.has(row.stripeSubscriptionId)) continue;
        const outcome = await syncMissing(gateway, { ...row, stripeSubscriptionId: row.stripeSubscriptionId });
        if (outcome !== 'keep') report.updated += 1;
        if (outcome === 'clear') report.cleared += 1;
      }
      report.prunedEvents = await repository.pruneEvents(new Date(deps.now().getTime() - EVENT_RETENTION_MS));
      return report;
    },
  };
}

export type SubscriptionSync = ReturnType<typeof createSubscriptionSync>;

function signatureError(err: unknown): AppError {
  if (err instanceof SyntaxError) {
    return new AppError('MALFORMED_BODY', 'The body is not valid JSON', { cause: err });
  }
  return new AppError(
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
