import { apiKey } from '@better-auth/api-key';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { isAPIError } from 'better-auth/api';
import { admin, bearer, openAPI } from 'better-auth/plugins';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../platform/db/client.js';
import { loggableError, redactQueryParams } from '../../platform/db/db-errors.js';
import type { Mailer } from './mailer.js';
import * as authSchema from './schema.js';

/** Errors become their message (pino would write a nested Error as `{}`); database errors lose their values. */
function redactedMessage(value: unknown): unknown {
  return value instanceof Error ? redactQueryParams(value.message) : value;
}

export interface AuthSettings {
  secret: string;
  /** Where the API is reached from outside, e.g. https://api.example.com. */
  baseURL: string;
  trustedOrigins: readonly string[];
  requireEmailVerification: boolean;
  /** Secure cookies (and the __Secure- prefix); off only for plain-http development. */
  secureCookies: boolean;
}

/** The header our mount sets to the client address Fastify resolved (see routes.ts). */
export const CLIENT_IP_HEADER = 'x-habitual-client-ip';
export const COOKIE_PREFIX = 'habitual';
export const API_KEY_PREFIX = 'hbt_';

/**
 * better-auth, configured once: email + password with verification and reset through our
 * Mailer, cookie sessions, bearer tokens (mobile), API keys (integrators), an admin role, and
 * per-client rate limits on the sensitive endpoints. Its tables live in our Drizzle schema.
 */
export function createAuth(settings: AuthSettings, deps: { db: Database; mailer: Mailer; logger?: FastifyBaseLogger }) {
  const log = deps.logger?.child({ component: 'better-auth' });
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
    trustedOrigins: [...settings.trustedOrigins],
    database: drizzleAdapter(deps.db, { provider: 'pg', schema: authSchema, usePlural: false, transaction: true }),
    emailAndPassword: {
      enabled: true,
      requireEmailVerification: settings.requireEmailVerification,
      autoSignIn: true,
      minPasswordLength: 8,
      maxPasswordLength: 128,
      revokeSessionsOnPasswordReset: true,
      resetPasswordTokenExpiresIn: 60 * 60,
      sendResetPassword: async ({ user, url }) => {
        await deps.mailer.send({
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
        await deps.mailer.send({
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
      storage: 'memory',
      window: 60,
      max: 100,
      customRules: {
        '/sign-in/email': { window: 60, max: 10 },
        '/sign-up/email': { window: 60, max: 10 },
        '/request-password-reset': { window: 60, max: 5 },
        '/reset-password': { window: 60, max: 10 },
        '/send-verification-email': { window: 60, max: 5 },
        '/change-password': { window: 60, max: 10 },
      },
    },
    advanced: {
      cookiePrefix: COOKIE_PREFIX,
      useSecureCookies: settings.secureCookies,
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
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
      openAPI({ disableDefaultReference: true }),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;
