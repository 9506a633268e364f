import { HealthLive, HealthReady } from '@habitual/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DatabaseHandle } from './db/client.js';
import { loggableError } from './db/db-errors.js';
import {
  describeSchemaStatus,
  type SchemaStatus,
  type ShippedMigration,
  schemaStatus,
  shippedMigrations,
} from './db/schema-status.js';

export interface HealthOptions {
  database: DatabaseHandle;
  /** How long readiness waits for the database before calling it down. */
  timeoutMs: number;
  isShuttingDown: () => boolean;
  /** The migrations this release ships (default: the journal in apps/api/drizzle). */
  shipped?: readonly ShippedMigration[];
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
  const shipped = opts.shipped ?? shippedMigrations();
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
          'Answers 200 when the database answers within a short timeout and has every migration this release ships, and 503 while it does not, while migrations are pending (`checks.migrations` names them), or once a graceful shutdown has begun; send traffic only while it is 200.',
        response: {
          200: HealthReady.describe('Ready to serve traffic.'),
          503: HealthReady.describe(
            'Not ready: the database did not answer in time, migrations are pending, or the process is shutting down.',
          ),
        },
      },
    },
    async (_request, reply) => {
      const shuttingDown = opts.isShuttingDown();
      let up = false;
      let latencyMs: number | null = null;
      let schema: SchemaStatus | null = null;
      if (!shuttingDown) {
        const started = performance.now();
        try {
          await withTimeout(opts.database.ping(), opts.timeoutMs);
          up = true;
          latencyMs = Math.round((performance.now() - started) * 100) / 100;
          schema = await withTimeout(schemaStatus(opts.database, shipped), opts.timeoutMs);
          reportSchemaChange(schema);
        } catch (err) {
          app.log.warn({ err: loggableError(err) }, 'readiness: database did not answer');
        }
      }
      // A shutdown that began during the ping counts too: its answer goes out while draining.
      const stopping = shuttingDown || opts.isShuttingDown();
      const ready = up && schema !== null && schema.status !== 'pending' && !stopping;
      const message = schema ? describeSchemaStatus(schema) : null;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? ('ready' as const) : ('unavailable' as const),
        checks: {
          database: { status: up ? ('up' as const) : ('down' as const), driver: opts.database.driver, latencyMs },
          migrations: {
            status: schema?.status ?? ('unknown' as const),
            shipped: shipped.length,
            applied: schema?.applied ?? null,
            pending: schema?.pending ?? [],
            ...(message ? { message } : {}),
          },
          shuttingDown: stopping,
        },
      });
    },
  );

  // Probes come every few seconds: say it once per change, not once per probe.
  let lastReported: string | undefined;
  function reportSchemaChange(schema: SchemaStatus) {
    const key = `${schema.status}:${schema.pending.join(',')}:${schema.unknown}`;
    if (key === lastReported) return;
    lastReported = key;
    logSchemaStatus(app.log, schema);
  }
};

/** The start-up and readiness log line: error while migrations are pending, warning when the database is ahead. */
export function logSchemaStatus(log: FastifyBaseLogger, schema: SchemaStatus): void {
  const message = describeSchemaStatus(schema);
  const fields = {
    migrations: { status: schema.status, shipped: schema.shipped, applied: schema.applied, pending: schema.pending },
  };
  if (schema.status === 'pending') log.error(fields, `database schema is behind this release: ${message}`);
  else if (schema.status === 'ahead') log.warn(fields, `database schema is ahead of this release: ${message}`);
  else log.info(fields, 'database schema is current');
}
