import type { HabitWithSummary } from '@habitual/shared';
import { type CachedHabit, HabitCache, type StoredCheckIn } from './computation-cache.js';
import { computeHabit, localTodayDayNumber, recomputeHabit, summarizeHabit } from './domain/index.js';
import { definitionOf, toHabit, toStoredCheckIn, toSummary } from './mapping.js';
import type { HabitKey, HabitsRepository } from './repository.js';
import type { Clocking, HabitRow } from './rows.js';

/** One habit computed for a day: its row, its cache entry, the computation and today's entry. */
export interface ComputedHabit {
  row: HabitRow;
  entry: CachedHabit;
  computed: NonNullable<CachedHabit['computed']>;
  todayEntry: StoredCheckIn | undefined;
}

/**
 * The read model of the habits module: each habit's history computed from its check-ins for the
 * user's today, kept per instance in a least-recently-used cache keyed by the habit's revision
 * (so a hit is never stale), with concurrent reads of the same habits sharing one statement.
 * The use cases read through it and tell it about their writes.
 */
export function createHabitReadModel(deps: {
  habits: Pick<HabitsRepository, 'checkInsOf' | 'habitsByIds'>;
  now: () => Date;
  /** Habits whose check-ins are kept in memory (least recently used); 0 turns the cache off. */
  cacheSize: number;
}) {
  const { habits: repo } = deps;
  const cache = new HabitCache(deps.cacheSize);
  /** This instance's check-in writes whose statement is unanswered, by habit (see `startWrite`). */
  const writesInFlight = new Map<string, { pending: number; waiters: (() => void)[] }>();
  /**
   * Until the cached history of a habit reaches `revision` or no write of it by this instance
   * awaits its statement's answer (only statements are waited for, which never wait for this).
   */
  async function ownWrites(habitId: string, revision: number): Promise<void> {
    for (;;) {
      const writes = writesInFlight.get(habitId);
      if (!writes || writes.pending === 0 || (cache.revisionOf(habitId) ?? revision) >= revision) return;
      await new Promise<void>((wake) => writes.waiters.push(wake));
    }
  }

  /** Reads of check-ins in flight, by `habitId:revision`. */
  const loading = new Map<string, Promise<CachedHabit>>();

  /** The user's today as a day number. */
  function todayOf(clocking: Clocking): number {
    return localTodayDayNumber(deps.now(), clocking.timezone, clocking.dayStartHour);
  }

  /**
   * The cache entry of every listed habit, reading the check-ins of all habits neither cached
   * nor being read with ONE statement. Concurrent requests for the same habits (a home screen
   * opened on several devices, a cold start) share that read.
   */
  async function entriesOf(userId: string, rows: readonly HabitRow[]): Promise<Map<string, CachedHabit>> {
    // A revision this instance's own writes made, seen before their answers were applied: wait
    // for those answers rather than re-read the history.
    const behind = rows.filter((row) => (cache.revisionOf(row.id) ?? row.revision) < row.revision);
    if (behind.length > 0) await Promise.all(behind.map((row) => ownWrites(row.id, row.revision)));
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
    return entries;
  }

  /** Every listed habit computed for `today`, in one pass each (reused while today and the revision hold). */
  async function computeAll(userId: string, rows: readonly HabitRow[], today: number): Promise<ComputedHabit[]> {
    const entries = await entriesOf(userId, rows);
    return rows.map((row) => {
      const entry = entries.get(row.id) as CachedHabit;
      if (!entry.computed || entry.computed.today !== today) {
        // After a write, only the days from the first changed one are scored again.
        const basis = entry.basis?.history.today === today ? entry.basis : undefined;
        const computation = basis
          ? recomputeHabit(definitionOf(row), entry.checkIns, today, basis)
          : computeHabit(definitionOf(row), entry.checkIns, today);
        entry.basis = undefined;
        entry.computed = { today, computation, summary: summarizeHabit(computation) };
      }
      const last = entry.checkIns[entry.checkIns.length - 1];
      const todayEntry = last && last.date === entry.computed.summary.today ? last : undefined;
      return { row, entry, computed: entry.computed, todayEntry };
    });
  }

  /** The API view of each listed habit for the user's today (cached with the computation). */
  async function withSummaries(
    userId: string,
    rows: readonly HabitRow[],
    clocking: Clocking,
  ): Promise<HabitWithSummary[]> {
    const today = todayOf(clocking);
    const computed = await computeAll(userId, rows, today);
    return computed.map(({ row, entry, computed: c, todayEntry }): HabitWithSummary => {
      if (entry.view && entry.view.today === today && entry.view.position === row.position) return entry.view.item;
      const item = { ...toHabit(row), summary: toSummary(c.summary, todayEntry, row.id) };
      entry.view = { today, position: row.position, item };
      return item;
    });
  }

  /** The cached API view of a habit at this revision and position for `today`, if there is one. */
  function cachedView(id: string, revision: number, position: number, today: number): HabitWithSummary | undefined {
    const view = cache.get(id, revision)?.view;
    return view && view.today === today && view.position === position ? view.item : undefined;
  }

  return {
    todayOf,
    computeAll,

    withSummaries,

    /**
     * The API view of each listed habit from its keys (a keys-first read): cached views at the
     * key's revision and position are current; full rows are read (one statement) only for the
     * others. A habit deleted between the two reads is left out.
     */
    async viewsOfKeys(
      userId: string,
      keys: readonly HabitKey[],
      clocking: Clocking,
      today: number,
    ): Promise<HabitWithSummary[]> {
      const items: (HabitWithSummary | undefined)[] = keys.map((key) =>
        cachedView(key.id, key.revision, key.position, today),
      );
      const stale = keys.filter((_key, i) => items[i] === undefined).map((key) => key.id);
      if (stale.length > 0) {
        const rows = await repo.habitsByIds(userId, stale);
        const fresh = new Map((await withSummaries(userId, rows, clocking)).map((item) => [item.id, item]));
        keys.forEach((key, i) => {
          items[i] ??= fresh.get(key.id);
        });
      }
      return items.filter((item): item is HabitWithSummary => item !== undefined);
    },

    /** One habit computed for the user's today, and that today as a day number. */
    async computeOne(userId: string, habit: HabitRow, clocking: Clocking): Promise<ComputedHabit & { today: number }> {
      const today = todayOf(clocking);
      const [one] = await computeAll(userId, [habit], today);
      return { today, ...(one as ComputedHabit) };
    },

    cachedView,

    /** This instance wrote (or, with null, deleted) one day of a habit, now at `revision`. */
    applyWrite(habitId: string, revision: number, date: string, checkIn: StoredCheckIn | null): void {
      cache.applyWrite(habitId, revision, date, checkIn);
    },

    /**
     * Marks a check-in write of one habit in flight. `settle` applies its result to the cached
     * history; when an earlier revision is still missing and another write of this habit by this
     * instance has not had its statement answered yet (concurrent writes get their revisions in
     * lock order, not in the order they started), it waits for those statements, so the history
     * is patched rather than re-read. It only waits for statements, which never wait for it.
     * Writes to different habits never wait for each other; `done` must always be called.
     */
    startWrite(habitId: string) {
      let state = writesInFlight.get(habitId);
      if (!state) {
        state = { pending: 0, waiters: [] };
        writesInFlight.set(habitId, state);
      }
      const writes = state;
      writes.pending++;
      let answered = false;
      const statementAnswered = () => {
        if (answered) return;
        answered = true;
        writes.pending--;
        for (const wake of writes.waiters.splice(0)) wake();
        if (writes.pending === 0 && writesInFlight.get(habitId) === writes) writesInFlight.delete(habitId);
      };
      return {
        /** Applies the write; the revision to compute the habit at now (see `revisionAfterWrite`). */
        async settle(revision: number, date: string, checkIn: StoredCheckIn | null, today: number): Promise<number> {
          cache.applyWrite(habitId, revision, date, checkIn);
          statementAnswered();
          await ownWrites(habitId, revision);
          return cache.revisionAfterWrite(habitId, revision, today);
        },
        done: statementAnswered,
      };
    },

    /** Drops a habit's history (deleted, or changed by a batch). */
    forget(habitId: string): void {
      cache.delete(habitId);
    },

    /** Lookups of the computation cache (for the metrics). */
    cacheStats() {
      return { hits: cache.hits, misses: cache.misses, entries: cache.count };
    },
  };
}

export type HabitReadModel = ReturnType<typeof createHabitReadModel>;
