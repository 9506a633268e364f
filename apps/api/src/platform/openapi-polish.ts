import { type ErrorCode, errorCatalog } from '@habitual/shared';

/**
 * The last pass over the generated document, for what an integrator reads in Swagger UI and what
 * linters (Spectral's OWASP rules) check: an example of each error code under its own status, the
 * response headers every answer carries, and no fake bounds on integers.
 */

const REQUEST_ID = '6f1c2d0e-3a1b-4f7e-9a53-2b8f0c1d9e44';

/** What each code's body looks like; codes not listed use their catalog description. */
const EXAMPLES: Partial<Record<ErrorCode, { message: string; details?: unknown[] }>> = {
  VALIDATION_ERROR: {
    message: 'body.name: Too big: expected string to have <=100 characters',
    details: [
      { location: 'body', path: 'name', message: 'Too big: expected string to have <=100 characters', code: 'too_big' },
    ],
  },
  MALFORMED_BODY: { message: 'The body is not valid JSON' },
  UNAUTHENTICATED: { message: 'Sign in, or send a bearer token or an API key' },
  PLAN_LIMIT_REACHED: {
    message: 'The Free plan allows 5 active habits; upgrade to Pro or archive one',
    details: [{ limit: 5, used: 5 }],
  },
  FORBIDDEN: { message: 'This API key is read-only' },
  NOT_FOUND: { message: 'Habit not found' },
  METHOD_NOT_ALLOWED: { message: 'DELETE is not allowed on /api/v1/habits; use GET, POST' },
  CONFLICT: { message: 'The request conflicts with the current state of the resource' },
  PAYLOAD_TOO_LARGE: { message: 'Request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { message: 'Unsupported Media Type: text/plain' },
  RATE_LIMITED: {
    message: 'Rate limit exceeded: 300 requests per minute; retry in 42 seconds',
    details: [{ limit: 300, retryAfterSeconds: 42 }],
  },
  QUOTA_EXCEEDED: {
    message: 'The monthly quota of 3 AI insights is used up; it resets on 2026-12-01',
    details: [{ limit: 3, used: 3, resetsAt: '2026-12-01T00:00:00.000Z' }],
  },
  INTERNAL: { message: 'Internal server error' },
  UPSTREAM_ERROR: { message: 'The payment provider could not be reached' },
  UPSTREAM_RATE_LIMITED: { message: 'The AI provider is rate limiting this server; retry in 20 s' },
  SERVICE_UNAVAILABLE: { message: 'The database is not reachable; retry shortly' },
  UPSTREAM_TIMEOUT: { message: 'The AI provider did not answer in time' },
};

export function errorExample(code: ErrorCode) {
  const example = EXAMPLES[code] ?? { message: errorCatalog[code].description };
  return {
    error: {
      code,
      message: example.message,
      ...(example.details ? { details: example.details } : {}),
      requestId: REQUEST_ID,
    },
  };
}

/** The codes an error response lists, from the description `errorResponses` writes (`CODE`: …). */
export function codesInDescription(description: string): ErrorCode[] {
  const codes: ErrorCode[] = [];
  for (const match of description.matchAll(/(?:^|\n)`([A-Z_]+)`:/g)) {
    const code = match[1] as ErrorCode;
    if (code in errorCatalog) codes.push(code);
  }
  return codes;
}

const integer = { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 } as const;

export const RESPONSE_HEADERS = {
  RequestId: {
    description: 'The request id (the one sent in `x-request-id`, or a generated one); quoted in every error body.',
    schema: { type: 'string', maxLength: 128 },
  },
  RateLimitLimit: {
    description:
      'Requests allowed in the current window by the limit that applies: the per-address limit, the sign-in throttle of an auth path, or the API key’s own budget when a key is used.',
    schema: integer,
  },
  RateLimitRemaining: { description: 'Requests left in the current window.', schema: integer },
  RateLimitReset: { description: 'Seconds until the current window resets.', schema: integer },
  RetryAfter: { description: 'Seconds to wait before retrying.', schema: integer },
  SetAuthToken: {
    description:
      'The session token for `Authorization: Bearer <token>` (mobile and server clients); browsers use the cookie instead.',
    schema: { type: 'string' },
  },
} as const;

const ref = (name: keyof typeof RESPONSE_HEADERS) => ({ $ref: `#/components/headers/${name}` });

/** Paths whose success answer starts a session, and so carries `set-auth-token`. */
const SESSION_STARTING = new Set(['/api/auth/sign-in/email', '/api/auth/sign-up/email']);

const SAFE = Number.MAX_SAFE_INTEGER;

const INT32 = 2_147_483_647;

/**
 * zod writes ±2^53−1 as the bounds of every unbounded integer; they only mislead (and become
 * Swagger UI's examples). Integers also get their format: int32 when their bounds fit, else int64.
 */
function tidyIntegers(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) tidyIntegers(item);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const node = value as Record<string, unknown>;
  if (node.minimum === -SAFE) delete node.minimum;
  if (node.maximum === SAFE) delete node.maximum;
  const isInteger = node.type === 'integer' || (Array.isArray(node.type) && node.type.includes('integer'));
  if (isInteger && node.format === undefined) {
    const fits = (bound: unknown) => typeof bound === 'number' && Math.abs(bound) <= INT32;
    node.format = fits(node.minimum) && fits(node.maximum) ? 'int32' : 'int64';
  }
  for (const child of Object.values(node)) tidyIntegers(child);
}

type Media = { schema?: { $ref?: string }; example?: unknown; examples?: Record<string, unknown> };
type Response = { description?: string; headers?: Record<string, unknown>; content?: Record<string, Media> };
type Operation = { responses?: Record<string, Response>; requestBody?: { content?: Record<string, Media> } };

/**
 * Swagger UI pre-fills "Try it out" from the body's example; a named schema's first example is
 * copied there, so the pre-filled body is one that works (not a sample built from the types,
 * which for better-auth's bodies was `"callbackURL": "string"`, refused as untrusted).
 */
function exampleFromSchema(media: Media | undefined, schemas: Record<string, { examples?: unknown[] }>): void {
  if (!media || media.example !== undefined || media.examples !== undefined) return;
  const name = media.schema?.$ref?.replace('#/components/schemas/', '');
  const first = name ? schemas[name]?.examples?.[0] : undefined;
  if (first !== undefined) media.example = first;
}

export function polishDocument<T>(document: T): T {
  const doc = document as {
    paths?: Record<string, Record<string, Operation>>;
    components?: Record<string, unknown>;
  };
  const schemas = (doc.components?.schemas ?? {}) as Record<string, { examples?: unknown[] }>;
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const operation of Object.values(methods)) {
      exampleFromSchema(operation?.requestBody?.content?.['application/json'], schemas);
      const responses = operation?.responses;
      if (!responses || typeof responses !== 'object') continue;
      const limited = '429' in responses;
      for (const [status, response] of Object.entries(responses)) {
        const code = Number(status);
        // HTTP header names are case-insensitive; the spec spells them as linters and most docs do.
        const headers: Record<string, unknown> = { ...response.headers, 'X-Request-Id': ref('RequestId') };
        if (limited) {
          headers['X-RateLimit-Limit'] = ref('RateLimitLimit');
          headers['X-RateLimit-Remaining'] = ref('RateLimitRemaining');
          headers['X-RateLimit-Reset'] = ref('RateLimitReset');
        }
        if (code === 429 || code === 503) headers['Retry-After'] = ref('RetryAfter');
        if (code === 200 && SESSION_STARTING.has(path)) headers['Set-Auth-Token'] = ref('SetAuthToken');
        response.headers = headers;

        const media = response.content?.['application/json'];
        if (code >= 400 && media && response.description) {
          const codes = codesInDescription(response.description);
          if (codes.length > 0) {
            delete media.example;
            media.examples = Object.fromEntries(codes.map((c) => [c, { summary: c, value: errorExample(c) }]));
          }
        }
      }
    }
  }
  doc.components = { ...doc.components, headers: { ...(doc.components?.headers as object), ...RESPONSE_HEADERS } };
  tidyIntegers(doc.paths);
  tidyIntegers(doc.components);
  return document;
}
