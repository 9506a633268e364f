import type { AccountPart } from '../../platform/account.js';
import type { Database } from '../../platform/db/client.js';
import type { OutboundPolicy } from '../../platform/outbound-url.js';
import type { HabitsService } from '../habits/index.js';
import type { InsightsService } from '../insights/index.js';
import type { ProfileReader } from '../users/index.js';
import { createReminderDelivery } from './delivery.js';
import { createDigests } from './digest.js';
import { createDigestRepository } from './digest-repository.js';
import { deriveOneTapKey } from './domain/one-tap-token.js';
import type { ReminderJobs, ReminderLog, ReminderMailOutbox } from './ports.js';
import { createPushSender, type VapidKeys } from './push.js';
import { createRemindersRepository } from './repository.js';
import { remindersRoutes } from './routes.js';
import { createRemindersService, toReminder } from './service.js';

export type { ReminderJobs, ReminderMailOutbox } from './ports.js';

/** The job that drives `tick`; scheduled every minute when a job queue is given. */
export const REMINDERS_TICK_JOB = 'reminders.tick';
/** Daily housekeeping of old deliveries and used one-tap links (03:17 UTC). */
export const REMINDERS_CLEANUP_JOB = 'reminders.cleanup';

export interface RemindersModuleDeps {
  db: Database;
  habits: Pick<HabitsService, 'getHabit' | 'putCheckIn'>;
  /** The user's zone, day-start hour and address (read before the users module is built). */
  users: ProfileReader;
  /** The statistics summary the daily digest is built from. */
  insights: Pick<InsightsService, 'summary'>;
  /** Null turns Web Push off (no VAPID keys): subscribing answers 503, push reminders are not sent. */
  vapid: VapidKeys | null;
  outbound: OutboundPolicy;
  /** Email reminders go through the outbox; null sends push only. */
  mailOutbox: ReminderMailOutbox | null;
  /** The server secret; the one-tap signing key is derived from it. */
  secret: string;
  /** The web app, for the links in reminders (`/habits/:id`, `/one-tap?token=`). */
  appUrl: string;
  now: () => Date;
  log: ReminderLog;
}

export function createRemindersModule(deps: RemindersModuleDeps) {
  const repository = createRemindersRepository(deps.db);
  const push = deps.vapid ? createPushSender({ vapid: deps.vapid, policy: deps.outbound }) : null;
  const oneTapKey = deriveOneTapKey(deps.secret);
  const service = createRemindersService({ ...deps, repository, push, oneTapKey });
  const delivery = createReminderDelivery({ ...deps, repository, push, oneTapKey });
  const digestRepository = createDigestRepository(deps.db);
  const digests = createDigests({ ...deps, repository: digestRepository });

  /** Recomputes the user's reminders and digest after a change of time zone or day-start hour. */
  async function rescheduleUser(userId: string): Promise<void> {
    await service.rescheduleUser(userId);
    await digests.rescheduleUser(userId);
  }

  /** One minute's work: due reminders, then due digests. */
  async function tick(now?: Date) {
    const reminders = await delivery.tick(now);
    const digestsSent = await digests.sendDue(now);
    return { ...reminders, digests: digestsSent };
  }

  const account: AccountPart = {
    exportSections: {
      reminders: async function* (userId) {
        for (const row of await repository.remindersOfUser(userId)) {
          yield { habitId: row.habitId, ...toReminder(row, false) };
        }
      },
      digest: async function* (userId) {
        yield await digests.get(userId);
      },
      pushSubscriptions: async function* (userId) {
        // Endpoints only: the keys are the browser's secrets.
        for (const row of await repository.subscriptionsOf(userId)) {
          yield { endpoint: row.endpoint, createdAt: row.createdAt.toISOString() };
        }
      },
    },
    deleteAccount: async (userId, tx) => {
      await repository.deleteAllOf(userId, tx);
      await digestRepository.removeIn(userId, tx);
    },
  };

  return {
    service,
    delivery,
    digests,
    rescheduleUser,
    tick,
    routes: remindersRoutes(service, digests),
    account,
    /** Runs `tick` every minute on the job queue (pg-boss de-duplicates the schedule across instances). */
    async start(jobs: ReminderJobs): Promise<void> {
      await jobs.work(REMINDERS_TICK_JOB, async () => {
        await tick();
      });
      await jobs.schedule(REMINDERS_TICK_JOB, '* * * * *');
      await jobs.work(REMINDERS_CLEANUP_JOB, async () => {
        await delivery.cleanup();
      });
      await jobs.schedule(REMINDERS_CLEANUP_JOB, '17 3 * * *');
    },
  };
}

export type RemindersModule = ReturnType<typeof createRemindersModule>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The reminders use cases app.ts wired (for the worker process and tests: `tick(now)`, `rescheduleUser`). */
    readonly reminders: Pick<RemindersModule, 'service' | 'delivery' | 'digests' | 'rescheduleUser' | 'tick'>;
  }
}
