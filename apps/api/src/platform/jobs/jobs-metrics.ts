import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Jobs } from './jobs.js';

/** Seconds; from a mail handed to a local SMTP server to a nightly reconciliation. */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/**
 * The job system in /metrics: queue depth by state (read from the database at scrape time, so
 * every instance reports the same queue), and per attempt run in this process its wait, its run
 * time and its outcome. What to watch is in docs/jobs.md.
 */
export function registerJobMetrics(registry: Registry, jobs: Pick<Jobs, 'counts' | 'observer'>): void {
  const registers = [registry];
  new Gauge({
    name: 'habitual_jobs_queued',
    help: 'Jobs per queue by state: ready (due, waiting for a worker), deferred (due later), active, failed (retries used up: dead letters).',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const q of await jobs.counts().catch(() => [])) {
        this.set({ queue: q.name, state: 'ready' }, q.ready);
        this.set({ queue: q.name, state: 'deferred' }, q.deferred);
        this.set({ queue: q.name, state: 'active' }, q.active);
        this.set({ queue: q.name, state: 'failed' }, q.failed);
      }
    },
  });
  const wait = new Histogram({
    name: 'habitual_job_wait_seconds',
    help: 'Time from a job being due to a worker of this process starting it (the queue latency).',
    labelNames: ['queue'],
    buckets: JOB_BUCKETS,
    registers,
  });
  const run = new Histogram({
    name: 'habitual_job_run_seconds',
    help: 'Time a handler of this process took per attempt, by outcome.',
    labelNames: ['queue', 'outcome'],
    buckets: JOB_BUCKETS,
    registers,
  });
  const failures = new Counter({
    name: 'habitual_job_failures_total',
    help: 'Attempts that threw in this process (each is retried until the retries are used up).',
    labelNames: ['queue'],
    registers,
  });
  jobs.observer = (queue, outcome, waitSeconds, runSeconds) => {
    wait.observe({ queue }, waitSeconds);
    run.observe({ queue, outcome }, runSeconds);
    if (outcome === 'failed') failures.inc({ queue });
  };
}
