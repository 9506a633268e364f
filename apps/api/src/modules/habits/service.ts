import {
  type BatchCheckIns,
  type CheckIn,
  type CreateHabit,
  type Habit,
  type HabitSummary,
  type HabitWithSummary,
  MAX_HABITS_PER_USER,
  MAX_RANGE_DAYS,
  type PutCheckIn,
  type Today,
  type UpdateHabit,
} from '@habitual/shared';
import { AppError } from '../../platform/app-error.js';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import type { Database } from '../../platform/db/client.js';
import { type CachedHabit, HabitCache, type StoredCheckIn } from './computation-cache.js';
import {
  addDays,
  bestStreaks,
  computeHabit,
  computeStats,
  type HabitSummary as DomainSummary,
  diffDays,
  fromDayNumber,
  type HabitComputation,
  localTodayDayNumber,
  type Streak,
  summarizeHabit,
} from './domain/index.js';
import type { CheckInRow, CheckInWrite, Clocking, HabitRow, HabitsRepository, NewHabitRow } from './repository.js';

/** How many active habits a user may have; `null` is unlimited. The payments module answers it. */
export interface HabitLimits {
  activeHabitLimit(userId: string): Promise<number | null>;
}

export const DEFAULT_COLOR = '#3B82F6';

/** One habit with everything computed from its check-ins (for the insights module). */
export interface HabitSnapshotItem {
  habit: Habit;
  computation: HabitComputation;
  summary: DomainSummary;
}

export interface HabitsSnapshot {
  today: string;
  timezone: string;
  habits: HabitSnapshotItem[];
}

type Location = 'body' | 'params' | 'querystring';

function invalid(location: Location, path: string, message: string, code = 'invalid'): AppError {
  return new AppError('VALIDATION_ERROR', `${location}.${path}: ${message}`, {
    details: [{ location, path, message, code }],
  });
}

const habitNotFound = () => new AppError('NOT_FOUND', 'Habit not found');

export function toHabit(row: HabitRow): Habit {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    color: row.color,
    icon: row.icon,
    type: row.type,
    frequency: { times: row.frequencyTimes, days: row.frequencyDays },
    target:
      row.type === 'measurable' && row.targetValue !== null && row.targetDirection !== null
        ? { value: row.targetValue, unit: row.targetUnit ?? '', direction: row.targetDirection }
        : null,
    startDate: row.startDate,
    position: row.position,
    archived: row.archivedAt !== null,
    archivedAt: row.archivedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toCheckIn(row: CheckInRow): CheckIn {
  return {
    habitId: row.habitId,
    date: row.date,
    status: row.status,
    value: row.value,
    note: row.note,
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toStoredCheckIn(row: CheckInRow): StoredCheckIn {
  return { date: row.date, status: row.status, value: row.value, note: row.note, updatedAt: row.updatedAt };
}

function definitionOf(row: HabitRow) {
  return {
    type: row.type,
    frequency: { times: row.frequencyTimes, days: row.frequencyDays },
    target:
      row.targetValue !== null && row.targetDirection !== null
        ? { value: row.targetValue, direction: row.targetDirection }
        : null,
  };
}

function toStreak(streak: Streak | null) {
  return streak ? { start: streak.start, end: streak.end, length: streak.length } : null;
}

function toSummary(summary: DomainSummary, entry: StoredCheckIn | undefined, habitId: string): HabitSummary {
  return {
    today: summary.today,
    entry: entry
      ? {
          habitId,
          date: entry.date,
          status: entry.status,
          value: entry.value,
          note: entry.note ?? null,
          updatedAt: entry.updatedAt.toISOString(),
        }
      : null,
    status: summary.status,
    requiredToday: summary.status !== 'auto',
    completedToday: summary.completed,
    score: summary.score,
    currentStreak: toStreak(summary.currentStreak),
    bestStreak: toStreak(summary.bestStreak),
  };
}

/**
 * Checks one entry against its habit: what a boolean and a measurable habit accept, and no day
 * after the user's today. `path` is the field prefix for the error details.
 */
function validateCheckIn(
  habit: HabitRow,
  input: PutCheckIn & { date: string },
  today: string,
  location: Location,
  prefix: string,
  dateLocation: Location = location,
): void {
  if (input.date > today) {
    throw invalid(dateLocation, `${prefix}date`, `is after the user's today (${today})`, 'future_date');
  }
  if (habit.type === 'boolean') {
    if (input.value !== undefined) {
      throw invalid(location, `${prefix}value`, 'is not allowed on a boolean habit (send `status`)', 'not_allowed');
    }
    if (input.status === undefined) {
      throw invalid(location, `${prefix}status`, 'is required: done, skipped or missed', 'required');
    }
  } else {
    if (input.status === 'done' || input.status === 'missed') {
      throw invalid(
        location,
        `${prefix}status`,
        'a measurable habit takes a `value` (or `status: skipped`), not done or missed',
        'not_allowed',
      );
    }
    if (input.status !== 'skipped' && input.value === undefined) {
      throw invalid(
        location,
        `${prefix}value`,
        'is required on a measurable habit (or send `status: skipped`)',
        'required',
      );
    }
  }
}

function toWrite(habit: HabitRow, habitId: string, input: PutCheckIn & { date: string }): CheckInWrite {
  const skipped = input.status === 'skipped';
  return {
    habitId,
    date: input.date,
    status: habit.type === 'boolean' ? (input.status ?? null) : skipped ? 'skipped' : null,
    value: habit.type === 'measurable' && !skipped ? (input.value ?? null) : null,
    note: input.note ?? null,
  };
}

export function createHabitsService(deps: {
  db: Database;
  habits: HabitsRepository;
  limits: HabitLimits;
  now: () => Date;
  /** Habits whose check-ins are kept in memory (least recently used); 0 turns the cache off. */
  cacheSize: number;
}) {
  const { habits: repo } = deps;
  const cache = new HabitCache(deps.cacheSize);
  /** Reads of check-ins in flight, by `habitId:revision`. */
  const loading = new Map<string, Promise<CachedHabit>>();

  function todayOf(clocking: Clocking): number {
    return localTodayDayNumber(deps.now(), clocking.timezone, clocking.dayStartHour);
  }

  /**
   * Computes every listed habit for `today` in one pass each, reading the check-ins of all
   * habits not in the cache with ONE statement.
   */
  async function computeAll(userId: string, rows: readonly HabitRow[], today: number) {
    const entries = new Map<string, CachedHabit>();
    const waits: Promise<void>[] = [];
    const missing: HabitRow[] = [];
    for (const row of rows) {
      const entry = cache.get(row.id, row.revision);
      if (entry) {
        entries.set(row.id, entry);
        continue;
      }
      const pending = loading.get(`${row.id}:${row.revision}`);
      if (pending) waits.push(pending.then((entry) => void entries.set(row.id, entry)));
      else missing.push(row);
    }
    if (missing.length > 0) {
      // One statement for every habit not in the cache. Concurrent requests for the same
      // habits (a home screen opened on several devices, a cold start) share that read.
      const read = repo
        .checkInsOf(
          userId,
          missing.map((row) => row.id),
        )
        .then((all) => {
          const byHabit = new Map<string, StoredCheckIn[]>(missing.map((row) => [row.id, []]));
          for (const c of all) byHabit.get(c.habitId)?.push(toStoredCheckIn(c));
          return byHabit;
        });
      for (const row of missing) {
        const key = `${row.id}:${row.revision}`;
        const load = read.then((byHabit) => {
          const entry: CachedHabit = {
            revision: row.revision,
            checkIns: byHabit.get(row.id) ?? [],
          };
          cache.set(row.id, entry);
          return entry;
        });
        loading.set(key, load);
        waits.push(load.then((entry) => void entries.set(row.id, entry)));
        void load.then(
          () => loading.delete(key),
          () => loading.delete(key),
        );
      }
    }
    await Promise.all(waits);
    return rows.map((row) => {
      const entry = entries.get(row.id) as CachedHabit;
      if (!entry.computed || entry.computed.today !== today) {
        const computation = computeHabit(definitionOf(row), entry.checkIns, today);
        entry.computed = { today, computation, summary: summarizeHabit(computation) };
      }
      const last = entry.checkIns[entry.checkIns.length - 1];
      const todayEntry = last && last.date === entry.computed.summary.today ? last : undefined;
      return { row, entry, computed: entry.computed, todayEntry };
    });
  }

  async function withSummaries(userId: string, rows: readonly HabitRow[], clocking: Clocking) {
    const today = todayOf(clocking);
    const computed = await computeAll(userId, rows, today);
    return computed.map(({ row, entry, computed: c, todayEntry }): HabitWithSummary => {
      if (entry.view && entry.view.today === today && entry.view.position === row.position) return entry.view.item;
      const item = { ...toHabit(row), summary: toSummary(c.summary, todayEntry, row.id) };
      entry.view = { today, position: row.position, item };
      return item;
    });
  }

  async function loadHabit(userId: string, habitId: string) {
    const found = await repo.habitWithClocking(userId, habitId);
    if (!found) throw new AppError('NOT_FOUND', 'User not found');
    if (!found.habit) throw habitNotFound();
    return { clocking: found.clocking, habit: found.habit };
  }

  async function computeOne(userId: string, habit: HabitRow, clocking: Clocking) {
    const today = todayOf(clocking);
    const [one] = await computeAll(userId, [habit], today);
    return { today, ...(one as NonNullable<typeof one>) };
  }

  /** `from..to` of a range query: defaults, order and the five-year bound. */
  function resolveRange(query: { from?: string; to?: string }, today: number, defaultDays: number) {
    const to = query.to ?? fromDayNumber(today);
    const from = query.from ?? addDays(to, -(defaultDays - 1));
    if (from > to) throw invalid('querystring', 'from', `must not be after \`to\` (${to})`, 'range_order');
    if (diffDays(to, from) + 1 > MAX_RANGE_DAYS) {
      throw invalid(
        'querystring',
        'to',
        `the range may span at most ${MAX_RANGE_DAYS} days (five years)`,
        'range_too_long',
      );
    }
    return { from, to };
  }

  /**
   * `limit` is asked for before the transaction opens (the answer may need the database, and an
   * embedded database has a single connection); the count is taken inside it, under the lock.
   */
  async function assertWithinLimit(
    userId: string,
    limit: number | null,
    tx: Parameters<HabitsRepository['countActive']>[1],
  ) {
    if (limit === null) return;
    const usage = await repo.countActive(userId, tx);
    if (usage >= limit) {
      throw new AppError(
        'PLAN_LIMIT_REACHED',
        `Your plan allows ${limit} active habits; archive one or upgrade to add another`,
        { details: [{ resource: 'activeHabits', limit, usage }] },
      );
    }
  }

  return {
    async createHabit(userId: string, input: CreateHabit): Promise<HabitWithSummary> {
      const clocking = await repo.clocking(userId);
      if (!clocking) throw new AppError('NOT_FOUND', 'User not found');
      const today = fromDayNumber(todayOf(clocking));
      if (input.startDate && input.startDate > today) {
        throw invalid('body', 'startDate', `is after the user's today (${today})`, 'future_date');
      }
      const type = input.type ?? 'boolean';
      const frequency = input.frequency ?? { times: 1, days: 1 };
      const values: NewHabitRow = {
        name: input.name,
        description: input.description ?? null,
        color: input.color ?? DEFAULT_COLOR,
        icon: input.icon ?? null,
        type,
        frequencyTimes: frequency.times,
        frequencyDays: frequency.days,
        targetValue: input.target?.value ?? null,
        targetUnit: input.target?.unit ?? null,
        targetDirection: input.target?.direction ?? null,
        startDate: input.startDate ?? today,
      };
      const limit = await deps.limits.activeHabitLimit(userId);
      const row = await deps.db.transaction(async (tx) => {
        await repo.lockUserHabits(userId, tx);
        await assertWithinLimit(userId, limit, tx);
        // Archived habits count here, so archiving cannot grow a user's habits without end.
        const total = await repo.countAll(userId, tx);
        if (total >= MAX_HABITS_PER_USER) {
          throw new AppError(
            'CONFLICT',
            `An account holds at most ${MAX_HABITS_PER_USER} habits, archived ones included; delete archived habits to add another`,
            { details: [{ resource: 'habits', limit: MAX_HABITS_PER_USER, usage: total }] },
          );
        }
        return repo.insertHabit(userId, values, tx);
      });
      const [created] = await withSummaries(userId, [row], clocking);
      return created as HabitWithSummary;
    },

    async listHabits(
      userId: string,
      query: { archived: boolean; limit: number; cursor?: string },
    ): Promise<{ data: HabitWithSummary[]; nextCursor: string | null }> {
      const after = query.cursor
        ? (([position, id]) => ({ position, id }))(decodeCursor(query.cursor, ['number', 'string'] as const))
        : undefined;
      const page = await repo.listHabits(userId, { archived: query.archived, limit: query.limit + 1, after });
      if (!page) throw new AppError('NOT_FOUND', 'User not found');
      const rows = page.habits.slice(0, query.limit);
      const last = rows[rows.length - 1];
      return {
        data: await withSummaries(userId, rows, page.clocking),
        nextCursor: page.habits.length > query.limit && last ? encodeCursor([last.position, last.id]) : null,
      };
    },

    async today(userId: string): Promise<Today> {
      // The home screen reads only (id, revision, position) of each active habit: a cached view
      // at that revision and position is current. Full rows are read only for the others.
      const found = await repo.activeHabitKeys(userId);
      if (!found) throw new AppError('NOT_FOUND', 'User not found');
      const today = todayOf(found.clocking);
      const items: (HabitWithSummary | undefined)[] = found.habits.map((key) => {
        const view = cache.get(key.id, key.revision)?.view;
        return view && view.today === today && view.position === key.position ? view.item : undefined;
      });
      const stale = found.habits.filter((_key, i) => items[i] === undefined).map((key) => key.id);
      if (stale.length > 0) {
        const rows = await repo.habitsByIds(userId, stale);
        const fresh = new Map((await withSummaries(userId, rows, found.clocking)).map((item) => [item.id, item]));
        found.habits.forEach((key, i) => {
          items[i] ??= fresh.get(key.id);
        });
      }
      return {
        date: fromDayNumber(today),
        timezone: found.clocking.timezone,
        // A habit deleted between the two reads is left out.
        habits: items.filter((item): item is HabitWithSummary => item !== undefined),
      };
    },

    /** The user's active habits with everything computed, from one read (for the insights module). */
    async snapshot(userId: string): Promise<HabitsSnapshot> {
      const found = await repo.activeHabits(userId);
      if (!found) throw new AppError('NOT_FOUND', 'User not found');
      const today = todayOf(found.clocking);
      const computed = await computeAll(userId, found.habits, today);
      return {
        today: fromDayNumber(today),
        timezone: found.clocking.timezone,
        habits: computed.map(({ row, computed: c }) => ({
          habit: toHabit(row),
          computation: c.computation,
          summary: c.summary,
        })),
      };
    },

    async countActive(userId: string): Promise<number> {
      return repo.countActive(userId);
    },

    async getHabit(userId: string, habitId: string): Promise<HabitWithSummary> {
      const { clocking, habit } = await loadHabit(userId, habitId);
      const [one] = await withSummaries(userId, [habit], clocking);
      return one as HabitWithSummary;
    },

    async updateHabit(userId: string, habitId: string, input: UpdateHabit): Promise<HabitWithSummary> {
      const { clocking, habit } = await loadHabit(userId, habitId);
      const today = fromDayNumber(todayOf(clocking));
      if (input.target !== undefined && habit.type === 'boolean') {
        throw invalid('body', 'target', 'is only allowed on a measurable habit', 'not_allowed');
      }
      if (input.frequency && habit.type === 'measurable' && input.frequency.times !== 1) {
        throw invalid('body', 'frequency.times', 'must be 1 for a measurable habit', 'not_allowed');
      }
      if (input.startDate && input.startDate > today) {
        throw invalid('body', 'startDate', `is after the user's today (${today})`, 'future_date');
      }
      const patch: Partial<NewHabitRow> = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.description !== undefined) patch.description = input.description;
      if (input.color !== undefined) patch.color = input.color;
      if (input.icon !== undefined) patch.icon = input.icon;
      if (input.startDate !== undefined) patch.startDate = input.startDate;
      if (input.frequency) {
        patch.frequencyTimes = input.frequency.times;
        patch.frequencyDays = input.frequency.days;
      }
      if (input.target) {
        patch.targetValue = input.target.value;
        patch.targetUnit = input.target.unit;
        patch.targetDirection = input.target.direction;
      }
      const archiving = input.archived === true && habit.archivedAt === null;
      const restoring = input.archived === false && habit.archivedAt !== null;
      if (archiving) patch.archivedAt = deps.now();
      if (restoring) patch.archivedAt = null;
      const limit = restoring ? await deps.limits.activeHabitLimit(userId) : null;
      const row = await deps.db.transaction(async (tx) => {
        if (restoring) {
          await repo.lockUserHabits(userId, tx);
          await assertWithinLimit(userId, limit, tx);
        }
        return repo.updateHabit(userId, habitId, patch, tx);
      });
      if (!row) throw habitNotFound();
      const [one] = await withSummaries(userId, [row], clocking);
      return one as HabitWithSummary;
    },

    async deleteHabit(userId: string, habitId: string): Promise<void> {
      if (!(await repo.deleteHabit(userId, habitId))) throw habitNotFound();
      cache.delete(habitId);
    },

    async reorder(userId: string, habitIds: readonly string[]) {
      return deps.db.transaction(async (tx) => {
        await repo.lockUserHabits(userId, tx);
        const current = await repo.positions(userId, tx);
        const known = new Set(current.map((h) => h.id));
        const unknown = habitIds.findIndex((id) => !known.has(id));
        if (unknown >= 0) {
          throw new AppError('NOT_FOUND', 'Habit not found', {
            details: [{ location: 'body', path: `habitIds.${unknown}`, message: 'No such habit', code: 'not_found' }],
          });
        }
        const listed = new Set(habitIds);
        const order = [...habitIds, ...current.filter((h) => !listed.has(h.id)).map((h) => h.id)].map(
          (id, position) => ({
            id,
            position,
          }),
        );
        const before = new Map(current.map((h) => [h.id, h.position]));
        await repo.setPositions(
          userId,
          order.filter((o) => before.get(o.id) !== o.position),
          tx,
        );
        return { data: order };
      });
    },

    async putCheckIn(userId: string, habitId: string, date: string, input: PutCheckIn) {
      const { clocking, habit } = await loadHabit(userId, habitId);
      const today = fromDayNumber(todayOf(clocking));
      validateCheckIn(habit, { ...input, date }, today, 'body', '', 'params');
      const write = toWrite(habit, habitId, { ...input, date });
      const stored = await repo.putCheckIn(userId, habit.type, write);
      if (!stored) throw habitNotFound();
      // An equal entry committed by a concurrent request after this statement began: read it.
      const checkIn = stored.checkIn ?? (await repo.checkInsAt(userId, [{ habitId, date }]))[0];
      if (!checkIn) throw habitNotFound();
      // A write that changed nothing leaves the cached history as it is.
      if (stored.changed) cache.applyWrite(habitId, stored.revision, date, toStoredCheckIn(checkIn));
      const one = await computeOne(userId, { ...habit, revision: stored.revision }, clocking);
      return {
        checkIn: toCheckIn(checkIn),
        summary: toSummary(one.computed.summary, one.todayEntry, habitId),
      };
    },

    async deleteCheckIn(userId: string, habitId: string, date: string): Promise<void> {
      await loadHabit(userId, habitId);
      const deleted = await repo.deleteCheckIn(userId, habitId, date);
      if (deleted) cache.applyWrite(habitId, deleted.revision, date, null);
    },

    async listCheckIns(userId: string, habitId: string, query: { from?: string; to?: string }) {
      const { clocking } = await loadHabit(userId, habitId);
      const range = resolveRange(query, todayOf(clocking), 30);
      const rows = await repo.checkInsInRange(userId, habitId, range.from, range.to);
      return { ...range, data: rows.map(toCheckIn) };
    },

    async calendar(userId: string, habitId: string, query: { from?: string; to?: string }) {
      const { clocking, habit } = await loadHabit(userId, habitId);
      const one = await computeOne(userId, habit, clocking);
      const range = resolveRange(query, one.today, 30);
      const stats = computeStats(one.computed.computation, range.from, range.to, { bestStreaks: 0 });
      return { ...range, days: stats.calendar };
    },

    async streaks(userId: string, habitId: string, limit: number) {
      const { clocking, habit } = await loadHabit(userId, habitId);
      const one = await computeOne(userId, habit, clocking);
      return {
        current: toStreak(one.computed.summary.currentStreak),
        best: bestStreaks(one.computed.computation.streaks, limit).map(
          (s) => toStreak(s) as NonNullable<ReturnType<typeof toStreak>>,
        ),
      };
    },

    async stats(userId: string, habitId: string, query: { from?: string; to?: string }) {
      const { clocking, habit } = await loadHabit(userId, habitId);
      const one = await computeOne(userId, habit, clocking);
      const range = resolveRange(query, one.today, 365);
      const { calendar: _calendar, ...stats } = computeStats(one.computed.computation, range.from, range.to, {
        calendar: false,
      });
      return stats;
    },

    async batch(userId: string, input: BatchCheckIns) {
      // The last entry for a habit and day wins; remember its index for error paths.
      const latest = new Map<string, number>();
      for (const [index, item] of input.checkIns.entries()) latest.set(`${item.habitId}|${item.date}`, index);
      const habitIds = [...new Set(input.checkIns.map((c) => c.habitId))];
      const found = await repo.habitsWithClocking(userId, habitIds);
      if (!found) throw new AppError('NOT_FOUND', 'User not found');
      const byId = new Map(found.habits.map((h) => [h.id, h]));
      const missing = input.checkIns.findIndex((c) => !byId.has(c.habitId));
      if (missing >= 0) {
        throw new AppError('NOT_FOUND', 'Habit not found', {
          details: [
            { location: 'body', path: `checkIns.${missing}.habitId`, message: 'No such habit', code: 'not_found' },
          ],
        });
      }
      const today = fromDayNumber(todayOf(found.clocking));
      const writes: CheckInWrite[] = [];
      const deletes: { habitId: string; date: string }[] = [];
      for (const [index, item] of input.checkIns.entries()) {
        if (latest.get(`${item.habitId}|${item.date}`) !== index) continue;
        const habit = byId.get(item.habitId) as HabitRow;
        if (item.delete) {
          deletes.push({ habitId: item.habitId, date: item.date });
          continue;
        }
        validateCheckIn(habit, item, today, 'body', `checkIns.${index}.`);
        writes.push(toWrite(habit, item.habitId, item));
      }
      const result = await repo.applyBatch(userId, writes, deletes);
      for (const id of result.bumped) cache.delete(id);
      // Writes equal to the stored entry changed nothing; answer with the stored rows, in order.
      const key = (c: { habitId: string; date: string }) => `${c.habitId}|${c.date}`;
      const rows = new Map(result.written.map((row) => [key(row), row]));
      const unchanged = writes.filter((w) => !rows.has(key(w)));
      for (const row of await repo.checkInsAt(userId, unchanged)) rows.set(key(row), row);
      const written = writes.flatMap((w) => {
        const row = rows.get(key(w));
        return row ? [toCheckIn(row)] : [];
      });
      return { written, deleted: result.deleted };
    },

    /** Lookups of the computation cache (for the metrics). */
    cacheStats() {
      return { hits: cache.hits, misses: cache.misses, entries: cache.count };
    },

    /** Export sections for the users module. */
    async *exportHabits(userId: string) {
      for (const row of await repo.exportHabits(userId)) yield toHabit(row);
    },
    async *exportCheckIns(userId: string) {
      for (const row of await repo.exportCheckIns(userId)) yield toCheckIn(row);
    },
  };
}

export type HabitsService = ReturnType<typeof createHabitsService>;
