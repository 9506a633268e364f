import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

/**
 * The app type every module and test sees: Zod-typed routes on a plain HTTP server. It lives in
 * this leaf file, not in app.ts, so that modules never import the file that wires them.
 */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
