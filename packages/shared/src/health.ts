import { z } from 'zod';

export const HealthLive = z
  .object({
    status: z.literal('ok'),
    uptimeSeconds: z.number().describe('Seconds since the process started.'),
  })
  .meta({ id: 'HealthLive', examples: [{ status: 'ok', uptimeSeconds: 42.7 }] });
export type HealthLive = z.infer<typeof HealthLive>;

export const HealthReady = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.object({
      database: z.object({
        status: z.enum(['up', 'down']),
        driver: z.enum(['postgres', 'pglite']),
        latencyMs: z.number().nullable().describe('Round trip of `select 1`; null when it failed.'),
      }),
      migrations: z
        .object({
          status: z
            .enum(['current', 'pending', 'ahead', 'unknown'])
            .describe(
              '`current`: every migration this release ships is applied. `pending`: some are not (not ready; run the migrate command). `ahead`: the database was migrated by a newer release (still ready). `unknown`: not checked (database down or shutting down).',
            ),
          shipped: z.number().int().describe('Migrations this release ships.'),
          applied: z.number().int().nullable().describe('Migrations recorded in the database; null when unknown.'),
          pending: z.array(z.string()).describe('Shipped migrations not applied yet, oldest first.'),
          message: z.string().optional().describe('What the operator should do, when there is something to do.'),
        })
        .describe('The database schema compared with the migrations this release ships.'),
      shuttingDown: z.boolean().describe('True once the process has begun a graceful shutdown.'),
    }),
  })
  .meta({
    id: 'HealthReady',
    examples: [
      {
        status: 'ready',
        checks: {
          database: { status: 'up', driver: 'postgres', latencyMs: 0.8 },
          migrations: { status: 'current', shipped: 5, applied: 5, pending: [] },
          shuttingDown: false,
        },
      },
      {
        status: 'unavailable',
        checks: {
          database: { status: 'up', driver: 'postgres', latencyMs: 0.9 },
          migrations: {
            status: 'pending',
            shipped: 5,
            applied: 4,
            pending: ['0004_webhook_event_order'],
            message: '1 migration pending (0004_webhook_event_order): run `npm run db:migrate`',
          },
          shuttingDown: false,
        },
      },
    ],
  });
export type HealthReady = z.infer<typeof HealthReady>;
