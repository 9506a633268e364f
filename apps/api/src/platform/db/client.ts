import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { DatabaseStats, instrumentPglite, instrumentPostgres } from './instrument.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The database type every repository takes; the same for PostgreSQL and PGlite. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseDriver = 'postgres' | 'pglite';

export interface DatabaseHandle {
  readonly db: Database;
  readonly driver: DatabaseDriver;
  /** A trivial round trip; rejects when the database does not answer. */
  ping(): Promise<void>;
  /** Runs raw SQL and returns its rows, whatever the driver. */
  rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]>;
  close(): Promise<void>;
  /** Statements in flight, open transactions and per-statement timing (read by the metrics). */
  readonly stats: DatabaseStats;
}

export interface PostgresOptions {
  url: string;
  poolMax: number;
  /** Seconds to wait for a connection before failing (postgres.js `connect_timeout`). */
  connectTimeoutSeconds?: number;
  /** Called with every statement sent through Drizzle (tests count statements per request). */
  onQuery?: (query: string) => void;
}

function queryLogger(onQuery: ((query: string) => void) | undefined) {
  return onQuery ? { logger: { logQuery: (query: string) => onQuery(query) } } : {};
}

export function openPostgres(options: PostgresOptions): DatabaseHandle & { readonly client: postgres.Sql } {
  const client = postgres(options.url, {
    max: options.poolMax,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 30,
    onnotice: () => {},
  });
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
      await client`select 1`;
    },
    async rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>) {
      return (await db.execute(query)) as unknown as T[];
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.end({ timeout: 5 });
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
  const client =
    dataDir === 'memory'
      ? new PGlite(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {})
      : new PGlite(dataDir);
  await client.waitReady;
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
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

export { sql };
