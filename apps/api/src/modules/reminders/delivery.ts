/**
 * Delivering reminders: `tick(now)` claims every reminder whose fire instant has come, records one
 * delivery per (habit, local day, reminder time) — the key that makes a reminder reach the user at
 * most once — advances the reminder to its next fire, and delivers what it claimed.
 *
 * Claiming and advancing happen in one transaction (rows locked with SKIP LOCKED, so concurrent
 * ticks on several instances split the work). The delivery row then carries a lease: if the
 * instance dies before finishing, a later tick on any instance takes the delivery over once the
 * lease has run out, so a reminder is delivered once, not zero times.
 */
import { isAppError } from '../../platform/app-error.js';
import { createOneTapToken } from './domain/one-tap-token.js';
import { formatTimeOfDay, nextFireAtOrAfter } from './domain/schedule.js';
import type { ReminderLog, ReminderMailOutbox } from './ports.js';
import type { PushSender } from './push.js';
import type { DeliveryRow, NewDeliveryRow, RemindersRepository, SubscriptionRow } from './repository.js';
import { type RemindersServiceDeps, scheduleOf } from './service.js';

/** A claimed delivery is this instance's for this long; then another tick may take it over. */
export const DELIVERY_LEASE_MS = 2 * 60_000;
/** A reminder more than this late (the service was down) is recorded as skipped, not sent. */
export const LATE_LIMIT_MS = 60 * 60_000;
/** Attempts before a delivery is given up (`failed`). */
export const MAX_ATTEMPTS = 5;
/** One-tap links work this long after the reminder fired. */
export const ONE_TAP_TTL_MS = 36 * 3_600_000;
const CLAIM_BATCH = 500;
const CONCURRENCY = 32;
/** Deliveries whose push subscriptions are read in one query. */
const SUBSCRIPTION_CHUNK = 500;

export interface TickResult {
  claimed: number;
  sent: number;
  skipped: number;
  retry: number;
}

export interface DeliveryDeps extends Pick<RemindersServiceDeps, 'habits' | 'users' | 'oneTapKey' | 'now'> {
  repository: RemindersRepository;
  push: PushSender | null;
  mailOutbox: ReminderMailOutbox | null;
  appUrl: string;
  log: ReminderLog;
}

type Outcome = 'sent' | 'skipped' | 'retry';

export function createReminderDelivery(deps: DeliveryDeps) {
  const { repository: repo, log } = deps;

  /** Claims due reminders in batches; returns the deliveries this call owns. */
  async function claimDue(now: Date): Promise<DeliveryRow[]> {
    const owned: DeliveryRow[] = [];
    for (;;) {
      const { batch, rows } = await repo.transaction(async (tx) => {
        const due = await repo.lockDue(now, CLAIM_BATCH, tx);
        const deliveries: NewDeliveryRow[] = [];
        const advanced: Array<{ id: string; nextFireAt: Date; nextFireDay: string }> = [];
        for (const r of due) {
          const late = now.getTime() - r.nextFireAt.getTime() > LATE_LIMIT_MS;
          deliveries.push({
            habitId: r.habitId,
            day: r.nextFireDay,
            minuteOfDay: r.minuteOfDay,
            userId: r.userId,
            fireAt: r.nextFireAt,
            onlyIfNotDone: r.onlyIfNotDone,
            pushChannel: r.pushChannel,
            emailChannel: r.emailChannel,
            state: late ? 'skipped' : 'pending',
            outcome: late ? 'late' : null,
            leaseUntil: new Date(now.getTime() + DELIVERY_LEASE_MS),
            attempts: 1,
            finishedAt: late ? now : null,
          });
          // From just after this fire; after an outage, from the start of the late window.
          const from = Math.max(r.nextFireAt.getTime() + 1, now.getTime() - LATE_LIMIT_MS);
          const clock = { timezone: r.timezone, dayStartHour: r.dayStartHour };
          const next = nextFireAtOrAfter(scheduleOf(r), clock, new Date(from));
          if (next) advanced.push({ id: r.id, nextFireAt: next.at, nextFireDay: next.day });
        }
        await repo.setNextFires(advanced, tx);
        const inserted = await repo.insertDeliveries(deliveries, tx);
        return { batch: due.length, rows: inserted.filter((d) => d.state === 'pending') };
      });
      owned.push(...rows);
      if (batch < CLAIM_BATCH) return owned;
    }
  }

  async function deliverOne(d: DeliveryRow, now: Date, subscriptions?: SubscriptionRow[]): Promise<Outcome> {
    let habit: Awaited<ReturnType<DeliveryDeps['habits']['getHabit']>>;
    try {
      habit = await deps.habits.getHabit(d.userId, d.habitId);
    } catch (err) {
      if (!isAppError(err) || err.code !== 'NOT_FOUND') throw err;
      await repo.deleteRemindersOfHabit(d.userId, d.habitId);
      await repo.finishDelivery(d, 'skipped', 'habit_deleted', now);
      return 'skipped';
    }
    if (habit.archived) {
      await repo.finishDelivery(d, 'skipped', 'archived', now);
      return 'skipped';
    }
    const settled = ['done', 'skipped', 'auto'].includes(habit.summary.status);
    if (d.onlyIfNotDone && habit.summary.today === d.day && settled) {
      await repo.finishDelivery(d, 'skipped', `day_${habit.summary.status}`, now);
      return 'skipped';
    }
    const oneTapToken =
      habit.type === 'boolean'
        ? createOneTapToken(deps.oneTapKey, {
            userId: d.userId,
            habitId: d.habitId,
            day: d.day,
            expiresAt: d.fireAt.getTime() + ONE_TAP_TTL_MS,
          })
        : null;
    const time = formatTimeOfDay(d.minuteOfDay);
    const streak = habit.summary.currentStreak?.length ?? 0;
    const body = streak > 1 ? `Keep your ${streak}-day streak going.` : `Time for ${habit.name}.`;
    if (d.pushChannel && !d.pushDone && deps.push) {
      const payload = JSON.stringify({
        type: 'reminder',
        title: habit.name,
        body,
        tag: `habit-${d.habitId}-${d.day}`,
        data: { habitId: d.habitId, day: d.day, time, oneTapToken, url: `${deps.appUrl}/habits/${d.habitId}` },
      });
      if (!(await pushToAll(d.userId, payload, subscriptions))) return 'retry';
      if (!d.emailChannel) {
        await repo.finishPushed(d, now);
        return 'sent';
      }
      await repo.markPushDone(d);
    }
    if (d.emailChannel && deps.mailOutbox) {
      const me = await deps.users.getMe(d.userId);
      const link = oneTapToken ? `\n\nDone already? ${deps.appUrl}/one-tap?token=${oneTapToken}` : '';
      const outbox = deps.mailOutbox;
      await repo.transaction(async (tx) => {
        await outbox.enqueue(
          {
            to: me.email,
            subject: `Reminder: ${habit.name}`,
            text: `${body} (${time}, ${d.day})${link}\n`,
            kind: 'reminder',
            dedupeKey: `reminder:${d.habitId}:${d.day}:${d.minuteOfDay}`,
          },
          tx,
        );
        await repo.finishDelivery(d, 'sent', null, now, tx);
      });
      return 'sent';
    }
    const outcome = d.emailChannel && !deps.mailOutbox ? 'email_unavailable' : null;
    await repo.finishDelivery(d, 'sent', outcome, now);
    return 'sent';
  }

  /** True when the push went out to at least one browser, or there is nothing to push to. */
  async function pushToAll(userId: string, payload: string, prefetched?: SubscriptionRow[]): Promise<boolean> {
    const push = deps.push as PushSender;
    const subscriptions = prefetched ?? (await repo.subscriptionsOf(userId));
    let sent = 0;
    let failed = 0;
    for (const sub of subscriptions) {
      const result = await push.send(sub, payload);
      if (result.kind === 'sent') sent++;
      else if (result.kind === 'gone') await repo.deleteSubscriptionById(sub.id);
      else {
        failed++;
        log.warn({ userId, reason: result.reason }, 'push delivery failed');
      }
    }
    return sent > 0 || failed === 0;
  }

  async function deliverSafely(d: DeliveryRow, now: Date, subscriptions?: SubscriptionRow[]): Promise<Outcome> {
    try {
      const outcome = await deliverOne(d, now, subscriptions);
      if (outcome === 'retry' && d.attempts >= MAX_ATTEMPTS) {
        await repo.finishDelivery(d, 'failed', 'push_failed', now);
        return 'skipped';
      }
      return outcome;
    } catch (err) {
      log.error({ err, habitId: d.habitId, day: d.day }, 'reminder delivery failed; retried after its lease');
      if (d.attempts >= MAX_ATTEMPTS) await repo.finishDelivery(d, 'failed', String(err).slice(0, 200), now);
      return 'retry';
    }
  }

  /** The push subscriptions of the chunk's users that still need a push, by user (one query). */
  async function subscriptionsByUser(chunk: DeliveryRow[]): Promise<Map<string, SubscriptionRow[]>> {
    const byUser = new Map<string, SubscriptionRow[]>();
    if (!deps.push) return byUser;
    const users = [...new Set(chunk.filter((d) => d.pushChannel && !d.pushDone).map((d) => d.userId))];
    try {
      const rows = await repo.subscriptionsOfUsers(users);
      for (const user of users) byUser.set(user, []);
      for (const sub of rows) byUser.get(sub.userId)?.push(sub);
    } catch (err) {
      // Each delivery then reads its own (and fails, to be retried, on its own).
      log.warn({ err }, 'reading push subscriptions for a chunk of deliveries failed');
    }
    return byUser;
  }

  async function deliverAll(deliveries: DeliveryRow[], now: Date, result: TickResult): Promise<void> {
    for (let start = 0; start < deliveries.length; start += SUBSCRIPTION_CHUNK) {
      const chunk = deliveries.slice(start, start + SUBSCRIPTION_CHUNK);
      const subscriptions = await subscriptionsByUser(chunk);
      let next = 0;
      const worker = async () => {
        while (next < chunk.length) {
          const d = chunk[next++] as DeliveryRow;
          result[await deliverSafely(d, now, subscriptions.get(d.userId))]++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, chunk.length) }, worker));
    }
  }

  return {
    claimDue,

    /** Daily housekeeping: deliveries older than 30 days, one-tap records past their expiry. */
    async cleanup(now: Date = deps.now()): Promise<void> {
      await repo.cleanup(new Date(now.getTime() - 30 * 86_400_000), now);
    },

    /** Claims and delivers every due reminder, and takes over deliveries abandoned by a dead instance. */
    async tick(now: Date = deps.now()): Promise<TickResult> {
      const claimed = await claimDue(now);
      const abandoned = await repo.claimAbandoned(now, new Date(now.getTime() + DELIVERY_LEASE_MS), CLAIM_BATCH);
      const result: TickResult = { claimed: claimed.length + abandoned.length, sent: 0, skipped: 0, retry: 0 };
      await deliverAll([...claimed, ...abandoned], now, result);
      return result;
    },
  };
}
