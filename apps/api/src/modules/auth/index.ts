import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/client.js';
import { createOriginPolicy, type OriginPolicy } from '../../platform/origins.js';
import { createRateCounter, type RateCounter } from '../../platform/rate-counter.js';
import { createAccountStore } from './account-store.js';
import { type Auth, createAuth } from './auth.js';
import { AuthGuard } from './guard.js';
import { KeyRateLimiter } from './key-rate-limit.js';
import type { AuthMail } from './mailer.js';
import { mountAuth } from './mount.js';
import { authPolicyPlugin } from './policy.js';
import { createAuthRepository } from './repository.js';
import { adminRoutes, apiKeyRoutes, sessionRoutes } from './routes.js';
import { user } from './schema.js';
import { createAuthService } from './service.js';

export type { AccountStore, ProfileRow } from './account-store.js';
export type { Auth } from './auth.js';
export { type Actor, actorOf } from './guard.js';
export type { AuthMail, Mailer, MailMessage } from './mailer.js';

/**
 * The user's clock (time zone and day-start hour), read-only, for a module whose hottest read
 * joins it in the same statement (the habits home screen reads the zone and every habit in one
 * round trip). Auth owns the table: nothing outside auth writes it, and other reads go through
 * `accounts`.
 */
export const userClock = {
  table: user,
  id: user.id,
  timezone: user.timezone,
  dayStartHour: user.dayStartHour,
} as const;

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
 * The auth module: better-auth, the one guard and authorisation policy for every route that
 * declares `config.auth`, the per-key rate limit, and the API-key, session and admin routes.
 * It owns better-auth's tables; other modules reach them through `accounts`.
 *
 * - `policy`: register once at the root, before any route (it decorates requests with `actor`);
 * - `mount`: better-auth's own endpoints at /api/auth/* (register without a prefix);
 * - `routes`: our routes, registered under /api/v1.
 */
export async function createAuthModule(deps: {
  config: Config;
  db: Database;
  auth: Auth;
  now: () => Date;
  origins?: OriginPolicy;
  /** Where per-key budgets are counted; default: in this process. */
  rateCounter?: RateCounter;
}) {
  const { config, db, auth } = deps;
  const context = await auth.$context;
  const guard = new AuthGuard({
    db,
    secret: config.BETTER_AUTH_SECRET,
    cookieName: context.authCookies.sessionToken.name,
    cacheTtlMs: config.AUTH_CACHE_TTL_MS,
    now: () => deps.now().getTime(),
  });
  const keyLimiter = new KeyRateLimiter(
    deps.rateCounter ?? createRateCounter({ prefix: config.REDIS_KEY_PREFIX, now: () => deps.now().getTime() }),
  );
  const repository = createAuthRepository(db);
  const service = createAuthService({ auth, repository, invalidate: () => guard.invalidate(), now: deps.now });

  const mount: FastifyPluginAsyncZod = async (app) => {
    await mountAuth(app, {
      auth,
      publicUrl: config.PUBLIC_URL,
      onRevocation: () => guard.invalidate(),
      onSignIn: (userId) => service.pruneSessions(userId),
    });
  };
  const routes: FastifyPluginAsyncZod = async (app) => {
    await app.register(apiKeyRoutes, { service });
    await app.register(sessionRoutes, { service });
    await app.register(adminRoutes, { service });
  };

  return {
    service,
    /** Cached credentials; its `cacheStats` feed the metrics. */
    guard,
    accounts: createAccountStore(db, repository),
    policy: authPolicyPlugin({ guard, origins: deps.origins ?? createOriginPolicy(config), keyLimiter }),
    mount,
    routes,
  };
}

/**
 * Grants or revokes the admin role by email, straight in the database (for `npm run
 * admin:grant` / `admin:revoke`, which make the first admin). Undefined: no such user.
 */
export async function setRoleByEmail(db: Database, email: string, role: 'user' | 'admin') {
  return createAuthRepository(db).setRoleByEmail(email, role);
}
