import { isIP } from 'node:net';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.coerce.number().int().min(0).max(65535);

/** A comma-separated list of browser origins, each exactly `scheme://host[:port]`. */
const originList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z.string().refine(
        (origin) => {
          try {
            return new URL(origin).origin === origin;
          } catch {
            return false;
          }
        },
        { message: 'each origin must be exactly scheme://host[:port], e.g. https://app.example.com' },
      ),
    ),
  );

/**
 * Fastify's `trustProxy`: `true`/`false`, a hop count, or a comma-separated list of proxy
 * addresses/CIDRs. Only trust what actually sits in front of the API: the client address
 * decides rate-limit buckets.
 */
const trustProxy = z.string().transform((value, ctx): boolean | number | string[] => {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const named = new Set(['loopback', 'linklocal', 'uniquelocal']);
  const valid = (entry: string) => {
    if (named.has(entry)) return true;
    const [address, prefix, ...rest] = entry.split('/');
    if (rest.length > 0 || !address || isIP(address) === 0) return false;
    if (prefix === undefined) return true;
    return /^\d+$/.test(prefix) && Number(prefix) <= (isIP(address) === 4 ? 32 : 128);
  };
  const invalid = list.filter((entry) => !valid(entry));
  if (list.length === 0 || invalid.length > 0) {
    const which = invalid.length > 0 ? ` (not an address: ${invalid.join(', ')})` : '';
    ctx.addIssue({
      code: 'custom',
      message: `use true, false, a hop count, or a comma-separated list of proxy IPs/CIDRs${which}`,
    });
    return z.NEVER;
  }
  return list;
});

const postgresUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
    } catch {
      return false;
    }
  },
  { message: 'must be a postgres:// or postgresql:// URL' },
);

const redisUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'redis:' || url.protocol === 'rediss:';
    } catch {
      return false;
    }
  },
  { message: 'must be a redis:// or rediss:// URL' },
);

/** A plan limit: a whole number, or `unlimited` (null). */
const planLimit = z.string().transform((value, ctx): number | null => {
  const v = value.trim().toLowerCase();
  if (v === 'unlimited') return null;
  if (/^\d+$/.test(v) && Number(v) <= 1_000_000) return Number(v);
  ctx.addIssue({ code: 'custom', message: 'use a whole number from 0 to 1000000, or `unlimited`' });
  return z.NEVER;
});

/** The four variables that together turn billing on; set all of them or none. */
export const STRIPE_VARIABLES = [
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_PRICE_PRO_MONTHLY',
  'STRIPE_PRICE_PRO_YEARLY',
] as const;

const stripeId = (prefix: RegExp, example: string) =>
  z.string().regex(prefix, { message: `must look like ${example}` });

/** A 256-bit key for AES-256-GCM: 64 hex characters, or base64 of 32 bytes (`openssl rand -base64 32`). */
export function decodeEncryptionKey(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const bytes = Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
    return bytes.length === 32 ? bytes : null;
  }
  return null;
}

const ENCRYPTION_KEY_HINT = 'must be 32 random bytes as base64 or 64 hex characters (e.g. `openssl rand -base64 32`)';
const encryptionKeyId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { message: 'use 1-32 letters, digits, _ or -' });

/** Retired encryption keys, still read (never written): `id:key,id:key`. */
const encryptionKeysOld = z.string().transform((value, ctx): Array<{ id: string; key: string }> => {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const out: Array<{ id: string; key: string }> = [];
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const key = colon > 0 ? entry.slice(colon + 1) : '';
    if (!encryptionKeyId.safeParse(id).success || decodeEncryptionKey(key) === null) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${index + 1} is not \`id:key\` (id: 1-32 letters, digits, _ or -; key ${ENCRYPTION_KEY_HINT.replace('must be ', '')})`,
      });
      return z.NEVER;
    }
    out.push({ id, key });
  }
  return out;
});

export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  EMBEDDED_DB_DIR: z.string().min(1).default('.data/pglite'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  CORS_ORIGINS: originList.default([]),
  TRUST_PROXY: trustProxy.default(false),
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(300),
  REDIS_URL: redisUrl.optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, { message: 'use 1-64 letters, digits, `:`, `_`, `.` or `-`' })
    .default('habitual:'),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  MIGRATE_ON_START: z.stringbool().optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  BETTER_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)').optional(),
  REQUIRE_EMAIL_VERIFICATION: z.stringbool().optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().min(3).default('Habitual <no-reply@habitual.local>'),
  AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(15_000),
  OPENAI_API_KEY: z.string().min(1).max(1000).optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  AI_MODEL: z.string().min(1).max(200).default('gpt-4o-mini'),
  AI_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(20_000),
  AI_MAX_RETRIES: z.coerce.number().int().min(0).max(2).default(2),
  AI_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(10),
  AI_INSIGHTS_MONTHLY_CAP: z.coerce.number().int().min(0).max(1_000_000).optional(),
  ENCRYPTION_KEY: z
    .string()
    .refine((value) => decodeEncryptionKey(value) !== null, { message: ENCRYPTION_KEY_HINT })
    .optional(),
  ENCRYPTION_KEY_ID: encryptionKeyId.default('k1'),
  ENCRYPTION_KEYS_OLD: encryptionKeysOld.default([]),
  HABIT_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(2_000),
  METRICS: z.enum(['on', 'off']).optional(),
  // Jobs (docs/jobs.md): `off` on API instances that only serve while `npm run worker` runs the jobs.
  WORKERS: z.enum(['on', 'off']).default('on'),
  OUTBOX_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  JOBS_POLL_INTERVAL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
  MAIL_RETRY_LIMIT: z.coerce.number().int().min(0).max(50).default(9),
  MAIL_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  METRICS_TOKEN: z
    .string()
    .regex(/^\S{16,256}$/, { message: 'must be 16-256 characters without spaces (e.g. `openssl rand -hex 24`)' })
    .optional(),
  STRIPE_SECRET_KEY: stripeId(
    /^(sk|rk)_(test|live)_\S+$/,
    'sk_test_… or sk_live_… (or a restricted rk_… key)',
  ).optional(),
  STRIPE_WEBHOOK_SECRET: stripeId(/^whsec_\S+$/, 'whsec_… (the signing secret of the webhook endpoint)').optional(),
  STRIPE_PRICE_PRO_MONTHLY: stripeId(/^\S+$/, 'price_… (a price id, without spaces)').optional(),
  STRIPE_PRICE_PRO_YEARLY: stripeId(/^\S+$/, 'price_… (a price id, without spaces)').optional(),
  STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  APP_URL: z.url({ protocol: /^https?$/ }).optional(),
  PLAN_FREE_ACTIVE_HABITS: planLimit.default(5),
  PLAN_FREE_AI_INSIGHTS_PER_MONTH: planLimit.default(3),
  PLAN_PRO_ACTIVE_HABITS: planLimit.default(null),
  PLAN_PRO_AI_INSIGHTS_PER_MONTH: planLimit.default(100),
  // --- Reminders and Web Push (docs/reminders.md) ---
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{86,88}=*$/, { message: 'must be a base64url P-256 public key (`npm run vapid:generate`)' })
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{42,44}=*$/, { message: 'must be a base64url P-256 private key (`npm run vapid:generate`)' })
    .optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, {
      message: 'must be a mailto: address or an https: URL of the operator',
    })
    .optional(),
  ALLOW_PRIVATE_OUTBOUND_URLS: z.stringbool().default(false),
  // --- end reminders ---
});

type ParsedEnv = z.infer<typeof EnvSchema>;

/** The three variables that together turn Web Push on; set all of them or none. */
export const VAPID_VARIABLES = ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT'] as const;

export interface Config
  extends Readonly<
    Omit<
      ParsedEnv,
      | 'CORS_ORIGINS'
      | 'TRUST_PROXY'
      | 'MIGRATE_ON_START'
      | 'PUBLIC_URL'
      | 'BETTER_AUTH_SECRET'
      | 'REQUIRE_EMAIL_VERIFICATION'
      | 'APP_URL'
      | 'METRICS'
      | 'WORKERS'
    >
  > {
  /** Run job handlers in this process (WORKERS=on, the default); off, it only enqueues. */
  readonly WORKERS: boolean;
  /** Serve GET /metrics: on by default in development, off in test and production. */
  readonly METRICS: boolean;
  /** Where Stripe Checkout and the Billing Portal send the user back to (the web app); default PUBLIC_URL. */
  readonly APP_URL: string;
  /** Where clients reach the API (links in mail, cookie security); default http://localhost:PORT. */
  readonly PUBLIC_URL: string;
  /** Signs session cookies and tokens. Required in production; a fixed development value otherwise. */
  readonly BETTER_AUTH_SECRET: string;
  /** Sign-in needs a verified email: on by default in production, off in development and tests. */
  readonly REQUIRE_EMAIL_VERIFICATION: boolean;
  readonly CORS_ORIGINS: readonly string[];
  readonly TRUST_PROXY: boolean | number | readonly string[];
  /** Apply pending migrations at start: always for the embedded database, opt-in for PostgreSQL. */
  readonly MIGRATE_ON_START: boolean;
}

/** Used outside production only, so a newcomer needs no setup; production refuses to start without a real one. */
export const DEVELOPMENT_SECRET = 'habitual-development-secret-not-for-production-use';

/**
 * Secrets that are or were published in this repository (defaults, examples, benchmarks). Anyone
 * can sign sessions and email-verification tokens with them, so production refuses them even
 * after they are gone from the files. test/platform/config.test.ts checks the repository against this list.
 */
export const PUBLISHED_SECRETS: readonly string[] = [
  DEVELOPMENT_SECRET,
  // The docker-compose.yml default until it became required.
  'local-compose-secret-change-me-0123456789',
  'schema-generation-only-secret-0123456789',
  'bench-secret-bench-secret-bench-secret-0123',
];

/** Why a production secret cannot be trusted, or null. */
export function weakSecretReason(secret: string): string | null {
  if (PUBLISHED_SECRETS.includes(secret)) return 'is published in the Habitual repository; generate your own';
  if (Buffer.byteLength(secret, 'utf8') < 32) return 'must be at least 32 bytes';
  if (new Set(secret).size < 10)
    return 'looks like a placeholder (fewer than 10 distinct characters), not random bytes';
  return null;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid environment configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Parses the environment once. Empty strings count as unset (compose files and shells often
 * pass `VAR=`). Throws a ConfigError naming every offending variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value;
  }
  const result = EnvSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      const shown = name in input ? ` (got ${JSON.stringify(redactValue(name, input[name] ?? ''))})` : '';
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const parsed = result.data;
  const keyProblems: string[] = [];
  if (parsed.ENCRYPTION_KEYS_OLD.length > 0 && !parsed.ENCRYPTION_KEY) {
    keyProblems.push('ENCRYPTION_KEYS_OLD: needs ENCRYPTION_KEY (the current key) to be set as well');
  }
  if (parsed.ENCRYPTION_KEYS_OLD.some((old) => old.id === parsed.ENCRYPTION_KEY_ID)) {
    keyProblems.push(
      `ENCRYPTION_KEYS_OLD: id ${parsed.ENCRYPTION_KEY_ID} is the current ENCRYPTION_KEY_ID; give the new key a new id`,
    );
  }
  if (keyProblems.length > 0) throw new ConfigError(keyProblems);
  const stripeSet = STRIPE_VARIABLES.filter((name) => parsed[name] !== undefined);
  if (stripeSet.length > 0 && stripeSet.length < STRIPE_VARIABLES.length) {
    throw new ConfigError(
      STRIPE_VARIABLES.filter((name) => parsed[name] === undefined).map(
        (name) =>
          `${name}: required because ${stripeSet.join(', ')} ${stripeSet.length === 1 ? 'is' : 'are'} set (billing needs all of ${STRIPE_VARIABLES.join(', ')}, or none of them for self-hosted mode)`,
      ),
    );
  }
  if (parsed.NODE_ENV === 'production') {
    const missing: string[] = [];
    if (!parsed.BETTER_AUTH_SECRET) {
      missing.push('BETTER_AUTH_SECRET: required in production (at least 32 random characters)');
    } else {
      const weak = weakSecretReason(parsed.BETTER_AUTH_SECRET);
      if (weak) missing.push(`BETTER_AUTH_SECRET: ${weak} (e.g. \`openssl rand -base64 32\`)`);
    }
    if (!parsed.SMTP_URL) {
      missing.push('SMTP_URL: required in production, or verification and password-reset mail cannot be delivered');
    }
    if (parsed.METRICS === 'on' && !parsed.METRICS_TOKEN) {
      missing.push(
        'METRICS_TOKEN: required in production when METRICS=on (scrapers send `Authorization: Bearer <token>`)',
      );
    }
    // Reminders: loopback receivers are for development and tests.
    if (parsed.ALLOW_PRIVATE_OUTBOUND_URLS) {
      missing.push(
        'ALLOW_PRIVATE_OUTBOUND_URLS: must not be true in production (it lets users make the server call loopback)',
      );
    }
    if (missing.length > 0) throw new ConfigError(missing);
  }
  // Reminders: Web Push needs the three VAPID variables together.
  const vapidSet = VAPID_VARIABLES.filter((name) => parsed[name] !== undefined);
  if (vapidSet.length > 0 && vapidSet.length < VAPID_VARIABLES.length) {
    throw new ConfigError(
      VAPID_VARIABLES.filter((name) => parsed[name] === undefined).map(
        (name) =>
          `${name}: required because ${vapidSet.join(', ')} ${vapidSet.length === 1 ? 'is' : 'are'} set (Web Push needs all of ${VAPID_VARIABLES.join(', ')}, or none of them)`,
      ),
    );
  }
  return Object.freeze({
    ...parsed,
    CORS_ORIGINS: Object.freeze([...parsed.CORS_ORIGINS]),
    TRUST_PROXY: Array.isArray(parsed.TRUST_PROXY) ? Object.freeze([...parsed.TRUST_PROXY]) : parsed.TRUST_PROXY,
    MIGRATE_ON_START: parsed.MIGRATE_ON_START ?? parsed.DATABASE_URL === undefined,
    METRICS: (parsed.METRICS ?? (parsed.NODE_ENV === 'development' ? 'on' : 'off')) === 'on',
    WORKERS: parsed.WORKERS === 'on',
    PUBLIC_URL: (parsed.PUBLIC_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/+$/, ''),
    APP_URL: (parsed.APP_URL ?? parsed.PUBLIC_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/+$/, ''),
    BETTER_AUTH_SECRET: parsed.BETTER_AUTH_SECRET ?? DEVELOPMENT_SECRET,
    REQUIRE_EMAIL_VERIFICATION: parsed.REQUIRE_EMAIL_VERIFICATION ?? parsed.NODE_ENV === 'production',
  });
}

/** Never echo credentials embedded in URLs back into logs. */
function redactValue(name: string, value: string): string {
  if (name.endsWith('_KEY') || name.startsWith('ENCRYPTION_KEY')) return '<secret; not shown>';
  if (name.endsWith('_SECRET') || name.endsWith('_SECRET_KEY') || name.endsWith('_TOKEN')) return '<secret; not shown>';
  if (name.endsWith('_URL')) {
    try {
      const url = new URL(value);
      if (url.password) url.password = '***';
      return url.toString();
    } catch {
      return '<not a URL; not shown>';
    }
  }
  return value;
}
