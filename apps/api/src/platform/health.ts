import { HealthLive, HealthReady } from '@habitual/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DatabaseHandle } from './db/client.js';

export interface HealthOptions {
  database: DatabaseHandle;
  /** How long readiness waits for the database before calling it down. */
  timeoutMs: number;
  isShuttingDown: () => boolean;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Probes: not rate limited, not authenticated, and cheap. */
export const healthRoutes: FastifyPluginAsyncZod<HealthOptions> = async (app, opts) => {
  app.get(
    '/health/live',
    {
      config: { rateLimit: false, servedDuringShutdown: true },
      schema: {
        operationId: 'getLiveness',
        tags: ['Health'],
        summary: 'Liveness probe',
        description:
          'Answers 200 while the process is running. It checks nothing else; restart the process when it fails.',
        response: { 200: HealthLive.describe('The process is running.') },
      },
    },
    async () => ({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime() * 10) / 10 }),
  );

  app.get(
    '/health/ready',
    {
      config: { rateLimit: false, servedDuringShutdown: true },
      schema: {
        operationId: 'getReadiness',
        tags: ['Health'],
        summary: 'Readiness probe',
        description:
          'Answers 200 when the database answers within a short timeout, and 503 while it does not or once a graceful shutdown has begun; send traffic only while it is 200.',
        response: {
          200: HealthReady.describe('Ready to serve traffic.'),
          503: HealthReady.describe('Not ready: the database did not answer in time, or the process is shutting down.'),
        },
      },
    },
    async (_request, reply) => {
      const shuttingDown = opts.isShuttingDown();
      let up = false;
      let latencyMs: number | null = null;
      if (!shuttingDown) {
        const started = performance.now();
        try {
          await withTimeout(opts.database.ping(), opts.timeoutMs);
          up = true;
          latencyMs = Math.round((performance.now() - started) * 100) / 100;
        } catch (err) {
          app.log.warn({ err }, 'readiness: database did not answer');
        }
      }
      // A shutdown that began during the ping counts too: its answer goes out while draining.
      const stopping = shuttingDown || opts.isShuttingDown();
      const ready = up && !stopping;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? ('ready' as const) : ('unavailable' as const),
        checks: {
          database: { status: up ? ('up' as const) : ('down' as const), driver: opts.database.driver, latencyMs },
          shuttingDown: stopping,
        },
      });
    },
  );
};
