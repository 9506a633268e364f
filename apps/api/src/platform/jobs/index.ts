/**
 * The job system: one durable queue and scheduler (pg-boss) on the database the API already uses,
 * PostgreSQL or the embedded PGlite, through the same code. See docs/jobs.md.
 */
export { createBossDatabase } from './boss-database.js';
export { type CleanupSettings, registerCleanup } from './cleanup.js';
export type { JobAttemptInfo, JobQueue } from './job-queue.js';
export { createJobs, type FailedJob, type Jobs, type JobsOptions, type QueueCounts } from './jobs.js';
export { registerJobMetrics } from './jobs-metrics.js';
