import type { HabitWithSummary } from '@habitual/shared';
import type { CheckIn as DomainCheckIn, HabitComputation, HabitSummary } from './domain/index.js';

/** A stored check-in as the rules read it, with when it was last written. */
export type StoredCheckIn = DomainCheckIn & { readonly updatedAt: Date };

/** The check-ins of one habit at one revision, and what was computed from them for one day. */
export interface CachedHabit {
  revision: number;
  /**
   * The revision its check-ins were read at; later revisions were this instance's own check-in
   * writes, patched in (none changed the habit's definition: that bump leaves a gap no patch fills).
   */
  readAt?: number;
  /** Oldest first, one per date. */
  checkIns: StoredCheckIn[];
  computed?: {
    today: number;
    computation: HabitComputation;
    summary: HabitSummary;
    /** Answers computed from it (calendar, stats) by range, at most a few (see `memo`). */
    memo?: Map<string, unknown>;
  };
  /**
   * What was computed before this instance's last writes were applied to `checkIns`: the next
   * computation for the same today starts its scores from it (see `recomputeHabit`).
   */
  basis?: HabitComputation;

  /** The API view of the habit that day, at a position (reordering does not bump the revision). */
  view?: { today: number; position: number; item: HabitWithSummary };
}

/** This instance's recent writes kept per habit, to patch a history read while they ran. */
const MAX_LOG = 64;

interface Patch {
  date: string;
  checkIn: StoredCheckIn | null;
}

/** A copy of an oldest-first list with one day's entry replaced, added or (null) removed. */
function patched(list: readonly StoredCheckIn[], date: string, checkIn: StoredCheckIn | null): StoredCheckIn[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as DomainCheckIn).date < date) lo = mid + 1;
    else hi = mid;
  }
  const exists = list[lo]?.date === date;
  const next = list.slice();
  if (checkIn) next.splice(lo, exists ? 1 : 0, checkIn);
  else if (exists) next.splice(lo, 1);
  return next;
}

/**
 * A bounded least-recently-used map of habit id → its check-ins at a revision. An entry is
 * only used when its revision equals the habit row's revision read in the same request, and
 * every write bumps that revision in the same statement, so a hit is never stale, whichever
 * instance wrote last. It saves re-reading (and re-computing) years of history on every
 * screen; `size` 0 turns it off.
 */
export class HabitCache {
  private readonly entries = new Map<string, CachedHabit>();
  /** This instance's recent writes, by habit and revision (see `applyWrite`). */
  private readonly log = new Map<string, Map<number, Patch>>();
  private readonly size: number;
  /** Lookups that found the habit at its revision, and those that did not (read by the metrics). */
  hits = 0;
  misses = 0;

  constructor(size: number) {
    this.size = size;
  }

  get(habitId: string, revision: number): CachedHabit | undefined {
    const entry = this.entries.get(habitId);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    if (entry.revision !== revision) {
      this.misses++;
      // Kept: a newer history serves readers that saw it; an older one is replaced when the
      // re-read is stored, or caught up by this instance's writes still on their way.
      return undefined;
    }
    this.hits++;
    // Re-insert: Map iteration order is insertion order, so the first key is the least recent.
    this.entries.delete(habitId);
    this.entries.set(habitId, entry);
    return entry;
  }

  /** Stores a history read from the database, caught up with this instance's later writes; a newer one is kept. */
  set(habitId: string, entry: CachedHabit): void {
    if (this.size <= 0) return;
    const current = this.entries.get(habitId);
    if (current && current.revision > entry.revision) return;
    this.entries.delete(habitId);
    this.entries.set(habitId, this.caughtUp(habitId, entry));
    while (this.entries.size > this.size) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /**
   * After this instance wrote one day at `revision`: the write is logged, and the cached list is
   * patched with every logged write that follows on from its revision without a gap. Concurrent
   * writes finish in any order: one that arrives early waits in the log for the gap to fill, and
   * a history read from the database while writes ran is caught up with them when stored (see
   * `set`). A gap that never fills (another instance wrote) makes the next reader re-read.
   */
  applyWrite(habitId: string, revision: number, date: string, checkIn: StoredCheckIn | null): void {
    if (this.size <= 0) return;
    let log = this.log.get(habitId);
    if (!log) {
      log = new Map();
      this.log.set(habitId, log);
      while (this.log.size > this.size) this.log.delete(this.log.keys().next().value as string);
    }
    log.set(revision, { date, checkIn });
    if (log.size > MAX_LOG) log.delete(Math.min(...log.keys()));
    const entry = this.entries.get(habitId);
    if (!entry || revision <= entry.revision) return;
    const next = this.caughtUp(habitId, entry);
    if (next !== entry) this.entries.set(habitId, next);
  }

  /** The entry with the logged writes that follow on from its revision applied (itself when none do). */
  private caughtUp(habitId: string, entry: CachedHabit): CachedHabit {
    const log = this.log.get(habitId);
    if (!log) return entry;
    let checkIns = entry.checkIns;
    let current = entry.revision;
    for (let next = log.get(current + 1); next; next = log.get(current + 1)) {
      checkIns = patched(checkIns, next.date, next.checkIn);
      current++;
    }
    if (current === entry.revision) return entry;
    const updated: CachedHabit = { revision: current, readAt: entry.readAt ?? entry.revision, checkIns };
    const basis = entry.computed?.computation ?? entry.basis;
    if (basis) updated.basis = basis;
    return updated;
  }

  /** The revision the cached history of a habit is at, if it is cached. */
  revisionOf(habitId: string): number | undefined {
    return this.entries.get(habitId)?.revision;
  }

  /**
   * The revision to compute a habit at after this instance's write made `revision`: a cached
   * entry that was read at or before it and then only patched with this instance's later
   * check-in writes holds the same definition and every write up to it, so it is used as it is
   * (asking for `revision` would drop it and re-read the whole history).
   */
  revisionAfterWrite(habitId: string, revision: number, today: number): number {
    const entry = this.entries.get(habitId);
    if (!entry || entry.revision <= revision) return revision;
    // Read later than the write (so it holds it) and already computed for today with the
    // definition of its own revision: used as it is too.
    const computed = entry.computed?.today === today;
    return (entry.readAt ?? entry.revision) <= revision || computed ? entry.revision : revision;
  }

  delete(habitId: string): void {
    this.entries.delete(habitId);
  }

  get count(): number {
    return this.entries.size;
  }
}

/** Ranges remembered per computed habit: a screen asks for a few (this month, this year). */
const MEMO_SIZE = 8;

/**
 * An answer derived from a computation (a calendar or stats of a range), kept with it: the
 * computation is replaced when the day or the habit's revision changes, so a kept answer is
 * never stale.
 */
export function memo<T>(computed: NonNullable<CachedHabit['computed']>, key: string, make: () => T): T {
  computed.memo ??= new Map();
  if (computed.memo.has(key)) return computed.memo.get(key) as T;
  const value = make();
  if (computed.memo.size >= MEMO_SIZE) computed.memo.delete(computed.memo.keys().next().value as string);
  computed.memo.set(key, value);
  return value;
}
