import { z } from 'zod';

/**
 * The one table of error codes. The API maps each code to its HTTP status from here, and the
 * OpenAPI document lists the same codes under every route's error responses, so the two
 * cannot drift apart. Codes are stable: clients may branch on them.
 */
export const errorCatalog = {
  VALIDATION_ERROR: {
    status: 400,
    description: 'The request does not match the schema; `details` names every offending field.',
  },
  MALFORMED_BODY: {
    status: 400,
    description: 'The body could not be parsed (invalid JSON, or an empty body with a JSON content type).',
  },
  UNAUTHENTICATED: { status: 401, description: 'No valid credentials were sent.' },
  PLAN_LIMIT_REACHED: {
    status: 402,
    description: "The user's plan does not allow more of this resource; `details` carries the limit and usage.",
  },
  FORBIDDEN: { status: 403, description: 'The credentials are valid but not allowed to do this.' },
  NOT_FOUND: { status: 404, description: 'The resource or route does not exist (or belongs to someone else).' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    description: 'The route exists but not for this method; the `Allow` header lists the methods it has.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    description:
      'The request (headers within 10 s, the whole request within 30 s) did not arrive in time; the connection is closed.',
  },
  CONFLICT: { status: 409, description: 'The request conflicts with the current state of the resource.' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The body is larger than the server accepts.' },
  URI_TOO_LONG: { status: 414, description: 'A path parameter is longer than 200 characters.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: 'The body has a content type this route does not accept (send `application/json`).',
  },
  REQUEST_HEADERS_TOO_LARGE: {
    status: 431,
    description: 'The request line and headers together exceed 16 KiB; the connection is closed.',
  },
  RATE_LIMITED: {
    status: 429,
    description: 'Too many requests from this client; retry after the number of seconds in `Retry-After`.',
  },
  QUOTA_EXCEEDED: {
    status: 429,
    description: "The plan's quota for this period is used up; `details` says when it resets.",
  },
  INTERNAL: {
    status: 500,
    description: 'An unexpected error; the message is masked and the cause is logged under the request id.',
  },
  UPSTREAM_ERROR: { status: 502, description: 'An outside service (payments, AI provider) failed.' },
  UPSTREAM_RATE_LIMITED: {
    status: 503,
    description:
      'An outside service (the AI provider, Stripe) is rate limiting this server (not your own request rate, which is RATE_LIMITED); retry after the seconds in `Retry-After`.',
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    description:
      'The service, or a feature it depends on, is not available right now. When the database is unreachable, too slow or not migrated, `Retry-After` says when to retry and `details[0].reason` says why (`details[0].mayHaveCommitted` when a write may have been applied).',
  },
  UPSTREAM_TIMEOUT: { status: 504, description: 'An outside service did not answer in time.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export const errorCodes = Object.keys(errorCatalog) as [ErrorCode, ...ErrorCode[]];

export const ErrorCodeSchema = z.enum(errorCodes).meta({
  id: 'ErrorCode',
  description: 'A stable, machine-readable error code.',
});

export const ErrorDetail = z
  .object({
    location: z
      .enum(['body', 'querystring', 'params', 'headers'])
      .optional()
      .describe('Which part of the request the problem is in.'),
    path: z.string().describe('Dotted path of the offending field within that part; empty for the part as a whole.'),
    message: z.string().describe('What is wrong, in English.'),
    code: z.string().optional().describe('A short machine-readable reason, e.g. `too_big` or `invalid_type`.'),
  })
  .meta({ id: 'ErrorDetail' });
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string().describe('A human-readable message; masked for 5xx errors.'),
      details: z
        .array(z.union([ErrorDetail, z.record(z.string(), z.unknown())]))
        .optional()
        .describe('Field problems for validation errors, or structured facts (a limit and usage, a reset date).'),
      requestId: z.string().describe('The request id; quote it when reporting a problem. Also sent as `x-request-id`.'),
    }),
  })
  .meta({
    id: 'Error',
    description: 'Every 4xx and 5xx response has this shape.',
    examples: [
      {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'body.name: Too big: expected string to have <=100 characters',
          details: [
            {
              location: 'body',
              path: 'name',
              message: 'Too big: expected string to have <=100 characters',
              code: 'too_big',
            },
          ],
          requestId: '6f1c2d0e-3a1b-4f7e-9a53-2b8f0c1d9e44',
        },
      },
    ],
  });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
