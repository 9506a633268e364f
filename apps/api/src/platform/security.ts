import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { AppError } from './app-error.js';

export const EXPOSED_HEADERS = [
  'x-request-id',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
  // Sign-in's session token, for a web app on another origin that uses bearer tokens.
  'set-auth-token',
];

/**
 * Security headers, CORS with an allowlist, JSON-only bodies, and the global per-client rate
 * limit (in memory, or shared through the app's Redis client when REDIS_URL is set so every
 * instance counts together).
 */
export const securityPlugin = fp(
  async (app: FastifyInstance, opts: { config: Config; redis?: Redis }) => {
    const { config } = opts;

    const securityHeaders = staticHelmetHeaders({
      // Swagger UI serves its own CSP for /docs; the API itself only returns JSON.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
        },
      },
      crossOriginResourcePolicy: { policy: 'same-site' },
      hsts: config.NODE_ENV === 'production',
    });
    app.addHook('onRequest', async (_request, reply) => {
      reply.headers(securityHeaders);
    });

    // Every route takes JSON. A text/plain body is what a cross-site page can send without a
    // preflight, so it is refused (415) rather than parsed.
    app.removeContentTypeParser('text/plain');

    const allowed = new Set(config.CORS_ORIGINS);
    await app.register(cors, {
      // Only listed origins are reflected; credentials are allowed for them alone.
      origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });

    await app.register(rateLimit, {
      global: true,
      max: config.RATE_LIMIT_MAX,
      timeWindow: 60_000,
      keyGenerator: (request) => request.ip,
      nameSpace: `${config.REDIS_KEY_PREFIX}rl:`,
      ...(opts.redis ? { redis: opts.redis } : {}),
      // A Redis outage must not take the API down with it.
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        new AppError(
          'RATE_LIMITED',
          `Rate limit exceeded: ${context.max} requests per minute; retry in ${context.after}`,
          {
            details: [{ limit: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) }],
          },
        ),
    });
  },
  { name: 'habitual-security', dependencies: ['habitual-error-handler'] },
);

/**
 * helmet's headers depend only on its options, so they are computed once at start instead of
 * running helmet's middleware (which re-parses the CSP directives) on every request.
 */
export function staticHelmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
      return response;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => {
    failure = err;
  });
  if (failure) throw failure;
  return headers;
}
