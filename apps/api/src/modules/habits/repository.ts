import { and, asc, count, eq, gt, inArray, isNotNull, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/client.js';
import { user } from '../auth/schema.js';
import type { Tx } from '../users/index.js';
import { checkIns, habits } from './schema.js';

type Db = Database | Tx;

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

const clocking = { timezone: user.timezone, dayStartHour: user.dayStartHour };

function toClocking(row: { timezone: string | null; dayStartHour: number | null }): Clocking {
  return { timezone: row.timezone ?? 'UTC', dayStartHour: row.dayStartHour ?? 0 };
}

const checkInColumns = {
  habitId: checkIns.habitId,
  date: checkIns.date,
  status: checkIns.status,
  value: checkIns.value,
  note: checkIns.note,
  updatedAt: checkIns.updatedAt,
};

/** Rows of a raw `execute`, whichever driver ran it (postgres.js: an array; PGlite: `{ rows }`). */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * All SQL of the habits module. Every statement carries the owner's id, so another user's
 * habit simply does not match. No statement count depends on how many habits or check-ins
 * a user has: lists read all their rows in one statement.
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

  const oneWithClocking = db
    .select({ ...clocking, habit: habits })
    .from(user)
    .leftJoin(habits, and(eq(habits.userId, user.id), eq(habits.id, sql.placeholder('habitId'))))
    .where(eq(user.id, sql.placeholder('userId')))
    .limit(1)
    .prepare('habits_one_with_clocking');

  return {
    /** The user's zone and every active habit in their order. */
    async activeHabits(userId: string): Promise<{ clocking: Clocking; habits: HabitRow[] } | undefined> {
      const rows = await activeWithClocking.execute({ userId });
      const first = rows[0];
      if (!first) return undefined;
      return { clocking: toClocking(first), habits: rows.flatMap((r) => (r.habit ? [r.habit] : [])) };
    },

    /** The user's zone and the (id, revision, position) of every active habit, in their order. */
    async activeHabitKeys(
      userId: string,
    ): Promise<{ clocking: Clocking; habits: { id: string; revision: number; position: number }[] } | undefined> {
      const rows = await activeKeysWithClocking.execute({ userId });
      const first = rows[0];
      if (!first) return undefined;
      const keys: { id: string; revision: number; position: number }[] = [];
      for (const r of rows) {
        if (r.id !== null && r.revision !== null && r.position !== null) {
          keys.push({ id: r.id, revision: r.revision, position: r.position });
        }
      }
      return { clocking: toClocking(first), habits: keys };
    },

    /** Full rows of the listed habits of the user. */
    async habitsByIds(userId: string, habitIds: readonly string[]): Promise<HabitRow[]> {
      if (habitIds.length === 0) return [];
      return db
        .select()
        .from(habits)
        .where(and(eq(habits.userId, userId), inArray(habits.id, [...habitIds])));
    },

    /** One page of the user's habits (active or archived), after the keyset cursor. */
    async listHabits(
      userId: string,
      options: { archived: boolean; limit: number; after?: { position: number; id: string } },
    ): Promise<{ clocking: Clocking; habits: HabitRow[] } | undefined> {
      const conditions: SQL[] = [
        eq(habits.userId, user.id),
        options.archived ? isNotNull(habits.archivedAt) : isNull(habits.archivedAt),
      ];
      if (options.after) {
        const { position, id } = options.after;
        conditions.push(
          or(gt(habits.position, position), and(eq(habits.position, position), gt(habits.id, id))) as SQL,
        );
      }
      const rows = await db
        .select({ ...clocking, habit: habits })
        .from(user)
        .leftJoin(habits, and(...conditions))
        .where(eq(user.id, userId))
        .orderBy(asc(habits.position), asc(habits.id))
        .limit(options.limit);
      const first = rows[0];
      if (!first) return undefined;
      return { clocking: toClocking(first), habits: rows.flatMap((r) => (r.habit ? [r.habit] : [])) };
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

    /** Every check-in of the listed habits, oldest first per habit. */
    async checkInsOf(userId: string, habitIds: readonly string[], tx: Db = db): Promise<CheckInRow[]> {
      if (habitIds.length === 0) return [];
      return tx
        .select(checkInColumns)
        .from(checkIns)
        .where(and(eq(checkIns.userId, userId), inArray(checkIns.habitId, [...habitIds])))
        .orderBy(asc(checkIns.habitId), asc(checkIns.date));
    },

    async checkInsInRange(userId: string, habitId: string, from: string, to: string): Promise<CheckInRow[]> {
      return db
        .select(checkInColumns)
        .from(checkIns)
        .where(
          and(
            eq(checkIns.userId, userId),
            eq(checkIns.habitId, habitId),
            sql`${checkIns.date} between ${from} and ${to}`,
          ),
        )
        .orderBy(asc(checkIns.date));
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

    /**
     * Writes one day's check-in in ONE statement; nothing is written unless the habit is the
     * user's and still of the expected type. A write equal to the stored entry changes nothing:
     * no new `updated_at`, no revision bump (`changed` false). The habit row is locked first, as
     * every check-in write does, so concurrent writes of one habit queue in one order and cannot
     * deadlock. Returns undefined when the habit is not the user's; `checkIn` is null in the rare
     * race where an equal entry was committed after this statement's snapshot (read it again).
     */
    async putCheckIn(
      userId: string,
      type: HabitRow['type'],
      write: CheckInWrite,
    ): Promise<{ checkIn: CheckInRow | null; revision: number; changed: boolean } | undefined> {
      const status = write.status ?? null;
      const value = write.value ?? null;
      const note = write.note ?? null;
      const result = await db.execute(sql`
        with target as materialized (
          select id, revision from ${habits}
          where id = ${write.habitId} and user_id = ${userId} and type = ${type}
          for no key update
        ),
        written as (
          insert into ${checkIns} (habit_id, user_id, date, status, value, note)
          select id, ${userId}, ${write.date}, ${status}, ${value}, ${note} from target
          on conflict (habit_id, date) do update
            set status = excluded.status, value = excluded.value, note = excluded.note, updated_at = now()
            where (check_ins.status, check_ins.value, check_ins.note)
              is distinct from (excluded.status, excluded.value, excluded.note)
          returning habit_id, date, status, value, note, updated_at
        ),
        bumped as (
          update ${habits} set revision = revision + 1
          where id in (select habit_id from written)
          returning revision
        )
        select w.habit_id, w.date::text as date, w.status, w.value, w.note, w.updated_at,
          (select revision from bumped) as revision, true as changed
        from written w
        union all
        select t.id, c.date::text, c.status, c.value, c.note, c.updated_at, t.revision, false
        from target t
        left join ${checkIns} c on c.habit_id = t.id and c.date = ${write.date}::date
          and (c.status, c.value, c.note) is not distinct from (${status}::text, ${value}::double precision, ${note}::text)
        where not exists (select 1 from written)`);
      const [row] = rowsOf<{
        habit_id: string;
        date: string | null;
        status: CheckInRow['status'];
        value: number | null;
        note: string | null;
        updated_at: Date | string | null;
        revision: number;
        changed: boolean;
      }>(result);
      if (!row) return undefined;
      return {
        checkIn:
          row.date === null || row.updated_at === null
            ? null
            : {
                habitId: row.habit_id,
                date: row.date,
                status: row.status,
                value: row.value === null ? null : Number(row.value),
                note: row.note,
                updatedAt: new Date(row.updated_at),
              },
        revision: Number(row.revision),
        changed: row.changed === true || (row.changed as unknown) === 't',
      };
    },

    /** The stored entries of the listed days (after a write that changed nothing). */
    async checkInsAt(userId: string, days: readonly { habitId: string; date: string }[]): Promise<CheckInRow[]> {
      if (days.length === 0) return [];
      const pairs = sql.join(
        days.map((d) => sql`(${d.habitId}::uuid, ${d.date}::date)`),
        sql`, `,
      );
      return db
        .select(checkInColumns)
        .from(checkIns)
        .where(and(eq(checkIns.userId, userId), sql`(${checkIns.habitId}, ${checkIns.date}) in (${pairs})`));
    },

    /**
     * Deletes one day's check-in and bumps the habit's revision when there was one. Locks the
     * habit row first, like every check-in write.
     */
    async deleteCheckIn(userId: string, habitId: string, date: string): Promise<{ revision: number } | undefined> {
      const result = await db.execute(sql`
        with target as materialized (
          select id from ${habits} where id = ${habitId} and user_id = ${userId} for no key update
        ),
        deleted as (
          delete from ${checkIns}
          where habit_id in (select id from target) and user_id = ${userId} and date = ${date}
          returning habit_id
        )
        update ${habits} set revision = revision + 1
        where id in (select habit_id from deleted)
        returning revision`);
      const [row] = rowsOf<{ revision: number }>(result);
      return row ? { revision: Number(row.revision) } : undefined;
    },

    /**
     * A batch of writes and deletes in ONE statement (no transaction needed). The listed habits
     * are locked first, in id order, so batches and single writes cannot deadlock. Writes equal
     * to the stored entry change nothing; only habits with a real change get a revision bump.
     * Returns the rows that changed, the days deleted, and the habits bumped.
     */
    async applyBatch(
      userId: string,
      writes: readonly CheckInWrite[],
      deletes: readonly { habitId: string; date: string }[],
    ): Promise<{ written: CheckInRow[]; deleted: { habitId: string; date: string }[]; bumped: string[] }> {
      const habitIds = [...new Set([...writes, ...deletes].map((w) => w.habitId))];
      if (habitIds.length === 0) return { written: [], deleted: [], bumped: [] };
      const ids = sql.join(
        habitIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      );
      const deleteRows =
        deletes.length > 0
          ? sql.join(
              deletes.map((d) => sql`(${d.habitId}::uuid, ${d.date}::date)`),
              sql`, `,
            )
          : sql`(null::uuid, null::date)`;
      const writeRows =
        writes.length > 0
          ? sql.join(
              writes.map(
                (w) =>
                  sql`(${w.habitId}::uuid, ${w.date}::date, ${w.status ?? null}::text, ${w.value ?? null}::double precision, ${w.note ?? null}::text)`,
              ),
              sql`, `,
            )
          : sql`(null::uuid, null::date, null::text, null::double precision, null::text)`;
      const result = await db.execute(sql`
        with locked as materialized (
          select id from ${habits} where user_id = ${userId} and id in (${ids}) order by id for no key update
        ),
        deleted as (
          delete from ${checkIns} c
          using locked l, (values ${deleteRows}) as d (habit_id, date)
          where c.habit_id = l.id and c.user_id = ${userId} and c.habit_id = d.habit_id and c.date = d.date
          returning c.habit_id, c.date
        ),
        written as (
          insert into ${checkIns} (habit_id, user_id, date, status, value, note)
          select v.habit_id, ${userId}, v.date, v.status, v.value, v.note
          from (values ${writeRows}) as v (habit_id, date, status, value, note)
          join locked l on l.id = v.habit_id
          on conflict (habit_id, date) do update
            set status = excluded.status, value = excluded.value, note = excluded.note, updated_at = now()
            where (check_ins.status, check_ins.value, check_ins.note)
              is distinct from (excluded.status, excluded.value, excluded.note)
          returning habit_id, date, status, value, note, updated_at
        ),
        bumped as (
          update ${habits} set revision = revision + 1
          where id in (select habit_id from written union select habit_id from deleted)
          returning id
        )
        select 'w' as kind, habit_id, date::text as date, status, value, note, updated_at from written
        union all
        select 'd', habit_id, date::text, null, null, null, null from deleted
        union all
        select 'b', id, null, null, null, null, null from bumped`);
      const written: CheckInRow[] = [];
      const deleted: { habitId: string; date: string }[] = [];
      const bumped: string[] = [];
      for (const row of rowsOf<{
        kind: 'w' | 'd' | 'b';
        habit_id: string;
        date: string;
        status: CheckInRow['status'];
        value: number | null;
        note: string | null;
        updated_at: Date | string;
      }>(result)) {
        if (row.kind === 'b') bumped.push(row.habit_id);
        else if (row.kind === 'd') deleted.push({ habitId: row.habit_id, date: row.date });
        else {
          written.push({
            habitId: row.habit_id,
            date: row.date,
            status: row.status,
            value: row.value === null ? null : Number(row.value),
            note: row.note,
            updatedAt: new Date(row.updated_at),
          });
        }
      }
      return { written, deleted, bumped };
    },

    /** Every habit and check-in of the user, for the account export. */
    async exportHabits(userId: string): Promise<HabitRow[]> {
      return db.select().from(habits).where(eq(habits.userId, userId)).orderBy(asc(habits.position), asc(habits.id));
    },

    async exportCheckIns(userId: string): Promise<CheckInRow[]> {
      return db
        .select(checkInColumns)
        .from(checkIns)
        .where(eq(checkIns.userId, userId))
        .orderBy(asc(checkIns.habitId), asc(checkIns.date));
    },

    /** Account deletion: check-ins first, then habits (also cascaded, explicit for clarity). */
    async deleteAllOf(userId: string, tx: Tx): Promise<void> {
      await tx.delete(checkIns).where(eq(checkIns.userId, userId));
      await tx.delete(habits).where(eq(habits.userId, userId));
    },
  };
}

export type HabitsRepository = ReturnType<typeof createHabitsRepository>;
