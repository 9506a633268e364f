import { and, asc, count, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { Database, Tx } from '../../platform/db/client.js';
import { userClock } from '../auth/index.js';
import { createCheckInsRepository } from './check-ins-repository.js';
import type { Clocking, Db, HabitRow, NewHabitRow } from './rows.js';
import { checkIns, habits } from './schema.js';

export type { Clocking, HabitRow, NewHabitRow } from './rows.js';

const user = userClock.table;
const clocking = { timezone: userClock.timezone, dayStartHour: userClock.dayStartHour };

function toClocking(row: { timezone: string | null; dayStartHour: number | null }): Clocking {
  return { timezone: row.timezone ?? 'UTC', dayStartHour: row.dayStartHour ?? 0 };
}

/** What a list reads of each habit first: a cached view at this revision and position is current. */
export interface HabitKey {
  id: string;
  revision: number;
  position: number;
}

/** The user's zone and the keys of a keys-first read (a user without habits has one row of nulls). */
function keysOf(
  rows: readonly {
    timezone: string | null;
    dayStartHour: number | null;
    id: string | null;
    revision: number | null;
    position: number | null;
  }[],
): { clocking: Clocking; habits: HabitKey[] } | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const keys: HabitKey[] = [];
  for (const r of rows) {
    if (r.id !== null && r.revision !== null && r.position !== null) {
      keys.push({ id: r.id, revision: r.revision, position: r.position });
    }
  }
  return { clocking: toClocking(first), habits: keys };
}

/**
 * All SQL of the habits module: the statements on habits (and the user's zone they are read with)
 * here, those on check-ins in check-ins-repository.ts, returned as one repository. Every
 * statement carries the owner's id, so another user's habit simply does not match. No statement
 * count depends on how many habits or check-ins a user has: lists read all their rows in one
 * statement.
 */
export function createHabitsRepository(db: Database) {
  // The home screen is the hottest read: prepared once, one round trip for the user's zone and
  // every active habit (a LEFT JOIN, so a user without habits still gets their zone).
  const activeWithClocking = db
    .select({ ...clocking, habit: habits })
    .from(user)
    .leftJoin(habits, and(eq(habits.userId, user.id), isNull(habits.archivedAt)))
    .where(eq(user.id, sql.placeholder('userId')))
    .orderBy(asc(habits.position), asc(habits.id))
    .prepare('habits_active_with_clocking');

  const activeKeysWithClocking = db
    .select({ ...clocking, id: habits.id, revision: habits.revision, position: habits.position })
    .from(user)
    .leftJoin(habits, and(eq(habits.userId, user.id), isNull(habits.archivedAt)))
    .where(eq(user.id, sql.placeholder('userId')))
    .orderBy(asc(habits.position), asc(habits.id))
    .prepare('habits_active_keys_with_clocking');

  /**
   * GET /habits reads only the keys of a page (id, revision, position) and the user's zone, as
   * /today does: a cached view at that revision and position is current. Four prepared
   * statements (active or archived, first page or after a cursor), so neither Drizzle nor
   * PostgreSQL builds or plans the list per request.
   */
  const pageKeys = (archived: boolean, afterCursor: boolean) => {
    const conditions: SQL[] = [
      eq(habits.userId, user.id),
      archived ? isNotNull(habits.archivedAt) : isNull(habits.archivedAt),
    ];
    if (afterCursor) {
      conditions.push(
        sql`(${habits.position}, ${habits.id}) > (${sql.placeholder('afterPosition')}::integer, ${sql.placeholder('afterId')}::uuid)`,
      );
    }
    return db
      .select({ ...clocking, id: habits.id, revision: habits.revision, position: habits.position })
      .from(user)
      .leftJoin(habits, and(...conditions))
      .where(eq(user.id, sql.placeholder('userId')))
      .orderBy(asc(habits.position), asc(habits.id))
      .limit(sql.placeholder('limit'))
      .prepare(`habits_page_keys_${archived ? 'archived' : 'active'}${afterCursor ? '_after' : ''}`);
  };
  const pageKeyStatements = {
    active: pageKeys(false, false),
    activeAfter: pageKeys(false, true),
    archived: pageKeys(true, false),
    archivedAfter: pageKeys(true, true),
  };

  const oneWithClocking = db
    .select({ ...clocking, habit: habits })
    .from(user)
    .leftJoin(habits, and(eq(habits.userId, user.id), eq(habits.id, sql.placeholder('habitId'))))
    .where(eq(user.id, sql.placeholder('userId')))
    .limit(1)
    .prepare('habits_one_with_clocking');

  return {
    ...createCheckInsRepository(db),

    /** The user's zone and every active habit in their order. */
    async activeHabits(userId: string): Promise<{ clocking: Clocking; habits: HabitRow[] } | undefined> {
      const rows = await activeWithClocking.execute({ userId });
      const first = rows[0];
      if (!first) return undefined;
      return { clocking: toClocking(first), habits: rows.flatMap((r) => (r.habit ? [r.habit] : [])) };
    },

    /** The user's zone and the (id, revision, position) of every active habit, in their order. */
    async activeHabitKeys(userId: string): Promise<{ clocking: Clocking; habits: HabitKey[] } | undefined> {
      return keysOf(await activeKeysWithClocking.execute({ userId }));
    },

    /** Full rows of the listed habits of the user. */
    async habitsByIds(userId: string, habitIds: readonly string[]): Promise<HabitRow[]> {
      if (habitIds.length === 0) return [];
      return db
        .select()
        .from(habits)
        .where(and(eq(habits.userId, userId), inArray(habits.id, [...habitIds])));
    },

    /** The keys (id, revision, position) of one page of the user's habits, after the keyset cursor. */
    async listHabitKeys(
      userId: string,
      options: { archived: boolean; limit: number; after?: { position: number; id: string } },
    ): Promise<{ clocking: Clocking; habits: HabitKey[] } | undefined> {
      const { after } = options;
      const statement = options.archived
        ? after
          ? pageKeyStatements.archivedAfter
          : pageKeyStatements.archived
        : after
          ? pageKeyStatements.activeAfter
          : pageKeyStatements.active;
      const rows = await statement.execute({
        userId,
        limit: options.limit,
        ...(after ? { afterPosition: after.position, afterId: after.id } : {}),
      });
      return keysOf(rows);
    },

    /** The user's zone and one of their habits (null when it is not theirs or does not exist). */
    async habitWithClocking(
      userId: string,
      habitId: string,
    ): Promise<{ clocking: Clocking; habit: HabitRow | null } | undefined> {
      const [row] = await oneWithClocking.execute({ userId, habitId });
      if (!row) return undefined;
      return { clocking: toClocking(row), habit: row.habit };
    },

    /** The user's zone and those of the listed habits that are theirs. */
    async habitsWithClocking(
      userId: string,
      habitIds: readonly string[],
    ): Promise<{ clocking: Clocking; habits: HabitRow[] } | undefined> {
      const rows = await db
        .select({ ...clocking, habit: habits })
        .from(user)
        .leftJoin(habits, and(eq(habits.userId, user.id), inArray(habits.id, [...habitIds])))
        .where(eq(user.id, userId));
      const first = rows[0];
      if (!first) return undefined;
      return { clocking: toClocking(first), habits: rows.flatMap((r) => (r.habit ? [r.habit] : [])) };
    },

    async clocking(userId: string): Promise<Clocking | undefined> {
      const [row] = await db.select(clocking).from(user).where(eq(user.id, userId)).limit(1);
      return row ? toClocking(row) : undefined;
    },

    /**
     * Serialises the plan-limit check and the insert of one user's habits (two devices creating
     * at once cannot both take the last slot). Released when the transaction ends.
     */
    async lockUserHabits(userId: string, tx: Tx): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`habits:${userId}`}, 0))`);
    },

    async countActive(userId: string, tx: Db = db): Promise<number> {
      const [row] = await tx
        .select({ n: count() })
        .from(habits)
        .where(and(eq(habits.userId, userId), isNull(habits.archivedAt)));
      return row?.n ?? 0;
    },

    async countAll(userId: string, tx: Db = db): Promise<number> {
      const [row] = await tx.select({ n: count() }).from(habits).where(eq(habits.userId, userId));
      return row?.n ?? 0;
    },

    /** Inserts a habit at the end of the user's order. */
    async insertHabit(userId: string, values: NewHabitRow, tx: Db = db): Promise<HabitRow> {
      const [row] = await tx
        .insert(habits)
        .values({
          ...values,
          userId,
          position: sql`(select coalesce(max(${habits.position}) + 1, 0) from ${habits} where ${habits.userId} = ${userId})`,
        })
        .returning();
      return row as HabitRow;
    },

    async updateHabit(
      userId: string,
      habitId: string,
      patch: Partial<NewHabitRow>,
      tx: Db = db,
    ): Promise<HabitRow | undefined> {
      const [row] = await tx
        .update(habits)
        .set({ ...patch, revision: sql`${habits.revision} + 1`, updatedAt: sql`now()` })
        .where(and(eq(habits.id, habitId), eq(habits.userId, userId)))
        .returning();
      return row;
    },

    async deleteHabit(userId: string, habitId: string): Promise<boolean> {
      const rows = await db
        .delete(habits)
        .where(and(eq(habits.id, habitId), eq(habits.userId, userId)))
        .returning({ id: habits.id });
      return rows.length > 0;
    },

    async positions(userId: string, tx: Db = db): Promise<{ id: string; position: number }[]> {
      return tx
        .select({ id: habits.id, position: habits.position })
        .from(habits)
        .where(eq(habits.userId, userId))
        .orderBy(asc(habits.position), asc(habits.id));
    },

    /** Sets every listed habit's position in one statement. */
    async setPositions(userId: string, order: readonly { id: string; position: number }[], tx: Db = db) {
      if (order.length === 0) return;
      const cases = sql.join(
        order.map((o) => sql`when ${o.id}::uuid then ${o.position}::integer`),
        sql` `,
      );
      await tx
        .update(habits)
        .set({ position: sql`case ${habits.id} ${cases} end` })
        .where(
          and(
            eq(habits.userId, userId),
            inArray(
              habits.id,
              order.map((o) => o.id),
            ),
          ),
        );
    },

    /** Every habit of the user, for the account export. */
    async exportHabits(userId: string): Promise<HabitRow[]> {
      return db.select().from(habits).where(eq(habits.userId, userId)).orderBy(asc(habits.position), asc(habits.id));
    },

    /** Account deletion: check-ins first, then habits (also cascaded, explicit for clarity). */
    async deleteAllOf(userId: string, tx: Tx): Promise<void> {
      await tx.delete(checkIns).where(eq(checkIns.userId, userId));
      await tx.delete(habits).where(eq(habits.userId, userId));
    },
  };
}

export type HabitsRepository = ReturnType<typeof createHabitsRepository>;
