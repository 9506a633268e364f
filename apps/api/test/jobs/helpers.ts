import type { Logger } from 'pino';
import { loadConfig } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { createJobs, type Jobs, type JobsOptions } from '../../src/platform/jobs/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { LogCapture, TEST_ENV } from '../helpers/setup.js';

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 45_000,
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function testLogger(): { logger: Logger; logs: LogCapture } {
  const logs = new LogCapture();
  return { logger: createLogger(loadConfig(TEST_ENV), logs.stream), logs };
}

const started = new Set<Jobs>();

/** A job system on `database` with fast polling; stopped by stopAllJobs. */
export function testJobs(database: DatabaseHandle, options: Partial<JobsOptions> = {}): Jobs {
  const jobs = createJobs({
    database,
    logger: testLogger().logger,
    workers: true,
    pollingIntervalSeconds: 0.5,
    retry: { limit: 2, delaySeconds: 1, maxDelaySeconds: 4 },
    ...options,
  });
  started.add(jobs);
  return jobs;
}

export async function stopAllJobs(): Promise<void> {
  await Promise.allSettled([...started].map((jobs) => jobs.stop(1_000)));
  started.clear();
}
