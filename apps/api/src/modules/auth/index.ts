import type { FastifyBaseLogger } from 'fastify';
import type { App } from '../../app.js';
import type { Config } from '../../config.js';
import { AppError } from '../../platform/app-error.js';
import type { Database } from '../../platform/db/client.js';
import { createOriginPolicy, type OriginPolicy } from '../../platform/origins.js';
import { type Auth, createAuth } from './auth.js';
import { AuthGuard } from './guard.js';
import { KeyRateLimiter } from './key-rate-limit.js';
import type { Mailer } from './mailer.js';
import { mountAuth } from './mount.js';
import { createAuthRepository } from './repository.js';
import { adminRoutes, apiKeyRoutes } from './routes.js';
import { createAuthService } from './service.js';

export { type Actor, actorOf, type RouteAuth } from './guard.js';
export type { AuthService } from './service.js';

export function createAuthInstance(config: Config, db: Database, mailer: Mailer, logger?: FastifyBaseLogger): Auth {
  return createAuth(
    {
      secret: config.BETTER_AUTH_SECRET,
      baseURL: config.PUBLIC_URL,
      trustedOrigins: createOriginPolicy(config),
      requireEmailVerification: config.REQUIRE_EMAIL_VERIFICATION,
      // Secure everywhere but plain-http development (browsers drop Secure cookies on http://).
      secureCookies: config.NODE_ENV !== 'development' || config.PUBLIC_URL.startsWith('https://'),
    },
    { db, mailer, ...(logger ? { logger } : {}) },
  );
}

/**
 * Wires auth: better-auth at /api/auth/*, the one guard for every route that declares
 * `config.auth`, the per-key rate limit, and the API-key and admin routes.
 */
export async function registerAuthModule(
  app: App,
  deps: { config: Config; db: Database; auth: Auth; now: () => Date; origins?: OriginPolicy },
) {
  const { config, db, auth } = deps;
  const context = await auth.$context;
  const guard = new AuthGuard({
    db,
    secret: config.BETTER_AUTH_SECRET,
    cookieName: context.authCookies.sessionToken.name,
    cacheTtlMs: config.AUTH_CACHE_TTL_MS,
    now: () => deps.now().getTime(),
  });

  const origins = deps.origins ?? createOriginPolicy(config);
  const keyLimiter = new KeyRateLimiter(() => deps.now().getTime());

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
      const budget = keyLimiter.hit(actor.apiKeyId, actor.rateLimit.max, actor.rateLimit.windowMs);
      reply.header('x-apikey-ratelimit-limit', actor.rateLimit.max);
      reply.header('x-apikey-ratelimit-remaining', budget.remaining);
      if (budget.limited) {
        throw new AppError(
          'RATE_LIMITED',
          `This API key is over its limit of ${actor.rateLimit.max} requests; retry in ${budget.resetSeconds} s`,
          {
            headers: { 'retry-after': String(budget.resetSeconds) },
            details: [{ limit: actor.rateLimit.max, retryAfterSeconds: budget.resetSeconds }],
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

  await mountAuth(app, { auth, publicUrl: config.PUBLIC_URL, onRevocation: () => guard.invalidate() });

  const service = createAuthService({
    auth,
    repository: createAuthRepository(db),
    invalidate: () => guard.invalidate(),
    now: deps.now,
  });
  await app.register(apiKeyRoutes, { prefix: '/api/v1', service });
  await app.register(adminRoutes, { prefix: '/api/v1', service });
  return { service, guard };
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export { CapturingMailer, createMailer, type Mailer, type MailMessage } from './mailer.js';
