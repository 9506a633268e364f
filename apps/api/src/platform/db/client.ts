import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createDeadlineGuard } from './deadline.js';
import { lockEmbeddedFolder } from './embedded-lock.js';
import { DatabaseStats, instrumentPglite, instrumentPostgres } from './instrument.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The database type every repository takes; the same for PostgreSQL and PGlite. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction on that database: what `db.transaction(async (tx) => ...)` hands its callback. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export type DatabaseDriver = 'postgres' | 'pglite';

export interface DatabaseHandle {
  readonly db: Database;
  readonly driver: DatabaseDriver;
  /** A trivial round trip; rejects when the database does not answer. */
  ping(): Promise<void>;
  /** Runs raw SQL and returns its rows, whatever the driver. */
  rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]>;
  close(): Promise<void>;
  /**
   * The raw SQL door for the job queue (pg-boss's `executeSql`): `$1` placeholders, and without
   * values a text of several statements run in one round trip (pg-boss's `BEGIN; ...; COMMIT`
   * blocks), whose rows are returned together.
   */
  executeSql(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Statements in flight, open transactions and per-statement timing (read by the metrics). */
  readonly stats: DatabaseStats;
}

export interface PostgresOptions {
  url: string;
  poolMax: number;
  /** Seconds to wait for a connection before failing (postgres.js `connect_timeout`). */
  connectTimeoutSeconds?: number;
  /**
   * The server's `statement_timeout`. The client gives every statement this long plus
   * STATEMENT_DEADLINE_GRACE_MS (waiting for a connection included) before failing it and
   * retiring a connection that stays silent (see deadline.ts).
   */
  statementTimeoutMs?: number;
  /** Called with every statement sent through Drizzle (tests count statements per request). */
  onQuery?: (query: string) => void;
}

function queryLogger(onQuery: ((query: string) => void) | undefined) {
  return onQuery ? { logger: { logQuery: (query: string) => onQuery(query) } } : {};
}

/** Default `statement_timeout` (DATABASE_STATEMENT_TIMEOUT_MS). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
/** How much later than the server's statement_timeout the client gives up, so a healthy server answers first. */
export const STATEMENT_DEADLINE_GRACE_MS = 500;

export function openPostgres(options: PostgresOptions): DatabaseHandle & { readonly client: postgres.Sql } {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const guard = createDeadlineGuard({
    deadlineMs: statementTimeoutMs + STATEMENT_DEADLINE_GRACE_MS,
    keepAliveMs: 10_000,
  });
  const client = postgres(options.url, {
    max: options.poolMax,
    // Never longer than the statement deadline: a request waiting for a new connection gets its answer in time.
    connect_timeout: options.connectTimeoutSeconds ?? Math.max(1, Math.ceil(statementTimeoutMs / 1000)),
    idle_timeout: 30,
    keep_alive: 10,
    // postgres.js reads array types on each new connection in a promise nobody handles: a connection
    // lost at that moment crashes the process. No column or parameter of ours is an array.
    fetch_types: false,
    // postgres.js backs off up to 20 s after failed connections; capped at 1 s so the pool is
    // back within seconds of the database.
    backoff: (attempt: number) => Math.min(0.1 * 2 ** attempt, 1),
    connection: { statement_timeout: statementTimeoutMs, application_name: 'habitual-api' },
    onnotice: () => {},
    // Not in postgres.js's types, but a documented option: our own sockets, which the deadline guard watches.
    ...({ socket: guard.socket } as object),
  });
  // The deadline guard replaces the client's own methods, so it goes first; the counting wrapper
  // then sees every statement with its deadline.
  guard.install(client);
  const stats = new DatabaseStats(options.poolMax);
  const instrumented = instrumentPostgres(client, stats);
  const db = drizzlePostgres({ client: instrumented, schema, casing: 'snake_case', ...queryLogger(options.onQuery) });
  let closed = false;
  return {
    db,
    client,
    stats,
    driver: 'postgres',
    async ping() {
      await client.unsafe('select 1');
    },
    async rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>) {
      return (await db.execute(query)) as unknown as T[];
    },
    async executeSql(text, values) {
      // Without values: the simple protocol, which allows several statements in one text.
      if (values?.length) {
        const result = await client.unsafe(
          text,
          encodeSqlParameters(text, values) as postgres.ParameterOrJSON<never>[],
        );
        return { rows: result as unknown as Record<string, unknown>[] };
      }
      // A text of several statements in its own BEGIN ... COMMIT (pg-boss's locked blocks): postgres.js
      // allows a transaction only through `begin`, which holds one connection for it.
      const block = /^\s*BEGIN;([\s\S]*?);?\s*COMMIT;?\s*$/i.exec(text);
      const result = block
        ? await client.begin((tx) => tx.unsafe(block[1] ?? '').simple())
        : await client.unsafe(text).simple();
      return { rows: flattenRows(result as unknown as unknown[]) };
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.end({ timeout: 5 });
      guard.stop();
    },
  };
}

/**
 * `dataDir` is a folder, or `memory` for a throwaway in-memory database. `loadDataDir` starts
 * an in-memory database from a dump (`dumpDataDir()`), which skips initdb: tests migrate once
 * per run and start every file from that copy.
 */
export async function openPglite(
  dataDir: string,
  options: Pick<PostgresOptions, 'onQuery'> & { loadDataDir?: Blob } = {},
): Promise<DatabaseHandle & { readonly client: PGlite }> {
  if (dataDir !== 'memory') mkdirSync(dataDir, { recursive: true });
  // One process per folder: two PGlite instances on one folder each keep their own copy and lose the other's writes.
  const lock = dataDir === 'memory' ? undefined : lockEmbeddedFolder(dataDir);
  let client: PGlite;
  try {
    client =
      dataDir === 'memory'
        ? new PGlite(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {})
        : new PGlite(dataDir);
    await client.waitReady;
  } catch (err) {
    lock?.release();
    throw err;
  }
  const stats = new DatabaseStats(1);
  const instrumented = instrumentPglite(client, stats);
  const db = drizzlePglite({ client: instrumented, schema, casing: 'snake_case', ...queryLogger(options.onQuery) });
  let closed = false;
  return {
    db,
    client,
    stats,
    driver: 'pglite',
    async ping() {
      await client.query('select 1');
    },
    async rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>) {
      const result = (await db.execute(query)) as unknown as { rows: T[] };
      return result.rows;
    },
    async executeSql(text, values) {
      if (values?.length) return (await client.query<Record<string, unknown>>(text, [...values])) as never;
      try {
        const results = await client.exec(text);
        return { rows: results.flatMap((r) => r.rows as Record<string, unknown>[]) };
      } catch (err) {
        // One session: a block that failed between its BEGIN and COMMIT would leave it in an aborted
        // transaction that fails every later statement (a pool would just drop the connection).
        await client.query('rollback').catch(() => {});
        throw err;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * Parameters as node-postgres would send them. postgres.js runs without the server's array types
 * (`fetch_types: false`), so an array bound as `$1::uuid[]` (pg-boss does) goes as a PostgreSQL
 * array literal; other arrays and objects as JSON, dates as ISO strings.
 */
export function encodeSqlParameters(text: string, values: readonly unknown[]): unknown[] {
  const arrayCast = new Set<number>();
  for (const match of text.matchAll(/\$(\d+)::[a-z_][a-z0-9_]*\[\]/gi)) arrayCast.add(Number(match[1]) - 1);
  return values.map((value, i) => {
    if (value === null || value === undefined) return null;
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value) && arrayCast.has(i)) {
      const quote = (v: unknown) => `"${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
      return `{${value.map((v) => (v === null ? 'NULL' : quote(v))).join(',')}}`;
    }
    if (typeof value === 'object') return JSON.stringify(value);
    return value;
  });
}

/** postgres.js answers a several-statement text with one row list per statement. */
function flattenRows(result: unknown[]): Record<string, unknown>[] {
  if (result.length > 0 && result.every((r) => Array.isArray(r))) return (result as unknown[][]).flat() as never;
  return result as Record<string, unknown>[];
}

export { sql };
