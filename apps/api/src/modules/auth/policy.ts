import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../platform/app-error.js';
import type { OriginPolicy } from '../../platform/origins.js';
import { authRateLimitFor } from './auth.js';
import type { AuthGuard } from './guard.js';
import type { KeyRateLimiter } from './key-rate-limit.js';

/**
 * The authorisation policy: who may call a route that declares `config.auth`. Resolves the
 * actor (cookie, bearer token or API key), refuses cross-site cookie requests, counts the API
 * key's own budget, then checks the route's level, session-only flag and write access.
 * Registered once at the root (fastify-plugin), so it sees every route.
 */
export function authPolicyPlugin(options: { guard: AuthGuard; origins: OriginPolicy; keyLimiter: KeyRateLimiter }) {
  const { guard, origins, keyLimiter } = options;
  return fp(
    async (app: FastifyInstance) => {
      app.decorateRequest('actor', null);
      // preValidation: after the global rate limit (so guessing credentials is limited too) and
      // before body validation (so an anonymous caller learns nothing about the schema).
      app.addHook('preValidation', async (request, reply) => {
        const required = request.routeOptions.config.auth;
        if (!required) return;
        const actor = await guard.resolve(request);
        if (!actor) {
          throw new AppError('UNAUTHENTICATED', 'Sign in, or send a bearer token or an API key');
        }
        request.actor = actor;
        if (actor.via === 'cookie') {
          // Browsers attach the cookie to cross-site requests too; bearer tokens and keys they never send on their own.
          const reason = origins.crossSiteReason({
            method: request.method,
            origin: firstHeader(request.headers.origin),
            fetchSite: firstHeader(request.headers['sec-fetch-site']),
            host: firstHeader(request.headers.host),
          });
          if (reason) throw new AppError('FORBIDDEN', reason);
        }
        if (actor.apiKeyId && actor.rateLimit) {
          const budget = await keyLimiter.hit(
            `apikey:${actor.apiKeyId}`,
            actor.rateLimit.max,
            actor.rateLimit.windowMs,
          );
          // The key's own budget is the limit that applies, so its numbers replace the per-address ones.
          setRateLimitHeaders(reply, budget.limit, budget.remaining, budget.resetSeconds);
          if (budget.limited) {
            throw new AppError(
              'RATE_LIMITED',
              `This API key is over its limit of ${budget.limit} requests; retry in ${budget.resetSeconds} s`,
              {
                headers: { 'retry-after': String(budget.resetSeconds) },
                details: [{ limit: budget.limit, retryAfterSeconds: budget.resetSeconds }],
              },
            );
          }
        }
        if (required.level === 'admin' && actor.role !== 'admin') {
          throw new AppError('FORBIDDEN', 'This route is for administrators');
        }
        if (required.sessionOnly && actor.via === 'api_key') {
          throw new AppError('FORBIDDEN', 'API keys cannot do this; sign in as the user');
        }
        if (required.access === 'write' && actor.permission !== 'write') {
          throw new AppError('FORBIDDEN', 'This API key is read-only');
        }
      });

      // better-auth's 429 names only the wait (`x-retry-after`, which the mount passes on); the headers
      // say which of its limits was reached. A 429 of the global per-address limit has no x-retry-after
      // and keeps that limit's headers.
      app.addHook('onSend', async (request, reply) => {
        if (reply.statusCode !== 429 || !request.url.startsWith('/api/auth/') || !reply.hasHeader('x-retry-after'))
          return;
        const path = (request.url.split('?')[0] ?? '').slice('/api/auth'.length).replace(/\/+$/, '');
        const rule = authRateLimitFor(path);
        const retryAfter = Number(reply.getHeader('retry-after')) || rule.window;
        setRateLimitHeaders(reply, rule.max, 0, retryAfter);
      });
    },
    { name: 'habitual-auth-policy' },
  );
}

function setRateLimitHeaders(reply: FastifyReply, limit: number, remaining: number, resetSeconds: number): void {
  reply.header('x-ratelimit-limit', limit);
  reply.header('x-ratelimit-remaining', remaining);
  reply.header('x-ratelimit-reset', resetSeconds);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
