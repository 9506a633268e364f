/**
 * The jobs that come from the modules, wired once for the API and the worker process alike
 * (called by buildApp). Each registers its handler (only where WORKERS=on) and its schedule.
 * The list of queues and what to watch is in docs/jobs.md.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { Database } from './platform/db/client.js';
import { type Jobs, registerCleanup } from './platform/jobs/index.js';
import type { MailOutboxService } from './platform/mail/index.js';

export const BILLING_RECONCILE_QUEUE = 'billing:reconcile';
/** Nightly at 02:43 UTC; the command `npm run billing:reconcile` does the same by hand. */
export const BILLING_RECONCILE_CRON = '43 2 * * *';

export interface ScheduledJobsDeps {
  jobs: Jobs;
  config: Pick<Config, 'OUTBOX_RETENTION_DAYS'>;
  db: Database;
  logger: FastifyBaseLogger;
  outbox: MailOutboxService;
  /** The subscription sync of the payments module (reconcile re-reads every subscription). */
  payments: { readonly billingEnabled: boolean; reconcile(): Promise<object> };
  now: () => Date;
}

export async function registerScheduledJobs(deps: ScheduledJobsDeps): Promise<void> {
  const { jobs, logger } = deps;
  // An instance without workers neither runs jobs nor keeps the schedules: the workers do both.
  if (!jobs.workers) return;
  await deps.outbox.startWorkers();
  await registerCleanup(jobs, {
    db: deps.db,
    logger,
    outboxRetentionDays: deps.config.OUTBOX_RETENTION_DAYS,
    deleteSentMailBefore: (cutoff) => deps.outbox.deleteSentBefore(cutoff),
    now: deps.now,
  });
  if (deps.payments.billingEnabled) {
    await jobs.work(BILLING_RECONCILE_QUEUE, async () => {
      const report = await deps.payments.reconcile();
      logger.info({ component: 'jobs', ...report }, 'billing reconciled');
    });
    await jobs.schedule(BILLING_RECONCILE_QUEUE, BILLING_RECONCILE_CRON);
  }
}
