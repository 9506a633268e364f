/**
 * The one place that decides which database errors mean "the database is not available right
 * now" (answered 503 with Retry-After, never 500), and how a database error is written to the log
 * without the values of the statement (emails, names, tokens).
 */

export type DatabaseFailureReason = 'timeout' | 'unavailable' | 'busy' | 'schema_out_of_date';

export interface DatabaseFailure {
  reason: DatabaseFailureReason;
  /** Seconds a client should wait before retrying. */
  retryAfterSeconds: number;
  /**
   * True when a data-changing statement (or its COMMIT) had been sent and the connection was
   * lost before its answer: the change may have been applied. False when it certainly was not.
   */
  mayHaveCommitted: boolean;
}

/** SQLSTATE codes (PostgreSQL and PGlite) that mean the database, not the request, is the problem. */
const SQLSTATES: Record<string, DatabaseFailureReason> = {
  '57014': 'timeout', // query_canceled: statement_timeout
  '55P03': 'timeout', // lock_not_available: lock_timeout
  '25P03': 'timeout', // idle_in_transaction_session_timeout
  '57P01': 'unavailable', // admin_shutdown
  '57P02': 'unavailable', // crash_shutdown
  '57P03': 'unavailable', // cannot_connect_now (starting up, or in recovery)
  '57P05': 'unavailable', // idle_session_timeout
  '53000': 'unavailable', // insufficient_resources
  '53100': 'unavailable', // disk_full
  '53200': 'unavailable', // out_of_memory
  '53300': 'busy', // too_many_connections
  '53400': 'busy', // configuration_limit_exceeded
  '40001': 'busy', // serialization_failure: retrying succeeds
  '40P01': 'busy', // deadlock_detected: retrying succeeds
  '42P01': 'schema_out_of_date', // undefined_table: migrations are pending
  '42703': 'schema_out_of_date', // undefined_column
};

/** Errors of the driver (postgres.js) and of our deadline guard. */
const DRIVER_CODES: Record<string, DatabaseFailureReason> = {
  DB_DEADLINE: 'timeout',
  CONNECT_TIMEOUT: 'timeout',
  CONNECTION_CLOSED: 'unavailable',
  CONNECTION_DESTROYED: 'unavailable',
  CONNECTION_ENDED: 'unavailable',
};

/**
 * Errors of the socket below the driver. A client that hangs up mid-request raises the same
 * codes, so they count only on an error that carries a statement (`query`, which postgres.js
 * and drizzle attach).
 */
const SOCKET_CODES: Record<string, DatabaseFailureReason> = {
  ETIMEDOUT: 'timeout',
  ECONNREFUSED: 'unavailable',
  ECONNRESET: 'unavailable',
  ECONNABORTED: 'unavailable',
  EPIPE: 'unavailable',
  EHOSTUNREACH: 'unavailable',
  ENETUNREACH: 'unavailable',
  ENOTFOUND: 'unavailable',
  EAI_AGAIN: 'unavailable',
};

const RETRY_AFTER: Record<DatabaseFailureReason, number> = {
  timeout: 5,
  unavailable: 5,
  busy: 1,
  schema_out_of_date: 30,
};

/** Connection losses after which a sent statement's fate is unknown (a server-side error means it rolled back). */
const FATE_UNKNOWN = new Set([
  'DB_DEADLINE',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

type ErrorLike = { code?: unknown; message?: unknown; cause?: unknown; query?: unknown; sent?: unknown };

/** The error and its causes, outermost first (drizzle wraps driver errors in DrizzleQueryError). */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && out.length < 6 && !out.includes(current as ErrorLike)) {
    out.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return out;
}

function reasonOf(err: ErrorLike, withStatement: boolean): DatabaseFailureReason | undefined {
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (code && SQLSTATES[code]) return SQLSTATES[code];
  if (code && DRIVER_CODES[code]) return DRIVER_CODES[code];
  if (withStatement && code && SOCKET_CODES[code]) return SOCKET_CODES[code];
  // A TLS session broken under the connection (a record lost or corrupted on the way).
  if (withStatement && code?.startsWith('ERR_SSL_')) return 'unavailable';
  // PGlite after close() (e.g. during shutdown) has no code.
  if (typeof err.message === 'string' && err.message === 'PGlite is closed') return 'unavailable';
  return undefined;
}

function changesData(query: string): boolean {
  return /^\s*(insert|update|delete|commit|with\b[\s\S]*\b(insert|update|delete)\b)/i.test(query);
}

/** Classifies an error thrown by a database call; undefined when it is not a database outage. */
export function databaseFailure(error: unknown): DatabaseFailure | undefined {
  const links = chain(error);
  const withStatement = links.some((l) => 'query' in l);
  for (const link of links) {
    const reason = reasonOf(link, withStatement);
    if (!reason) continue;
    const code = String(link.code);
    const query = links.map((l) => l.query).find((q): q is string => typeof q === 'string') ?? '';
    const sent = link.sent !== false;
    const mayHaveCommitted = FATE_UNKNOWN.has(code) && sent && changesData(query);
    return { reason, retryAfterSeconds: RETRY_AFTER[reason], mayHaveCommitted };
  }
  return undefined;
}

/** Drops drizzle's `params: ...` tail (the statement's values) from a message. */
export function redactQueryParams(text: string): string {
  return text.replace(/\nparams: [\s\S]*$/, '\nparams: [redacted]');
}

/** Fields of a PostgreSQL error that carry only codes and names, never the statement's values. */
const SAFE_FIELDS = ['code', 'severity', 'routine', 'schema_name', 'table_name', 'column_name', 'constraint_name'];

/**
 * A copy of an error that is safe to log: messages without statement values, PostgreSQL's
 * `detail` (which quotes the offending values) and the parameters left out, and the stack kept.
 * Errors that did not come from the database are returned unchanged.
 */
export function loggableError(error: unknown): unknown {
  const links = chain(error);
  const fromDatabase = links.some(
    (l) => typeof l.query === 'string' || (typeof l.code === 'string' && /^[0-9A-Z]{5}$/.test(l.code)),
  );
  if (!fromDatabase || !(error instanceof Error)) return error;
  const copy = (err: ErrorLike, depth: number): Error => {
    const source = err as Record<string, unknown>;
    const out = new Error(redactQueryParams(String(err.message ?? ''))) as Error & Record<string, unknown>;
    out.name = typeof source.name === 'string' ? source.name : 'Error';
    const stack = typeof source.stack === 'string' ? source.stack : '';
    const at = stack.indexOf('\n    at ');
    out.stack = at === -1 ? redactQueryParams(stack) : redactQueryParams(stack.slice(0, at)) + stack.slice(at);
    for (const field of SAFE_FIELDS) if (source[field] !== undefined) out[field] = source[field];
    if (err.cause && typeof err.cause === 'object' && depth < 5) out.cause = copy(err.cause as ErrorLike, depth + 1);
    return out;
  };
  return copy(error as ErrorLike, 0);
}
