import type { SQL } from 'drizzle-orm';
import type { Database, Tx } from './client.js';

/**
 * The rows of a raw `execute`, whichever driver ran it: postgres.js answers an array, PGlite
 * `{ rows }`. The one place that knows the difference (repositories call `executeRows`).
 */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Runs raw SQL on the database or inside a transaction and returns its rows. */
export async function executeRows<T>(db: Database | Tx, query: SQL): Promise<T[]> {
  return rowsOf<T>(await db.execute(query));
}
