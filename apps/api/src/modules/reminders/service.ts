import {
  type CheckIn,
  MAX_PUSH_SUBSCRIPTIONS_PER_USER,
  type PushSubscription,
  type PushSubscriptionInput,
  type PutReminders,
  type Reminder,
  ReminderInput,
  type ReminderList,
  type SnoozedReminder,
} from '@habitual/shared';
import { AppError } from '../../platform/app-error.js';
import { checkOutboundUrl, type OutboundPolicy, OutboundUrlError } from '../../platform/outbound-url.js';
import { localToday } from '../habits/domain/index.js';
import type { HabitsService } from '../habits/index.js';
import type { UsersService } from '../users/index.js';
import { verifyOneTapToken } from './domain/one-tap-token.js';
import {
  formatTimeOfDay,
  nextFireAtOrAfter,
  parseTimeOfDay,
  type ReminderSchedule,
  type UserClock,
} from './domain/schedule.js';
import type { PushSender } from './push.js';
import type { NewReminderRow, ReminderRow, RemindersRepository } from './repository.js';

export interface RemindersServiceDeps {
  repository: RemindersRepository;
  habits: Pick<HabitsService, 'getHabit' | 'putCheckIn'>;
  users: Pick<UsersService, 'getMe'>;
  push: PushSender | null;
  outbound: OutboundPolicy;
  oneTapKey: Buffer;
  now: () => Date;
}

function invalid(path: string, message: string, code = 'invalid'): AppError {
  return new AppError('VALIDATION_ERROR', `body.${path}: ${message}`, {
    details: [{ location: 'body', path, message, code }],
  });
}

const pushOff = () =>
  new AppError('SERVICE_UNAVAILABLE', 'Web Push is not configured on this server (VAPID keys are not set)');

export function weekdaysOfMask(mask: number): number[] {
  return [1, 2, 3, 4, 5, 6, 7].filter((d) => (mask & (1 << (d - 1))) !== 0);
}

export function scheduleOf(row: Pick<ReminderRow, 'minuteOfDay' | 'weekdayMask'>): ReminderSchedule {
  return { minuteOfDay: row.minuteOfDay, weekdays: weekdaysOfMask(row.weekdayMask) };
}

export function toReminder(row: ReminderRow, archived: boolean): Reminder {
  return {
    time: formatTimeOfDay(row.minuteOfDay),
    weekdays: weekdaysOfMask(row.weekdayMask),
    onlyIfNotDone: row.onlyIfNotDone,
    channels: [...(row.pushChannel ? (['push'] as const) : []), ...(row.emailChannel ? (['email'] as const) : [])],
    nextFireAt: archived ? null : row.nextFireAt.toISOString(),
    nextFireDay: archived ? null : row.nextFireDay,
  };
}

/** Reminder settings, snoozes, push subscriptions and one-tap check-ins. */
export function createRemindersService(deps: RemindersServiceDeps) {
  const { repository: repo } = deps;

  async function clockOf(userId: string): Promise<UserClock> {
    const me = await deps.users.getMe(userId);
    return { timezone: me.timezone, dayStartHour: me.dayStartHour };
  }

  function nextFire(schedule: ReminderSchedule, clock: UserClock, from: Date) {
    const fire = nextFireAtOrAfter(schedule, clock, from);
    // Validation requires a weekday, so there is always a next fire within eight days.
    if (!fire) throw new Error('a reminder without weekdays');
    return fire;
  }

  return {
    /** NOT_FOUND unless the habit exists and is the user's. */
    async assertOwnHabit(userId: string, habitId: string): Promise<void> {
      await deps.habits.getHabit(userId, habitId);
    },

    async getReminders(userId: string, habitId: string): Promise<ReminderList> {
      const habit = await deps.habits.getHabit(userId, habitId);
      const rows = await repo.remindersOfHabit(userId, habitId);
      return { reminders: rows.map((row) => toReminder(row, habit.archived)) };
    },

    async putReminders(userId: string, habitId: string, input: PutReminders): Promise<ReminderList> {
      const habit = await deps.habits.getHabit(userId, habitId);
      const clock = await clockOf(userId);
      const now = deps.now();
      const rows: NewReminderRow[] = input.reminders.map((raw) => {
        const r = ReminderInput.parse(raw);
        const schedule = { minuteOfDay: parseTimeOfDay(r.time), weekdays: r.weekdays };
        const fire = nextFire(schedule, clock, now);
        return {
          userId,
          habitId,
          minuteOfDay: schedule.minuteOfDay,
          weekdayMask: r.weekdays.reduce((mask, d) => mask | (1 << (d - 1)), 0),
          onlyIfNotDone: r.onlyIfNotDone,
          pushChannel: r.channels.includes('push'),
          emailChannel: r.channels.includes('email'),
          timezone: clock.timezone,
          dayStartHour: clock.dayStartHour,
          nextFireAt: fire.at,
          nextFireDay: fire.day,
        };
      });
      await repo.transaction((tx) => repo.replaceReminders(userId, habitId, rows, tx));
      const stored = await repo.remindersOfHabit(userId, habitId);
      return { reminders: stored.map((row) => toReminder(row, habit.archived)) };
    },

    /** Moves the habit's next reminder of today (the user's local day) `minutes` later. */
    async snooze(userId: string, habitId: string, minutes: number): Promise<SnoozedReminder> {
      await deps.habits.getHabit(userId, habitId);
      const clock = await clockOf(userId);
      const today = localToday(deps.now(), clock.timezone, clock.dayStartHour);
      const rows = await repo.remindersOfHabit(userId, habitId);
      const next = rows
        .filter((row) => row.nextFireDay === today)
        .sort((a, b) => a.nextFireAt.getTime() - b.nextFireAt.getTime())[0];
      if (!next) throw new AppError('CONFLICT', 'No reminder of this habit is left today');
      const firesAt = new Date(next.nextFireAt.getTime() + minutes * 60_000);
      await repo.setSchedule(next.id, { nextFireAt: firesAt, nextFireDay: next.nextFireDay });
      return { time: formatTimeOfDay(next.minuteOfDay), day: next.nextFireDay, firesAt: firesAt.toISOString() };
    },

    /**
     * Recomputes every reminder of the user in their current time zone and day-start hour. The
     * users module calls it after a profile change of either (snoozes are dropped).
     */
    async rescheduleUser(userId: string): Promise<void> {
      const clock = await clockOf(userId);
      const now = deps.now();
      for (const row of await repo.remindersOfUser(userId)) {
        const fire = nextFire(scheduleOf(row), clock, now);
        await repo.setSchedule(row.id, { ...clock, nextFireAt: fire.at, nextFireDay: fire.day });
      }
    },

    vapidPublicKey(): { publicKey: string } {
      if (!deps.push) throw pushOff();
      return { publicKey: deps.push.publicKey };
    },

    async subscribe(userId: string, input: PushSubscriptionInput): Promise<PushSubscription> {
      if (!deps.push) throw pushOff();
      try {
        checkOutboundUrl(input.endpoint, deps.outbound);
      } catch (err) {
        if (err instanceof OutboundUrlError) throw invalid('endpoint', err.message, 'outbound_url');
        throw err;
      }
      const known = await repo.hasSubscription(userId, input.endpoint);
      if (!known && (await repo.countSubscriptions(userId)) >= MAX_PUSH_SUBSCRIPTIONS_PER_USER) {
        throw new AppError(
          'CONFLICT',
          `At most ${MAX_PUSH_SUBSCRIPTIONS_PER_USER} browsers can be subscribed; remove one first`,
        );
      }
      const row = await repo.upsertSubscription({
        userId,
        endpoint: input.endpoint,
        p256dh: input.keys.p256dh,
        auth: input.keys.auth,
      });
      return { endpoint: row.endpoint, createdAt: row.createdAt.toISOString() };
    },

    async unsubscribe(userId: string, endpoint: string): Promise<void> {
      if (!(await repo.deleteSubscription(userId, endpoint))) {
        throw new AppError('NOT_FOUND', 'Push subscription not found');
      }
    },

    /** Checks the habit of a one-tap link in as done on the link's day; each link works once. */
    async oneTapCheckIn(token: string): Promise<CheckIn> {
      const now = deps.now();
      const verdict = verifyOneTapToken(deps.oneTapKey, token, now);
      if (!verdict.ok) {
        const message = verdict.reason === 'expired' ? 'the link has expired' : 'is not a valid one-tap check-in link';
        throw invalid('token', message, verdict.reason);
      }
      const { claims } = verdict;
      // An account deleted since the link was sent: 404 here rather than a foreign-key error below.
      await deps.users.getMe(claims.userId);
      const fresh = await repo.consumeOneTap({
        tokenId: claims.id,
        userId: claims.userId,
        habitId: claims.habitId,
        day: claims.day,
        expiresAt: new Date(claims.expiresAt),
      });
      if (!fresh) throw new AppError('CONFLICT', 'This one-tap link has been used already');
      try {
        const written = await deps.habits.putCheckIn(claims.userId, claims.habitId, claims.day, { status: 'done' });
        return written.checkIn;
      } catch (err) {
        // The check-in did not happen (habit deleted, or an outage): the link stays usable.
        await repo.releaseOneTap(claims.id);
        throw err;
      }
    },
  };
}

export type RemindersService = ReturnType<typeof createRemindersService>;
