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
      shuttingDown: z.boolean().describe('True once the process has begun a graceful shutdown.'),
    }),
  })
  .meta({
    id: 'HealthReady',
    examples: [
      {
        status: 'ready',
        checks: { database: { status: 'up', driver: 'postgres', latencyMs: 0.8 }, shuttingDown: false },
      },
    ],
  });
export type HealthReady = z.infer<typeof HealthReady>;
