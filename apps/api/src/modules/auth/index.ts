import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { Config } from '../../config.js';
import { AppError } from '../../platform/app-error.js';
import type { App } from '../../platform/app-types.js';
import type { Database } from '../../platform/db/client.js';
import { createOriginPolicy, type OriginPolicy } from '../../platform/origins.js';
import { createRateCounter, type RateCounter } from '../../platform/rate-counter.js';
import { type Auth, authRateLimitFor, createAuth } from './auth.js';
import { AuthGuard } from './guard.js';
import { KeyRateLimiter } from './key-rate-limit.js';
import type { AuthMail } from './mailer.js';
import { mountAuth } from './mount.js';
import { createAuthRepository } from './repository.js';
import { adminRoutes, apiKeyRoutes, sessionRoutes } from './routes.js';
import { createAuthService } from './service.js';

export { type Actor, actorOf, type RouteAuth } from './guard.js';
export type { AuthService } from './service.js';

export function createAuthInstance(
  config: Config,
  db: Database,
  mail: AuthMail,
  options: { logger?: FastifyBaseLogger; rateCounter?: RateCounter } = {},
): Auth {
  const { logger, rateCounter } = options;
  return createAuth(
    {
      secret: config.BETTER_AUTH_SECRET,
      baseURL: config.PUBLIC_URL,
      trustedOrigins: createOriginPolicy(config),
      requireEmailVerification: config.REQUIRE_EMAIL_VERIFICATION,
      // Secure everywhere but plain-http development (browsers drop Secure cookies on http://).
      secureCookies: config.NODE_ENV !== 'development' || config.PUBLIC_URL.startsWith('https://'),
      ...(rateCounter ? { rateCounter } : {}),
    },
    { db, mail, ...(logger ? { logger } : {}) },
  );
}

/**
 * Wires auth: better-auth at /api/auth/*, the one guard for every route that declares
 * `config.auth`, the per-key rate limit, and the API-key and admin routes.
 */
export async function registerAuthModule(
  app: App,
  deps: {
    config: Config;
    db: Database;
    auth: Auth;
    now: () => Date;
    origins?: OriginPolicy;
    /** Where per-key budgets are counted; default: in this process. */
    rateCounter?: RateCounter;
  },
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
  const keyLimiter = new KeyRateLimiter(
    deps.rateCounter ?? createRateCounter({ prefix: config.REDIS_KEY_PREFIX, now: () => deps.now().getTime() }),
  );

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
      const budget = await keyLimiter.hit(`apikey:${actor.apiKeyId}`, actor.rateLimit.max, actor.rateLimit.windowMs);
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
    if (reply.statusCode !== 429 || !request.url.startsWith('/api/auth/') || !reply.hasHeader('x-retry-after')) return;
    const path = (request.url.split('?')[0] ?? '').slice('/api/auth'.length).replace(/\/+$/, '');
    const rule = authRateLimitFor(path);
    const retryAfter = Number(reply.getHeader('retry-after')) || rule.window;
    setRateLimitHeaders(reply, rule.max, 0, retryAfter);
  });

  const service = createAuthService({
    auth,
    repository: createAuthRepository(db),
    invalidate: () => guard.invalidate(),
    now: deps.now,
  });
  await mountAuth(app, {
    auth,
    publicUrl: config.PUBLIC_URL,
    onRevocation: () => guard.invalidate(),
    onSignIn: (userId) => service.pruneSessions(userId),
  });
  await app.register(apiKeyRoutes, { prefix: '/api/v1', service });
  await app.register(sessionRoutes, { prefix: '/api/v1', service });
  await app.register(adminRoutes, { prefix: '/api/v1', service });
  return { service, guard };
}

/**
 * Grants or revokes the admin role by email, straight in the database (for `npm run
 * admin:grant` / `admin:revoke`, which make the first admin). Undefined: no such user.
 */
export async function setRoleByEmail(db: Database, email: string, role: 'user' | 'admin') {
  return createAuthRepository(db).setRoleByEmail(email, role);
}

function setRateLimitHeaders(reply: FastifyReply, limit: number, remaining: number, resetSeconds: number): void {
  reply.header('x-ratelimit-limit', limit);
  reply.header('x-ratelimit-remaining', remaining);
  reply.header('x-ratelimit-reset', resetSeconds);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export { type AuthMail, CapturingMailer, createMailer, type Mailer, type MailMessage } from './mailer.js';
