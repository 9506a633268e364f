import type { ErrorCode, ErrorDetail, ErrorEnvelope } from '@habitual/shared';
import { errorCatalog, errorCodes } from '@habitual/shared';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, isAppError } from './app-error.js';
import { databaseFailure, loggableError } from './db/db-errors.js';
import type { RouteTable } from './route-table.js';

type Location = NonNullable<ErrorDetail['location']>;

const LOCATIONS: Record<string, Location> = {
  body: 'body',
  querystring: 'querystring',
  params: 'params',
  headers: 'headers',
};

/** Fastify's own client errors, by code, mapped onto ours. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'MALFORMED_BODY', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'MALFORMED_BODY',
    message: "The body is empty but the content type is application/json; send '{}' or drop the header",
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_BODY', message: 'The body is not valid JSON' },
  FST_ERR_CTP_EMPTY_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The Content-Type header is empty' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_BAD_URL: { code: 'VALIDATION_ERROR', message: 'The URL is malformed' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'VALIDATION_ERROR' },
  FST_ERR_INVALID_URL: { code: 'VALIDATION_ERROR', message: 'The URL is malformed' },
  // Fastify's own message echoes the whole URL; ours names the limit.
  FST_ERR_MAX_PARAM_LENGTH: { code: 'URI_TOO_LONG', message: 'A path parameter is longer than 200 characters' },
};

export function statusOf(code: ErrorCode): number {
  return errorCatalog[code].status;
}

function validationDetails(error: FastifyError & { validationContext?: string }): ErrorDetail[] {
  const location = LOCATIONS[error.validationContext ?? ''];
  if (hasZodFastifySchemaValidationErrors(error)) {
    return error.validation.map((issue) => ({
      ...(location ? { location } : {}),
      path: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'),
      message: issue.message ?? 'Invalid value',
      code: issue.keyword,
    }));
  }
  return [{ ...(location ? { location } : {}), path: '', message: error.message }];
}

function describe(details: ErrorDetail[]): string {
  const first = details[0];
  if (!first) return 'The request is invalid';
  const where = [first.location, first.path].filter(Boolean).join('.');
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return `${where ? `${where}: ` : ''}${first.message}${more}`;
}

const DATABASE_MESSAGES = {
  timeout: 'The database did not answer in time; retry the request',
  unavailable: 'The database is not available right now; retry the request',
  busy: 'The database is busy; retry the request',
  schema_out_of_date: 'The database schema is not up to date (migrations are pending); retry later',
} as const;

/** Turns anything thrown into an AppError; unknown errors become INTERNAL. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const db = databaseFailure(error);
  if (db) {
    return new AppError('SERVICE_UNAVAILABLE', DATABASE_MESSAGES[db.reason], {
      headers: { 'retry-after': String(db.retryAfterSeconds) },
      details: [
        {
          reason: `database_${db.reason}`,
          retryAfterSeconds: db.retryAfterSeconds,
          ...(db.mayHaveCommitted ? { mayHaveCommitted: true } : {}),
        },
      ],
      cause: error,
    });
  }
  const err = error as FastifyError & { validationContext?: string };
  if (err && typeof err === 'object' && Array.isArray(err.validation)) {
    const details = validationDetails(err);
    return new AppError('VALIDATION_ERROR', describe(details), { details, cause: error });
  }
  if (err && typeof err === 'object' && !isResponseSerializationError(err as never)) {
    const known = typeof err.code === 'string' ? FASTIFY_CODES[err.code] : undefined;
    if (known) return new AppError(known.code, known.message ?? err.message, { cause: error });
    // Other client errors raised by Fastify or a plugin carry a 4xx statusCode.
    const status = err.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = codeForStatus(status);
      return new AppError(code, err.message || errorCatalog[code].description, { cause: error });
    }
    if (status === 503)
      return new AppError('SERVICE_UNAVAILABLE', 'The service is shutting down or not ready', { cause: error });
  }
  return new AppError('INTERNAL', 'Internal server error', { cause: error });
}

/**
 * Codes that say more than their status: a bare status from Fastify, a plugin or better-auth
 * never stands for one of them (a 400 is not known to be unparseable JSON, a 503 not to come
 * from an outside service).
 */
const SPECIFIC_CODES: ReadonlySet<ErrorCode> = new Set([
  'MALFORMED_BODY',
  'PLAN_LIMIT_REACHED',
  'QUOTA_EXCEEDED',
  'UPSTREAM_ERROR',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_TIMEOUT',
]);

/** Status → code, read off the error table: for each status, its first code that is not specific. */
const CODE_BY_STATUS: ReadonlyMap<number, ErrorCode> = (() => {
  const byStatus = new Map<number, ErrorCode>();
  for (const code of errorCodes) {
    const { status } = errorCatalog[code];
    if (!SPECIFIC_CODES.has(code) && !byStatus.has(status)) byStatus.set(status, code);
  }
  return byStatus;
})();

/**
 * The one status → code mapping, for errors that come with a status only (Fastify plugins,
 * better-auth). A status the table does not have: VALIDATION_ERROR for a 4xx, INTERNAL for a 5xx.
 */
export function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS.get(status) ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_ERROR');
}

export function envelope(error: AppError, requestId: string): ErrorEnvelope {
  const status = statusOf(error.code);
  return {
    error: {
      code: error.code,
      // 5xx messages are masked; the cause goes to the log under the same request id.
      message: status >= 500 && error.code === 'INTERNAL' ? 'Internal server error' : error.message,
      ...(error.details && error.details.length > 0 ? { details: error.details } : {}),
      requestId,
    },
  };
}

/** Answers with the envelope of `error`, logging 5xx with their cause. */
export function send(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  const status = statusOf(error.code);
  if (status >= 500) {
    request.log.error({ err: loggableError(error.cause ?? error), code: error.code }, 'request failed');
  } else {
    request.log.info({ code: error.code, status, message: error.message }, 'request rejected');
  }
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(status).type('application/json; charset=utf-8').send(envelope(error, request.id));
}

/** Answers unknown routes: 405 with `Allow` for a path that exists with other methods, else 404. */
export function notFoundHandler(routes: RouteTable) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = routes.methodsFor(path);
    if (allowed.length > 0) {
      return send(
        request,
        reply,
        new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`, {
          headers: { allow: allowed.join(', ') },
        }),
      );
    }
    return send(request, reply, new AppError('NOT_FOUND', `Route ${request.method} ${path} not found`));
  };
}

/** One error handler for the whole app: every 4xx and 5xx leaves as the shared `Error` envelope. */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error, request, reply) => send(request, reply, toAppError(error)));
  },
  { name: 'habitual-error-handler' },
);
