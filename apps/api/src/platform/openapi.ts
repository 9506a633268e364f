import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { type ErrorCode, ErrorEnvelope, errorCatalog } from '@habitual/shared';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { polishDocument } from './openapi-polish.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Error codes this route can answer with besides the standard ones; documented in the spec. */
    errors?: readonly ErrorCode[];
  }
}

export const API_VERSION = '0.1.0';

export const TAGS = [
  {
    name: 'Auth',
    description:
      'Sign-up, sign-in, sign-out, email verification, password reset and change, and sessions (better-auth, mounted at /api/auth; only the operations listed here are served). Sign-in answers with a session cookie for browsers and a `set-auth-token` header for mobile clients: use it as `Authorization: Bearer <token>`. Sessions are also listed and revoked by id under `/api/v1/sessions`.',
  },
  {
    name: 'Habits',
    description:
      'Habits, their check-ins, streaks, strength and statistics, computed as the Loop Habit Tracker does. Dates are calendar days `YYYY-MM-DD` in the user\'s time zone (see `PATCH /api/v1/me`); "today" also honours the user\'s day-start hour.',
  },
  {
    name: 'Insights',
    description:
      "Statistics-based insights (no AI, always available) and AI-written insights grounded in them, with monthly quotas; the user's own AI provider key (`/me/ai-key`).",
  },
  { name: 'Users', description: 'The signed-in user: profile, time zone, export and account deletion.' },
  {
    name: 'API keys',
    description: 'Keys for integrations, sent as `x-api-key`. Managed with a session, not with a key.',
  },
  { name: 'Admin', description: 'User administration; needs the admin role.' },
  {
    name: 'Billing',
    description:
      'The plan (Free or Pro), its limits and usage, and the Stripe-hosted pages to subscribe (Checkout) and to manage the subscription (Billing Portal). Without Stripe keys the server is self-hosted: every account has Pro features and these routes answer 503.',
  },
  {
    name: 'Webhooks',
    description:
      'Called by Stripe, not by clients: authenticated by the `Stripe-Signature` header over the exact body, not by a session or key.',
  },
  { name: 'Health', description: 'Liveness and readiness probes for orchestrators and load balancers.' },
] as const;

export const SECURITY_SCHEMES = {
  cookieAuth: {
    type: 'apiKey',
    in: 'cookie',
    name: 'habitual.session_token',
    description:
      'The session cookie set by sign-in (browsers send it automatically; `__Secure-habitual.session_token` over https).',
  },
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: 'The session token from the `set-auth-token` header of sign-in or sign-up (mobile clients).',
  },
  apiKeyAuth: {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: 'An API key created with POST /api/v1/api-keys (integrations). Keys are `read` or `write`.',
  },
} as const;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The error codes a route can produce, derived from its schema and config. */
export function errorCodesForRoute(route: Pick<RouteOptions, 'method' | 'schema' | 'config'>): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  const schema = route.schema ?? {};
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const hasInput = Boolean(schema.body || schema.querystring || schema.params || schema.headers);
  if (hasInput) codes.add('VALIDATION_ERROR');
  if (schema.params) codes.add('URI_TOO_LONG');
  if (schema.body && methods.some((m) => BODY_METHODS.has(String(m).toUpperCase()))) {
    codes.add('MALFORMED_BODY');
    codes.add('PAYLOAD_TOO_LARGE');
    codes.add('UNSUPPORTED_MEDIA_TYPE');
  }
  const auth = route.config?.auth;
  if (auth) {
    codes.add('UNAUTHENTICATED');
    if (auth.level === 'admin' || auth.access === 'write' || auth.sessionOnly) codes.add('FORBIDDEN');
  }
  for (const code of route.config?.errors ?? []) codes.add(code);
  const rateLimit = (route.config as { rateLimit?: unknown } | undefined)?.rateLimit;
  if (rateLimit !== false) codes.add('RATE_LIMITED');
  codes.add('INTERNAL');
  if (!route.config?.servedDuringShutdown) codes.add('SERVICE_UNAVAILABLE');
  return [...codes];
}

/** Groups codes by status into response objects that share the `Error` schema. */
export function errorResponses(codes: readonly ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = errorCatalog[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<
    number,
    { description: string; content: { 'application/json': { schema: typeof ErrorEnvelope } } }
  > = {};
  for (const [status, list] of [...byStatus.entries()].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: list.map((code) => `\`${code}\`: ${errorCatalog[code].description}`).join('\n\n'),
      content: { 'application/json': { schema: ErrorEnvelope } },
    };
  }
  return responses;
}

/**
 * Adds the standard error responses to every route from the one code table, so the
 * spec and the runtime cannot drift. Runs for routes registered after it, so it must be
 * registered before any route.
 */
export function documentErrors(route: RouteOptions): void {
  if (!route.schema || route.schema.hide) return;
  const existing = (route.schema.response ?? {}) as Record<string | number, unknown>;
  const errors = errorResponses(errorCodesForRoute(route));
  const response: Record<string | number, unknown> = { ...existing };
  for (const [status, value] of Object.entries(errors)) {
    if (!(status in response)) response[status] = value;
  }
  route.schema.response = response;
  const auth = route.config?.auth;
  if (auth) {
    const schemes: Array<Record<string, string[]>> = [{ cookieAuth: [] }, { bearerAuth: [] }];
    if (!auth.sessionOnly) schemes.push({ apiKeyAuth: [] });
    (route.schema as { security?: unknown }).security = schemes;
  }
}

export const openApiPlugin = fp(
  async (app: FastifyInstance, opts: { exposeUi: boolean }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Habitual API',
          version: API_VERSION,
          description: [
            'Habitual is a habit-tracking API: habits, daily check-ins from any device and time zone,',
            'streaks, habit strength and statistics computed the way the Loop Habit Tracker does.',
            '',
            "**Conventions.** JSON in camelCase. Calendar days are `YYYY-MM-DD` in the user's time zone;",
            'instants are ISO 8601 UTC. A list answers `{ "data": [...], "nextCursor": string | null }`',
            'and takes `?limit=` (1–100, default 20) and `?cursor=`.',
            '',
            '**Errors.** Every 4xx/5xx answers `{ "error": { "code", "message", "details"?, "requestId" } }`;',
            '`code` is stable (see the `ErrorCode` schema). Validation errors name each field in `details`.',
            '',
            '**Rate limits.** Responses carry `x-ratelimit-limit`, `x-ratelimit-remaining` and',
            '`x-ratelimit-reset` for the limit that applies: per client address, the sign-in throttles',
            'of `/api/auth` (10 a minute for sign-in and sign-up), or an API key’s own budget when a key',
            'is used. A 429 carries `retry-after` in seconds. With several instances the counts are shared.',
            '',
            '**Request ids.** Send `x-request-id` to correlate; otherwise one is generated. It is returned',
            'in the `x-request-id` header and in every error body.',
            '',
            '**Browsers and origins.** A write (POST, PUT, PATCH, DELETE) signed in with the session cookie',
            'must come from a trusted origin (`PUBLIC_URL`, `CORS_ORIGINS`), else 403 `FORBIDDEN`; bearer',
            'tokens and API keys are not affected. Bodies are JSON: `text/plain` and forms answer 415.',
            'Swagger UI here sends only what the Authorize dialog holds (a bearer token or an API key),',
            'never the cookie: after trying sign-in, copy `set-auth-token` into the dialog.',
          ].join('\n'),
        },
        // Relative, so the spec served by any deployment (local, staging, production) names itself.
        servers: [
          // x-internal: false says the API is meant for outside callers (read by doc tools and linters).
          { url: '/', description: 'This server (local, staging or production alike)', 'x-internal': false } as {
            url: string;
            description: string;
          },
        ],
        tags: [...TAGS],
        components: { securitySchemes: { ...SECURITY_SCHEMES } },
      },
      transform: jsonSchemaTransform,
      transformObject: (document) => polishDocument(dropUnusedInputTwins(jsonSchemaTransformObject(document))),
    });

    app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => app.swagger());

    if (opts.exposeUi) {
      await app.register(swaggerUi, {
        routePrefix: '/docs',
        uiConfig: {
          deepLinking: true,
          tryItOutEnabled: true,
          displayRequestDuration: true,
          persistAuthorization: true,
          // Only what the Authorize dialog holds (a bearer token or an API key) authenticates a
          // call: a session cookie left by trying sign-in would otherwise ride along on every
          // request whatever the dialog says, and "Logout" there would sign nobody out.
          requestInterceptor: (request: { credentials?: string }) => {
            request.credentials = 'omit';
            return request;
          },
        },
        staticCSP: true,
      });
    }
  },
  { name: 'habitual-openapi' },
);

type OpenApiDocument = ReturnType<typeof jsonSchemaTransformObject>;

/**
 * The type provider emits every named schema twice, `X` for responses and `XInput` for
 * requests (turkerdev/fastify-type-provider-zod#214). Input twins that nothing references
 * only clutter Swagger UI's schema list, so they are dropped; referenced ones stay.
 */
export function dropUnusedInputTwins(document: OpenApiDocument): OpenApiDocument {
  const doc = document as { paths?: unknown; components?: { schemas?: Record<string, unknown> } };
  const schemas = doc.components?.schemas ?? {};
  const refsIn = (value: unknown): string[] => {
    const found: string[] = [];
    JSON.stringify(value, (key, v) => {
      if (key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        found.push(v.slice('#/components/schemas/'.length));
      }
      return v;
    });
    return found;
  };
  // Everything reachable from the paths (and from other components reachable from them) stays.
  const keep = new Set<string>();
  const queue = refsIn(doc.paths);
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (keep.has(name)) continue;
    keep.add(name);
    queue.push(...refsIn(schemas[name]));
  }
  const filtered = Object.fromEntries(
    Object.entries(schemas).filter(([name]) => !name.endsWith('Input') || keep.has(name)),
  );
  return { ...document, components: { ...doc.components, schemas: filtered } } as OpenApiDocument;
}
