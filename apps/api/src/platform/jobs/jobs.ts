import type { FastifyBaseLogger } from 'fastify';
import { type Job, type JobWithMetadata, PgBoss, type QueueOptions } from 'pg-boss';
import type { DatabaseHandle, Tx } from '../db/client.js';
import { bossDatabaseInTransaction, createBossDatabase } from './boss-database.js';
import type { JobAttemptInfo, JobQueue } from './job-queue.js';
import { fromQueue, singletonId, toQueue } from './queue-names.js';

/** Retries of every queue unless it is configured otherwise (see docs/jobs.md). */
export const DEFAULT_RETRY = { limit: 5, delaySeconds: 15, maxDelaySeconds: 15 * 60 } as const;
/** pg-boss keeps its tables in this schema, next to ours. */
export const JOBS_SCHEMA = 'pgboss';

export interface JobsOptions {
  database: Pick<DatabaseHandle, 'executeSql' | 'driver'>;
  logger: FastifyBaseLogger;
  /** Run handlers in this process (WORKERS=on); off, `work()` registers nothing and only sends. */
  workers: boolean;
  /** Default retries of every queue; `configureQueue` overrides them per queue. */
  retry?: { limit: number; delaySeconds: number; maxDelaySeconds: number };
  /** How often an idle worker looks for jobs, in seconds (pg-boss minimum 0.5). */
  pollingIntervalSeconds?: number;
  /** How often the cron schedules are evaluated, in seconds (tests shorten it). */
  cronIntervalSeconds?: number;
  /** Shown in pg-boss's instance registry (e.g. `api`, `worker`). */
  instanceName?: string;
}

/** Counts of one queue, read from the database (so the same on every instance). */
export interface QueueCounts {
  name: string;
  ready: number;
  deferred: number;
  active: number;
  failed: number;
}

/** A job that used up its retries: the dead-letter state an operator lists and retries. */
export interface FailedJob {
  id: string;
  queue: string;
  data: unknown;
  /** The last error, as the handler threw it. */
  error: unknown;
  attempts: number;
  createdAt: Date;
  failedAt: Date | null;
}

/** What the metrics read: called once per finished attempt. */
export type JobObserver = (
  queue: string,
  outcome: 'completed' | 'failed',
  waitSeconds: number,
  runSeconds: number,
) => void;

export interface Jobs extends JobQueue {
  /** Enqueue inside the caller's transaction: the job exists if and only if the transaction commits. */
  sendInTransaction<T extends object>(
    tx: Tx,
    name: string,
    data: T,
    options?: { singletonKey?: string; startAfter?: Date },
  ): Promise<void>;
  /** Retries, expiry and retention of one queue; call before the first send or work of it. */
  configureQueue(name: string, options: QueueOptions): void;
  /**
   * Creates the queue (and starts pg-boss) if not done yet. `sendInTransaction` needs its queue
   * prepared first: on PGlite nothing can run beside an open transaction. `start()` prepares every
   * configured queue.
   */
  prepare(name: string): Promise<void>;
  /** Installs or upgrades pg-boss's schema if needed and starts the workers registered so far. */
  start(): Promise<void>;
  /** Stops fetching; running jobs get `timeoutMs` to finish, then return to the queue as a failed attempt. */
  stop(timeoutMs: number): Promise<void>;
  readonly workers: boolean;
  counts(): Promise<QueueCounts[]>;
  listFailed(options?: { queue?: string; limit?: number }): Promise<FailedJob[]>;
  /** Puts failed jobs back in their queue; without ids, every failed job of the queue. Returns how many. */
  retryFailed(queue: string, ids?: string[]): Promise<number>;
  /** Set by the metrics; null while nobody listens. */
  observer: JobObserver | null;
}

export function createJobs(options: JobsOptions): Jobs {
  const retry = options.retry ?? DEFAULT_RETRY;
  const log = options.logger.child({ component: 'jobs' });
  const boss = new PgBoss({
    db: createBossDatabase(options.database),
    backend: options.database.driver === 'pglite' ? 'pglite' : 'postgres',
    schema: JOBS_SCHEMA,
    // Maintenance (expiry, retention) and the cron pass run on the instances with workers, each
    // pass under pg-boss's advisory lock; an instance that only serves just sends.
    supervise: options.workers,
    schedule: options.workers,
    ...(options.cronIntervalSeconds ? { cronWorkerIntervalSeconds: options.cronIntervalSeconds } : {}),
    instanceName: options.instanceName ?? (options.workers ? 'api+workers' : 'api'),
    // The registry's heartbeat is a statement every 30 s; an instance that only sends keeps quiet.
    registerInstance: options.workers,
    openTelemetry: { enabled: false },
  });
  boss.on('error', (err: unknown) => log.error({ err }, 'job system error'));
  boss.on('warning', (warning: { message: string; data?: unknown }) =>
    log.warn({ data: warning.data }, `job system: ${warning.message}`),
  );

  const queueOptions = new Map<string, QueueOptions>();
  const created = new Map<string, Promise<void>>();
  const pendingWork: Array<() => Promise<void>> = [];
  let started: Promise<void> | null = null;

  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const ensureStarted = () => {
    if (!started) {
      const attempt = boss.start().then(() => undefined);
      // A start that failed (database down) is tried again by the next caller.
      attempt.catch(() => {
        if (started === attempt) started = null;
      });
      started = attempt;
    }
    return started;
  };
  const ready = new Set<string>();
  const ensureQueue = (name: string) => {
    let done = created.get(name);
    if (!done) {
      done = ensureStarted().then(async () => {
        const settings = {
          retryLimit: retry.limit,
          retryDelay: retry.delaySeconds,
          retryBackoff: true,
          retryDelayMax: retry.maxDelaySeconds,
          // Failed jobs stay listable for the operator this long (docs/jobs.md, dead letters).
          deleteAfterSeconds: 14 * 24 * 3600,
          ...queueOptions.get(name),
        };
        // An existing queue takes the settings of this release (e.g. a changed MAIL_RETRY_LIMIT).
        if (await boss.getQueue(name)) await boss.updateQueue(name, settings);
        else await boss.createQueue(name, settings);
      });
      done.then(() => ready.add(name)).catch(() => {});
      done.catch(() => created.delete(name));
      created.set(name, done);
    }
    return done;
  };
  const sendOptions = (name: string, options?: { singletonKey?: string; startAfter?: Date }) => ({
    ...(options?.singletonKey
      ? { id: singletonId(name, options.singletonKey), singletonKey: options.singletonKey }
      : {}),
    ...(options?.startAfter ? { startAfter: options.startAfter } : {}),
  });

  const jobs: Jobs = {
    workers: options.workers,
    observer: null,
    configureQueue(name, queue) {
      queueOptions.set(toQueue(name), queue);
    },
    async send(jobName, data, sendOpts) {
      const name = toQueue(jobName);
      await ensureQueue(name);
      await boss.send(name, data, sendOptions(name, sendOpts));
    },
    async prepare(jobName) {
      await ensureQueue(toQueue(jobName));
    },
    async sendInTransaction(tx, jobName, data, sendOpts) {
      const name = toQueue(jobName);
      // Creating the queue now would wait for the caller's transaction on PGlite's one connection.
      if (!ready.has(name)) throw new Error(`queue ${jobName} is not prepared: call jobs.prepare() first`);
      await boss.send(name, data, { ...sendOptions(name, sendOpts), db: bossDatabaseInTransaction(tx) });
    },
    async work<T extends object>(
      jobName: string,
      handler: (data: T, attempt: JobAttemptInfo) => Promise<void>,
      workOpts?: { concurrency?: number },
    ) {
      if (!options.workers) return;
      const name = toQueue(jobName);
      const register = async () => {
        await ensureQueue(name);
        await boss.work<T>(
          name,
          {
            batchSize: 1,
            localConcurrency: workOpts?.concurrency ?? 1,
            includeMetadata: true,
            pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
          },
          async (batch: Job<T>[]) => {
            // includeMetadata: true hands over the full rows.
            for (const job of batch as JobWithMetadata<T>[]) await runOne(jobName, job, handler);
          },
        );
      };
      if (started) await register();
      else pendingWork.push(register);
    },
    async schedule(jobName, cron, data) {
      const name = toQueue(jobName);
      const register = async () => {
        await ensureQueue(name);
        await boss.schedule(name, cron, data ?? null, { tz: 'UTC' });
      };
      if (started) await register();
      else pendingWork.push(register);
    },
    async start() {
      try {
        await ensureStarted();
        for (const name of queueOptions.keys()) await ensureQueue(name);
        while (pendingWork.length > 0) await pendingWork[0]?.().then(() => pendingWork.shift());
        log.info({ workers: options.workers }, 'job system started');
      } catch (err) {
        // The API serves without its database too (readiness says 503); the jobs follow once it is back.
        log.warn({ err }, 'job system could not start; trying again in 5 s');
        if (!stopped) {
          retryTimer = setTimeout(() => void jobs.start(), 5_000);
          retryTimer.unref();
        }
      }
    },
    async stop(timeoutMs) {
      stopped = true;
      clearTimeout(retryTimer);
      if (!started) return;
      await started.catch(() => {});
      // close: false: the database handle is ours, closed after the jobs have stopped.
      await boss.stop({ graceful: true, timeout: timeoutMs, close: false });
    },
    async counts() {
      await ensureStarted();
      // Counted now rather than read from pg-boss's queue cache, which its monitor refreshes each minute.
      const { rows } = await options.database.executeSql(
        `select name,
            count(*) filter (where state in ('created', 'retry') and start_after <= now())::int as ready,
            count(*) filter (where state in ('created', 'retry') and start_after > now())::int as deferred,
            count(*) filter (where state = 'active')::int as active,
            count(*) filter (where state = 'failed')::int as failed
          from ${JOBS_SCHEMA}.job where state in ('created', 'retry', 'active', 'failed') and name not like '\\_\\_pgboss%'
          group by name order by name`,
      );
      return rows.map((row) => ({
        name: fromQueue(String(row.name)),
        ready: Number(row.ready),
        deferred: Number(row.deferred),
        active: Number(row.active),
        failed: Number(row.failed),
      }));
    },
    async listFailed(listOpts) {
      await ensureStarted();
      const limit = Math.min(Math.max(listOpts?.limit ?? 100, 1), 1000);
      const queue = listOpts?.queue ? toQueue(listOpts.queue) : null;
      const { rows } = await options.database.executeSql(
        `select id, name, data, output, retry_count, created_on, completed_on from ${JOBS_SCHEMA}.job
          where state = 'failed' and ($1::text is null or name = $1) order by completed_on desc nulls last limit $2`,
        [queue, limit],
      );
      return rows.map((row) => ({
        id: String(row.id),
        queue: fromQueue(String(row.name)),
        data: row.data,
        error: row.output,
        attempts: Number(row.retry_count) + 1,
        createdAt: new Date(row.created_on as string),
        failedAt: row.completed_on ? new Date(row.completed_on as string) : null,
      }));
    },
    async retryFailed(queue, ids) {
      await ensureStarted();
      const targets = ids ?? (await jobs.listFailed({ queue, limit: 1000 })).map((job) => job.id);
      if (targets.length === 0) return 0;
      const result = await boss.retry(toQueue(queue), targets);
      return (result as { affected?: number }).affected ?? 0;
    },
  };

  async function runOne<T extends object>(
    name: string,
    job: JobWithMetadata<T>,
    handler: (data: T, attempt: JobAttemptInfo) => Promise<void>,
  ): Promise<void> {
    const startedAt = Date.now();
    const waitSeconds = Math.max(0, (startedAt - new Date(job.startAfter ?? job.createdOn).getTime()) / 1000);
    const last = job.retryCount >= job.retryLimit;
    try {
      await handler(job.data, { attempt: job.retryCount + 1, last });
      jobs.observer?.(name, 'completed', waitSeconds, (Date.now() - startedAt) / 1000);
    } catch (err) {
      jobs.observer?.(name, 'failed', waitSeconds, (Date.now() - startedAt) / 1000);
      log[last ? 'error' : 'warn'](
        { err, queue: name, jobId: job.id, attempt: job.retryCount + 1, of: job.retryLimit + 1 },
        last ? 'job failed for good (listed by npm run jobs:failed)' : 'job failed; it will be retried',
      );
      throw err;
    }
  }

  return jobs;
}
