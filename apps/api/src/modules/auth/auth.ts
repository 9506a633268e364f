import { apiKey } from '@better-auth/api-key';
import { queueAfterTransactionHook } from '@better-auth/core/context';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@habitual/shared';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { isAPIError } from 'better-auth/api';
import { admin, bearer } from 'better-auth/plugins';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../platform/db/client.js';
import { loggableError, redactQueryParams } from '../../platform/db/db-errors.js';
import type { OriginPolicy } from '../../platform/origins.js';
import type { RateCounter } from '../../platform/rate-counter.js';
import type { AuthMail } from './mailer.js';
import * as authSchema from './schema.js';

/** Errors become their message (pino would write a nested Error as `{}`); database errors lose their values. */
function redactedMessage(value: unknown): unknown {
  return value instanceof Error ? redactQueryParams(value.message) : value;
}

export interface AuthSettings {
  secret: string;
  /** Where the API is reached from outside, e.g. https://api.example.com. */
  baseURL: string;
  /** PUBLIC_URL, CORS_ORIGINS and, outside production, the API's own loopback origins. */
  trustedOrigins: Pick<OriginPolicy, 'trusted'>;
  requireEmailVerification: boolean;
  /** Secure cookies (and the __Secure- prefix); off only for plain-http development. */
  secureCookies: boolean;
  /** Where sign-in throttles are counted (Redis with REDIS_URL, shared by every instance). */
  rateCounter?: RateCounter;
}

/** better-auth's per-client limits: requests per `window` seconds, by path under /api/auth. */
export const AUTH_RATE_LIMITS = {
  window: 60,
  max: 100,
  customRules: {
    '/sign-in/email': { window: 60, max: 10 },
    '/sign-up/email': { window: 60, max: 10 },
    '/request-password-reset': { window: 60, max: 5 },
    '/reset-password': { window: 60, max: 10 },
    '/send-verification-email': { window: 60, max: 5 },
    '/change-password': { window: 60, max: 10 },
  } as Record<string, { window: number; max: number }>,
};

/** The limit that applies to a path under /api/auth (e.g. `/sign-in/email`). */
export function authRateLimitFor(path: string): { window: number; max: number } {
  return AUTH_RATE_LIMITS.customRules[path] ?? { window: AUTH_RATE_LIMITS.window, max: AUTH_RATE_LIMITS.max };
}

/** The header our mount sets to the client address Fastify resolved (see mount.ts). */
export const CLIENT_IP_HEADER = 'x-habitual-client-ip';
export const COOKIE_PREFIX = 'habitual';
export const API_KEY_PREFIX = 'hbt_';

/**
 * better-auth, configured once: email + password with verification and reset through our mail
 * outbox (sent by a job, so a mail server outage never fails the request), cookie sessions,
 * bearer tokens (mobile), API keys (integrators), an admin role, and
 * per-client rate limits on the sensitive endpoints. Its tables live in our Drizzle schema.
 */
export function createAuth(settings: AuthSettings, deps: { db: Database; mail: AuthMail; logger?: FastifyBaseLogger }) {
  const log = deps.logger?.child({ component: 'better-auth' });
  // better-auth runs sign-up in its own transaction and does not hand it out, so the mail is written
  // to the outbox as soon as that transaction commits (still before the response): never a mail for
  // a sign-up that rolled back, and no second transaction waiting on the first (PGlite has one connection).
  const enqueueAfterCommit = (mail: Parameters<AuthMail['enqueue']>[0]) =>
    queueAfterTransactionHook(() => deps.mail.enqueue(mail));
  return betterAuth({
    // better-auth's own messages go to our JSON log rather than to the console.
    logger: log
      ? {
          level: 'warn',
          log: (level, message, ...args) => {
            const context = args.length > 0 ? { args: args.map((a) => redactedMessage(loggableError(a))) } : {};
            message = redactQueryParams(message);
            if (level === 'error') log.error(context, message);
            else if (level === 'warn') log.warn(context, message);
            else log.info(context, message);
          },
        }
      : { disabled: true },
    // Anything but better-auth's own answers goes to our error handler: a database outage becomes
    // a 503 with Retry-After, anything else a 500 logged as JSON (not better-auth's console.error).
    onAPIError: {
      onError: (error) => {
        if (!isAPIError(error)) throw error;
      },
    },
    appName: 'Habitual',
    basePath: '/api/auth',
    baseURL: settings.baseURL,
    secret: settings.secret,
    trustedOrigins: (request) => settings.trustedOrigins.trusted(request?.headers.get('host') ?? undefined),
    database: drizzleAdapter(deps.db, { provider: 'pg', schema: authSchema, usePlural: false, transaction: true }),
    emailAndPassword: {
      enabled: true,
      requireEmailVerification: settings.requireEmailVerification,
      autoSignIn: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
      revokeSessionsOnPasswordReset: true,
      resetPasswordTokenExpiresIn: 60 * 60,
      // Mail hooks (jobs work): written to the outbox; the `mail:send` job delivers and retries.
      sendResetPassword: async ({ user, url }) => {
        await enqueueAfterCommit({
          kind: 'reset-password',
          to: user.email,
          url,
          subject: 'Reset your Habitual password',
          text: `Someone asked to reset the password of your Habitual account.\n\nTo choose a new one, open:\n${url}\n\nThe link works for one hour. If it was not you, ignore this message.`,
        });
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      autoSignInAfterVerification: true,
      expiresIn: 24 * 60 * 60,
      sendVerificationEmail: async ({ user, url }) => {
        await enqueueAfterCommit({
          kind: 'verify-email',
          to: user.email,
          url,
          subject: 'Confirm your email for Habitual',
          text: `Welcome to Habitual.\n\nConfirm your email address by opening:\n${url}\n\nThe link works for 24 hours.`,
        });
      },
    },
    user: {
      additionalFields: {
        timezone: { type: 'string', required: false, defaultValue: 'UTC', input: false },
        weekStartsOn: { type: 'number', required: false, defaultValue: 1, input: false },
        dayStartHour: { type: 'number', required: false, defaultValue: 0, input: false },
      },
    },
    session: {
      expiresIn: 60 * 60 * 24 * 30,
      updateAge: 60 * 60 * 24,
    },
    rateLimit: {
      enabled: true,
      ...AUTH_RATE_LIMITS,
      ...(settings.rateCounter ? { customStorage: counterStorage(settings.rateCounter) } : { storage: 'memory' }),
    },
    advanced: {
      cookiePrefix: COOKIE_PREFIX,
      useSecureCookies: settings.secureCookies,
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      // better-auth skips its origin check when NODE_ENV=test; tests must see what production does.
      disableOriginCheck: false,
      database: { generateId: () => crypto.randomUUID() },
    },
    plugins: [
      bearer(),
      admin({ defaultRole: 'user', adminRoles: ['admin'] }),
      apiKey({
        defaultPrefix: API_KEY_PREFIX,
        enableMetadata: true,
        keyExpiration: { defaultExpiresIn: 365 * 24 * 60 * 60 * 1000, minExpiresIn: 1, maxExpiresIn: 5 * 365 },
        rateLimit: { enabled: true, timeWindow: 60 * 1000, maxRequests: 600 },
        permissions: { defaultPermissions: { api: ['read', 'write'] } },
      }),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

/** better-auth's rate-limit storage on our counter: one atomic step per request, as it requires. */
function counterStorage(counter: RateCounter) {
  return {
    async consume(key: string, rule: { window: number; max: number }) {
      const { count, resetMs } = await counter.hit(`auth:${key}`, rule.window * 1000);
      return count <= rule.max
        ? { allowed: true, retryAfter: null }
        : { allowed: false, retryAfter: Math.max(1, Math.ceil(resetMs / 1000)) };
    },
  };
}
