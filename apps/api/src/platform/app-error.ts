import createError from '@fastify/error';
import { type ErrorCode, type ErrorDetail, errorCatalog } from '@habitual/shared';

const AppErrorBase = createError<[string]>('APP_ERROR', '%s', 500);

export interface AppErrorOptions {
  /** Field problems, or structured facts such as a limit and its usage. */
  details?: Array<ErrorDetail | Record<string, unknown>>;
  /** Extra response headers, e.g. `Retry-After` or `Allow`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The one error type of the API. Services throw it with a code from the shared catalog; the
 * error handler takes the HTTP status from the same catalog and writes the envelope.
 */
export class AppError extends AppErrorBase {
  override readonly code: ErrorCode;
  readonly details: AppErrorOptions['details'];
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = errorCatalog[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
