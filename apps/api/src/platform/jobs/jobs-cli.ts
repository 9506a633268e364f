/**
 * `npm run jobs:failed [-- <queue>]` lists the jobs that used up their retries (the dead letters),
 * newest first, with their last error; `npm run jobs:retry -- <queue> [<job id> ...]` puts them
 * (or all failed jobs of the queue) back in their queue. See docs/jobs.md.
 */
import { ConfigError, loadConfig } from '../../config.js';
import { openDatabase } from '../db/open.js';
import { createLogger } from '../logger.js';
import { createJobs } from './jobs.js';

async function main(): Promise<void> {
  const [command, queue, ...ids] = process.argv.slice(2);
  if (command !== 'failed' && command !== 'retry')
    throw new Error('usage: jobs-cli.ts failed [queue] | retry <queue> [id ...]');
  if (command === 'retry' && !queue) throw new Error('name the queue: npm run jobs:retry -- mail:send [job id ...]');
  const config = loadConfig();
  const logger = createLogger({ ...config, LOG_LEVEL: 'warn' });
  const database = await openDatabase(config);
  const jobs = createJobs({ database, logger, workers: false, instanceName: 'jobs-cli' });
  try {
    if (command === 'failed') {
      const failed = await jobs.listFailed(queue ? { queue, limit: 1000 } : { limit: 1000 });
      for (const job of failed) {
        const error = (job.error as { message?: unknown } | null)?.message ?? JSON.stringify(job.error);
        process.stdout.write(
          `${job.failedAt?.toISOString() ?? '-'}  ${job.queue}  ${job.id}  attempts=${job.attempts}  ${String(error).slice(0, 200)}\n`,
        );
      }
      process.stdout.write(`${failed.length} failed job(s)${queue ? ` in ${queue}` : ''}\n`);
    } else {
      const retried = await jobs.retryFailed(queue as string, ids.length > 0 ? ids : undefined);
      process.stdout.write(`${retried} job(s) of ${queue} back in the queue\n`);
    }
  } finally {
    await jobs.stop(1_000);
    await database.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
