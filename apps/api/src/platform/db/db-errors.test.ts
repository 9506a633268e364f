import { describe, expect, it } from 'vitest';
import { databaseFailure, loggableError, redactQueryParams } from './db-errors.js';
import { DatabaseDeadlineError } from './deadline.js';

/** What drizzle throws: its own error with the statement and values, the driver's error as cause. */
function drizzleError(query: string, params: unknown[], cause: Error) {
  return Object.assign(new Error(`Failed query: ${query}\nparams: ${params.join(',')}`), { query, params, cause });
}

function pgError(code: string, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { name: 'PostgresError', code, severity: 'ERROR', ...extra });
}

describe('databaseFailure', () => {
  it('reads the cause chain: a statement timeout inside drizzle is a timeout, and rolled back', () => {
    const err = drizzleError(
      'update habit set name = $1',
      ['x'],
      pgError('57014', 'canceling statement due to statement timeout'),
    );
    expect(databaseFailure(err)).toEqual({ reason: 'timeout', retryAfterSeconds: 5, mayHaveCommitted: false });
  });

  it.each([
    ['57P01', 'unavailable'],
    ['57P03', 'unavailable'],
    ['53300', 'busy'],
    ['40P01', 'busy'],
    ['42P01', 'schema_out_of_date'],
    ['42703', 'schema_out_of_date'],
  ] as const)('SQLSTATE %s is %s', (code, reason) => {
    expect(databaseFailure(pgError(code, 'x'))?.reason).toBe(reason);
  });

  it('connection errors of the driver, and of the socket under a statement, are outages', () => {
    for (const code of ['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']) {
      expect(databaseFailure(Object.assign(new Error(code), { code })), code).toBeDefined();
    }
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ERR_SSL_SSL/TLS_ALERT_BAD_RECORD_MAC']) {
      const socket = Object.assign(new Error(code), { code });
      expect(databaseFailure(drizzleError('select 1', [], socket)), code).toBeDefined();
      // The same code without a statement is a client hanging up, not the database.
      expect(databaseFailure(socket), code).toBeUndefined();
    }
    expect(databaseFailure(new Error('PGlite is closed'))?.reason).toBe('unavailable');
  });

  it('a write whose connection was lost after it was sent may have committed; one never sent did not', () => {
    const lost = Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' });
    const insert = drizzleError('insert into check_in (habit_id) values ($1)', ['h'], lost);
    expect(databaseFailure(insert)?.mayHaveCommitted).toBe(true);
    expect(databaseFailure(drizzleError('commit', [], lost))?.mayHaveCommitted).toBe(true);
    expect(databaseFailure(drizzleError('select 1', [], lost))?.mayHaveCommitted).toBe(false);
    const queued = new DatabaseDeadlineError('no database connection became free', false);
    expect(databaseFailure(drizzleError('insert into habit (name) values ($1)', ['x'], queued))).toEqual({
      reason: 'timeout',
      retryAfterSeconds: 5,
      mayHaveCommitted: false,
    });
  });

  it('leaves other errors alone', () => {
    expect(databaseFailure(new Error('boom'))).toBeUndefined();
    expect(databaseFailure(pgError('23505', 'duplicate key value violates unique constraint'))).toBeUndefined();
    expect(databaseFailure(undefined)).toBeUndefined();
  });
});

describe('loggableError', () => {
  it("drops the statement's values and PostgreSQL's detail, keeps codes, names and the stack", () => {
    const cause = pgError('23505', 'duplicate key value violates unique constraint "user_email_unique"', {
      detail: 'Key (email)=(ada@example.com) already exists.',
      constraint_name: 'user_email_unique',
    });
    const err = drizzleError('insert into "user" ("email") values ($1)', ['ada@example.com'], cause);
    const safe = loggableError(err) as Error & { cause: Record<string, unknown> };
    const text = JSON.stringify({
      message: safe.message,
      stack: safe.stack,
      cause: { ...safe.cause, stack: safe.cause.stack },
    });
    expect(text).not.toContain('ada@example.com');
    expect(safe.message).toBe('Failed query: insert into "user" ("email") values ($1)\nparams: [redacted]');
    expect(safe.stack).toContain('    at ');
    expect(safe.cause).toMatchObject({ code: '23505', constraint_name: 'user_email_unique' });
    expect(safe.cause.detail).toBeUndefined();
  });

  it('returns errors that did not come from the database unchanged', () => {
    const err = new Error('not a database error');
    expect(loggableError(err)).toBe(err);
    expect(redactQueryParams('no params here')).toBe('no params here');
  });
});
