/** The row types of the habits tables and what the habits repositories share. */
import type { SQL } from 'drizzle-orm';
import type { Database, Tx } from '../../platform/db/client.js';
import { checkIns, type habits } from './schema.js';

/** The database or an open transaction: every repository method takes either. */
export type Db = Database | Tx;

export type HabitRow = typeof habits.$inferSelect;
export type NewHabitRow = Omit<typeof habits.$inferInsert, 'id' | 'userId' | 'position' | 'revision'>;
export type CheckInRow = Pick<
  typeof checkIns.$inferSelect,
  'habitId' | 'date' | 'status' | 'value' | 'note' | 'updatedAt'
>;
export type CheckInWrite = Pick<typeof checkIns.$inferInsert, 'habitId' | 'date' | 'status' | 'value' | 'note'>;

/** What "today" is computed from: the user's zone and day-start hour. */
export interface Clocking {
  timezone: string;
  dayStartHour: number;
}

export const checkInColumns = {
  habitId: checkIns.habitId,
  date: checkIns.date,
  status: checkIns.status,
  value: checkIns.value,
  note: checkIns.note,
  updatedAt: checkIns.updatedAt,
};

/** Rows of a raw `execute`, whichever driver ran it (postgres.js: an array; PGlite: `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * A raw statement prepared once under `name` (execute it with the values of its
 * `sql.placeholder`s): Drizzle's query builders have `.prepare(name)`, its `sql` template does
 * not, and a statement sent without a name is parsed and planned by PostgreSQL on every call
 * (about 0.35 ms for the check-in upsert). This reaches Drizzle's session, the same call the
 * builders' `.prepare(name)` makes; both drivers' sessions have it.
 */
export function prepareRaw(
  db: Database,
  query: SQL,
  name: string,
): { execute(values: Record<string, unknown>): Promise<unknown> } {
  const internals = db as unknown as {
    dialect: { sqlToQuery(query: SQL): unknown };
    session: {
      prepareQuery(
        query: unknown,
        fields: undefined,
        name: string,
        isResponseInArrayMode: boolean,
      ): { execute(values: Record<string, unknown>): Promise<unknown> };
    };
  };
  return internals.session.prepareQuery(internals.dialect.sqlToQuery(query), undefined, name, false);
}
