/** Rows of the habits module → the API's shapes (`@habitual/shared`), and requests → rows. */
import type { CheckIn, CreateHabit, Habit, HabitSummary, UpdateHabit } from '@habitual/shared';
import type { StoredCheckIn } from './computation-cache.js';
import type { HabitSummary as DomainSummary, HabitDefinition, Streak } from './domain/index.js';
import type { CheckInRow, HabitRow, NewHabitRow } from './rows.js';

const DEFAULT_COLOR = '#3B82F6';

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

/** A stored row as the computed history keeps it. */
export function toStoredCheckIn(row: CheckInRow): StoredCheckIn {
  return { date: row.date, status: row.status, value: row.value, note: row.note, updatedAt: row.updatedAt };
}

/** What the domain computes a habit's history from. */
export function definitionOf(row: HabitRow): HabitDefinition {
  return {
    type: row.type,
    frequency: { times: row.frequencyTimes, days: row.frequencyDays },
    target:
      row.targetValue !== null && row.targetDirection !== null
        ? { value: row.targetValue, direction: row.targetDirection }
        : null,
  };
}

export function toStreak(streak: Streak | null) {
  return streak ? { start: streak.start, end: streak.end, length: streak.length } : null;
}

export function toSummary(summary: DomainSummary, entry: StoredCheckIn | undefined, habitId: string): HabitSummary {
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

/** The row of a new habit, with the defaults of `CreateHabit` filled in; `today` is the default start. */
export function newHabitRow(input: CreateHabit, today: string): NewHabitRow {
  const frequency = input.frequency ?? { times: 1, days: 1 };
  return {
    name: input.name,
    description: input.description ?? null,
    color: input.color ?? DEFAULT_COLOR,
    icon: input.icon ?? null,
    type: input.type ?? 'boolean',
    frequencyTimes: frequency.times,
    frequencyDays: frequency.days,
    targetValue: input.target?.value ?? null,
    targetUnit: input.target?.unit ?? null,
    targetDirection: input.target?.direction ?? null,
    startDate: input.startDate ?? today,
  };
}

/** The columns an `UpdateHabit` changes (only the fields sent; `archived` is decided by the caller). */
export function habitPatch(input: UpdateHabit): Partial<NewHabitRow> {
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
  return patch;
}
