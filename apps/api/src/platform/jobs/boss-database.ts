import { sql } from 'drizzle-orm';
import { type DrizzleTransactionLike, fromDrizzle, type Db as IDatabase } from 'pg-boss';
import { type DatabaseHandle, encodeSqlParameters, type Tx } from '../db/client.js';

/**
 * pg-boss's database adapter over our own handle, for PostgreSQL and PGlite alike: every pg-boss
 * statement goes through `DatabaseHandle.executeSql` (the pool and deadlines of postgres.js, or
 * the one PGlite connection). pg-boss sends its multi-statement blocks (`BEGIN; advisory lock;
 * ...; COMMIT`) as one text without parameters, which both drivers run in one round trip, so a
 * block never interleaves with another statement, even on PGlite's single connection.
 */
export function createBossDatabase(database: Pick<DatabaseHandle, 'executeSql'>): IDatabase {
  return { executeSql: (text: string, values?: unknown[]) => database.executeSql(text, values) };
}

/**
 * pg-boss inside one of our transactions (a drizzle `tx`), so a job is sent if and only if the
 * caller's transaction commits. Parameters are encoded as for the pool (arrays, JSON).
 */
export function bossDatabaseInTransaction(tx: Tx): IDatabase {
  const inner = fromDrizzle(tx as unknown as DrizzleTransactionLike, sql);
  return {
    executeSql: (text: string, values?: unknown[]) =>
      inner.executeSql(text, values ? encodeSqlParameters(text, values) : values),
  };
}
