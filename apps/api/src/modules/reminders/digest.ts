/**
 * The daily digest: settings, and `sendDue(now)`, run by the same tick as the reminders. The
 * digest is built from the insights module's statistics summary before the row is locked (the
 * summary reads through other modules, which must not wait on our transaction), then the mail is
 * written to the outbox in the transaction that advances the row, so a day's digest goes out once.
 */
import type { DigestSettings, PutDigest } from '@habitual/shared';
import type { InsightsService } from '../insights/index.js';
import type { UsersService } from '../users/index.js';
import type { DigestRepository, DigestRow } from './digest-repository.js';
import { buildDigestMail } from './domain/digest-mail.js';
import { formatTimeOfDay, nextFireAtOrAfter, parseTimeOfDay, type UserClock } from './domain/schedule.js';
import type { ReminderLog, ReminderMailOutbox } from './ports.js';

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
/** A digest more than this late (the service was down) waits for the next day. */
const DIGEST_LATE_LIMIT_MS = 3 * 3_600_000;
const BATCH = 200;

export interface DigestDeps {
  repository: DigestRepository;
  insights: Pick<InsightsService, 'summary'>;
  users: Pick<UsersService, 'getMe'>;
  mailOutbox: ReminderMailOutbox | null;
  appUrl: string;
  now: () => Date;
  log: ReminderLog;
}

function nextSend(minuteOfDay: number, clock: UserClock, from: Date) {
  const fire = nextFireAtOrAfter({ minuteOfDay, weekdays: EVERY_DAY }, clock, from);
  if (!fire) throw new Error('unreachable: every day is a digest day');
  return { nextSendAt: fire.at, nextSendDay: fire.day };
}

function toSettings(row: DigestRow | undefined): DigestSettings {
  if (!row) return { enabled: false, time: null, nextSendAt: null };
  return { enabled: true, time: formatTimeOfDay(row.minuteOfDay), nextSendAt: row.nextSendAt.toISOString() };
}

export function createDigests(deps: DigestDeps) {
  const { repository: repo } = deps;

  async function clockOf(userId: string): Promise<UserClock & { email: string }> {
    const me = await deps.users.getMe(userId);
    return { timezone: me.timezone, dayStartHour: me.dayStartHour, email: me.email };
  }

  async function sendOne(row: DigestRow, now: Date): Promise<boolean> {
    const outbox = deps.mailOutbox as ReminderMailOutbox;
    const clock = { timezone: row.timezone, dayStartHour: row.dayStartHour };
    const after = nextSend(row.minuteOfDay, clock, new Date(Math.max(row.nextSendAt.getTime() + 1, now.getTime())));
    const late = now.getTime() - row.nextSendAt.getTime() > DIGEST_LATE_LIMIT_MS;
    const me = await clockOf(row.userId);
    const summary = late ? null : await deps.insights.summary(row.userId);
    const mail = summary ? buildDigestMail(summary, deps.appUrl) : null;
    return repo.transaction(async (tx) => {
      const locked = await repo.lockDue(row.userId, row.nextSendDay, now, tx);
      if (!locked) return false;
      if (mail) {
        await outbox.enqueue(
          { to: me.email, ...mail, kind: 'digest', dedupeKey: `digest:${row.userId}:${row.nextSendDay}` },
          tx,
        );
      }
      await repo.advance(row.userId, after, tx);
      return mail !== null;
    });
  }

  return {
    async get(userId: string): Promise<DigestSettings> {
      await deps.users.getMe(userId);
      return toSettings(await repo.find(userId));
    },

    async put(userId: string, input: PutDigest): Promise<DigestSettings> {
      const clock = await clockOf(userId);
      if (!input.enabled || input.time === undefined) {
        await repo.remove(userId);
        return toSettings(undefined);
      }
      const minuteOfDay = parseTimeOfDay(input.time);
      const row = await repo.upsert({
        userId,
        minuteOfDay,
        timezone: clock.timezone,
        dayStartHour: clock.dayStartHour,
        ...nextSend(minuteOfDay, clock, deps.now()),
      });
      return toSettings(row);
    },

    /** A profile change of time zone or day-start hour: the next digest in the new clock. */
    async rescheduleUser(userId: string): Promise<void> {
      const row = await repo.find(userId);
      if (!row) return;
      const clock = await clockOf(userId);
      await repo.upsert({
        ...row,
        timezone: clock.timezone,
        dayStartHour: clock.dayStartHour,
        ...nextSend(row.minuteOfDay, clock, deps.now()),
      });
    },

    /** Sends every due digest through the outbox; returns how many were written. Needs the outbox. */
    async sendDue(now: Date = deps.now()): Promise<number> {
      if (!deps.mailOutbox) return 0;
      let sent = 0;
      for (const row of await repo.due(now, BATCH)) {
        try {
          if (await sendOne(row, now)) sent++;
        } catch (err) {
          deps.log.error({ err, userId: row.userId }, 'daily digest failed; retried on the next tick');
        }
      }
      return sent;
    },
  };
}

export type Digests = ReturnType<typeof createDigests>;
