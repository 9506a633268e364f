/**
 * The job system: one durable queue and scheduler (pg-boss) on the database the API already uses,
 * PostgreSQL or the embedded PGlite, through the same code. See docs/jobs.md.
 */
export { registerCleanup } from './cleanup.js';
export { createJobs, type Jobs, type JobsOptions } from './jobs.js';
export { registerJobMetrics } from './jobs-metrics.js';
