import type { HabitWithSummary } from '@habitual/shared';
import type { CheckIn as DomainCheckIn, HabitComputation, HabitSummary } from './domain/index.js';

/** A stored check-in as the rules read it, with when it was last written. */
export type StoredCheckIn = DomainCheckIn & { readonly updatedAt: Date };

/** The check-ins of one habit at one revision, and what was computed from them for one day. */
export interface CachedHabit {
  revision: number;
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
  /** This instance's writes that finished before an earlier revision's, by revision. */
  ahead?: Map<number, { date: string; checkIn: StoredCheckIn | null }>;
  /** The API view of the habit that day, at a position (reordering does not bump the revision). */
  view?: { today: number; position: number; item: HabitWithSummary };
}

/** Writes kept per habit while waiting for an earlier revision (see `applyWrite`). */
const MAX_AHEAD = 64;

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
      this.entries.delete(habitId);
      return undefined;
    }
    this.hits++;
    // Re-insert: Map iteration order is insertion order, so the first key is the least recent.
    this.entries.delete(habitId);
    this.entries.set(habitId, entry);
    return entry;
  }

  set(habitId: string, entry: CachedHabit): void {
    if (this.size <= 0) return;
    this.entries.delete(habitId);
    this.entries.set(habitId, entry);
    while (this.entries.size > this.size) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /**
   * After this instance wrote one day at `revision`: patch the cached list when it is one
   * revision behind, then apply any later writes that arrived first. A write that arrives ahead
   * of a revision it has not seen is kept until the gap fills (concurrent writes to one habit
   * finish in any order); the entry is forgotten when too many wait (another instance wrote).
   * A revision the entry already has is ignored: the entry was read after that write.
   */
  applyWrite(habitId: string, revision: number, date: string, checkIn: StoredCheckIn | null): void {
    const entry = this.entries.get(habitId);
    if (!entry || revision <= entry.revision) return;
    if (revision > entry.revision + 1) {
      entry.ahead ??= new Map();
      if (entry.ahead.size >= MAX_AHEAD) this.entries.delete(habitId);
      else entry.ahead.set(revision, { date, checkIn });
      return;
    }
    let checkIns = patched(entry.checkIns, date, checkIn);
    let current = revision;
    const ahead = entry.ahead;
    for (let next = ahead?.get(current + 1); next; next = ahead?.get(current + 1)) {
      ahead?.delete(current + 1);
      checkIns = patched(checkIns, next.date, next.checkIn);
      current++;
    }
    const updated: CachedHabit = { revision: current, checkIns };
    const basis = entry.computed?.computation ?? entry.basis;
    if (basis) updated.basis = basis;
    if (ahead && ahead.size > 0) updated.ahead = ahead;
    this.entries.set(habitId, updated);
  }

  /** The revision the cached history of a habit is at, if it is cached. */
  revisionOf(habitId: string): number | undefined {
    return this.entries.get(habitId)?.revision;
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
