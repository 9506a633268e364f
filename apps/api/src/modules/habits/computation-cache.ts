import type { HabitWithSummary } from '@habitual/shared';
import type { CheckIn as DomainCheckIn, HabitComputation, HabitSummary } from './domain/index.js';

/** A stored check-in as the rules read it, with when it was last written. */
export type StoredCheckIn = DomainCheckIn & { readonly updatedAt: Date };

/** The check-ins of one habit at one revision, and what was computed from them for one day. */
export interface CachedHabit {
  revision: number;
  /** Oldest first, one per date. */
  checkIns: StoredCheckIn[];
  computed?: { today: number; computation: HabitComputation; summary: HabitSummary };
  /**
   * What was computed before this instance's last writes were applied to `checkIns`: the next
   * computation for the same today starts its scores from it (see `recomputeHabit`).
   */
  basis?: HabitComputation;
  /** The API view of the habit that day, at a position (reordering does not bump the revision). */
  view?: { today: number; position: number; item: HabitWithSummary };
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
   * After this instance wrote one day at `revision`: patch the cached list when it was exactly
   * one revision behind; otherwise forget it (it is re-read on next use).
   */
  applyWrite(habitId: string, revision: number, date: string, checkIn: StoredCheckIn | null): void {
    const entry = this.entries.get(habitId);
    if (!entry) return;
    if (entry.revision !== revision - 1) {
      this.entries.delete(habitId);
      return;
    }
    const list = entry.checkIns;
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
    const basis = entry.computed?.computation ?? entry.basis;
    this.entries.set(habitId, basis ? { revision, checkIns: next, basis } : { revision, checkIns: next });
  }

  delete(habitId: string): void {
    this.entries.delete(habitId);
  }

  get count(): number {
    return this.entries.size;
  }
}
