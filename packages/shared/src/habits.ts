import { z } from 'zod';
import { queryBoolean } from './pagination.js';

/** Longest date range any habit endpoint accepts: five years (1,827 days with leap days). */
export const MAX_RANGE_DAYS = 1827;
export const MAX_BATCH_CHECKINS = 500;
/** Habits a user may hold, archived ones included (active ones are bounded by the plan too). */
export const MAX_HABITS_PER_USER = 5000;
export const NAME_MAX = 100;
export const DESCRIPTION_MAX = 1000;
export const NOTE_MAX = 2000;

function isRealCalendarDay(value: string): boolean {
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** A calendar day in the user's time zone, `YYYY-MM-DD`; impossible days (2025-02-30) are rejected. */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a calendar day YYYY-MM-DD' })
  .refine(isRealCalendarDay, { message: 'is not a real calendar day' })
  .meta({
    id: 'CalendarDate',
    description: "A calendar day `YYYY-MM-DD` in the user's time zone (not an instant).",
    examples: ['2026-11-21'],
    // The pattern already fixes the length; stated for clients and linters that look for a bound.
    maxLength: 10,
  });

export const HabitId = z
  .uuid({ message: 'must be a habit id (a UUID)' })
  .describe('The habit id (a UUID).')
  .meta({ maxLength: 36 });

export const HabitType = z
  .enum(['boolean', 'measurable'])
  .describe('`boolean`: done or not each day. `measurable`: a number per day against a target.');

export const Frequency = z
  .strictObject({
    times: z.number().int().min(1).max(366).describe('How many times …'),
    days: z
      .number()
      .int()
      .min(1)
      .max(366)
      .describe('… in how many days. 30 or 31 means per calendar month (its real length).'),
  })
  .refine((f) => f.times <= f.days, { message: '`times` must not be greater than `days`', path: ['times'] })
  .meta({
    id: 'Frequency',
    description:
      'How often the habit is due, as `times` in `days`: daily 1/1, every 3 days 1/3, 3 per week 3/7, 2 per month 2/30. Measurable habits have `times` 1 and `days` is the window of their target.',
    examples: [{ times: 3, days: 7 }],
  });
export type Frequency = z.infer<typeof Frequency>;

export const Target = z
  .strictObject({
    value: z.number().min(0).max(1e9).describe('The amount per window of `frequency.days` days.'),
    unit: z.string().trim().min(1).max(32).describe('A unit shown next to values, e.g. `km` or `pages`.'),
    direction: z
      .enum(['at_least', 'at_most'])
      .describe('`at_least`: the sum must reach the value. `at_most`: it must stay at or below it.'),
  })
  .meta({
    id: 'Target',
    description: 'The target of a measurable habit, per window of `frequency.days` days.',
    examples: [{ value: 5, unit: 'km', direction: 'at_least' }],
  });
export type Target = z.infer<typeof Target>;

const HabitColor = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, { message: 'must be a colour #RRGGBB' })
  .describe('A colour `#RRGGBB`.')
  .meta({ maxLength: 7 });

const habitFields = {
  name: z.string().trim().min(1).max(NAME_MAX).describe(`1–${NAME_MAX} characters.`),
  description: z.string().max(DESCRIPTION_MAX).nullable().describe(`Up to ${DESCRIPTION_MAX} characters.`),
  color: HabitColor,
  icon: z.string().trim().min(1).max(64).nullable().describe('An icon name of the client’s choosing, e.g. `book`.'),
};

export const CreateHabit = z
  .strictObject({
    name: habitFields.name,
    description: habitFields.description.optional(),
    color: habitFields.color.optional().describe('A colour `#RRGGBB`; default `#3B82F6`.'),
    icon: habitFields.icon.optional(),
    type: HabitType.optional().describe('Default `boolean`. Cannot be changed later.'),
    frequency: Frequency.optional().describe('Default daily (1 in 1 days).'),
    target: Target.optional().describe('Required for measurable habits; not allowed on boolean ones.'),
    startDate: CalendarDate.optional().describe(
      'The first day of the habit; default today. May be in the past (back-filled history), never after today.',
    ),
  })
  .superRefine((habit, ctx) => {
    if (habit.type === 'measurable') {
      if (!habit.target)
        ctx.addIssue({ code: 'custom', path: ['target'], message: 'is required for a measurable habit' });
      if (habit.frequency && habit.frequency.times !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['frequency', 'times'],
          message: 'must be 1 for a measurable habit (its target applies per window of `days` days)',
        });
      }
    } else if (habit.target) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'is only allowed on a measurable habit' });
    }
  })
  .meta({
    id: 'CreateHabit',
    description: 'A new habit. Only `name` is required; a measurable habit also needs a `target`.',
    examples: [
      { name: 'Read 20 pages', color: '#10B981', icon: 'book', frequency: { times: 1, days: 1 } },
      {
        name: 'Run',
        type: 'measurable',
        frequency: { times: 1, days: 7 },
        target: { value: 15, unit: 'km', direction: 'at_least' },
      },
      { name: 'Gym', frequency: { times: 3, days: 7 }, startDate: '2026-01-01' },
    ],
  });
export type CreateHabit = z.infer<typeof CreateHabit>;

export const UpdateHabit = z
  .strictObject({
    name: habitFields.name.optional(),
    description: habitFields.description.optional(),
    color: habitFields.color.optional(),
    icon: habitFields.icon.optional(),
    frequency: Frequency.optional(),
    target: Target.optional().describe('Measurable habits only.'),
    startDate: CalendarDate.optional(),
    archived: z
      .boolean()
      .optional()
      .describe('`true` archives the habit (it leaves /today and frees a plan slot); `false` restores it.'),
  })
  .meta({
    id: 'UpdateHabit',
    description:
      'Changes only the fields sent. `type` cannot be changed (create a new habit instead); history is recomputed under a new frequency or target.',
    examples: [{ name: 'Read 30 pages' }, { archived: true }, { frequency: { times: 2, days: 7 } }],
  });
export type UpdateHabit = z.infer<typeof UpdateHabit>;

export const Habit = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    color: z.string(),
    icon: z.string().nullable(),
    type: HabitType,
    frequency: z.object({ times: z.number().int(), days: z.number().int() }),
    target: z
      .object({ value: z.number(), unit: z.string(), direction: z.enum(['at_least', 'at_most']) })
      .nullable()
      .describe('Measurable habits only; null for boolean ones.'),
    startDate: z.string().describe('`YYYY-MM-DD`.'),
    position: z.number().int().describe("The habit's place in the user's order (smaller first)."),
    archived: z.boolean(),
    archivedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({
    id: 'Habit',
    description: 'A habit, as its owner defined it.',
    examples: [
      {
        id: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c',
        name: 'Gym',
        description: null,
        color: '#F59E0B',
        icon: 'dumbbell',
        type: 'boolean',
        frequency: { times: 3, days: 7 },
        target: null,
        startDate: '2026-01-01',
        position: 0,
        archived: false,
        archivedAt: null,
        createdAt: '2026-01-01T08:00:00.000Z',
        updatedAt: '2026-01-01T08:00:00.000Z',
      },
    ],
  });
export type Habit = z.infer<typeof Habit>;

export const DayStatus = z.enum(['done', 'auto', 'skipped', 'missed', 'unknown']).meta({
  id: 'DayStatus',
  description:
    'The computed status of a day. `done`: checked in as done (measurable: the value meets the target). `auto`: not checked in, but covered by the frequency (e.g. the other days of a 3-per-week habit once it is met). `skipped`: excused. `missed`: checked in as missed (measurable: a value that misses the target). `unknown`: no entry.',
});

export const Streak = z
  .object({
    start: z.string().describe('First day, `YYYY-MM-DD`.'),
    end: z.string().describe('Last day, `YYYY-MM-DD`.'),
    length: z.number().int().describe('Days from start to end, both included.'),
  })
  .meta({ id: 'Streak', description: 'A run of consecutive days that count (done, auto or skipped).' });

export const CheckInStatus = z.enum(['done', 'skipped', 'missed']);

export const CheckIn = z
  .object({
    habitId: z.string(),
    date: z.string().describe('`YYYY-MM-DD`.'),
    status: CheckInStatus.nullable().describe('`done`, `skipped` or `missed`; null for a measurable value.'),
    value: z.number().nullable().describe('Measurable habits: the amount that day.'),
    note: z.string().nullable(),
    updatedAt: z.iso.datetime(),
  })
  .meta({
    id: 'CheckIn',
    description: 'The entry of one habit on one calendar day.',
    examples: [
      {
        habitId: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c',
        date: '2026-11-21',
        status: 'done',
        value: null,
        note: 'Leg day',
        updatedAt: '2026-11-21T18:02:11.000Z',
      },
    ],
  });
export type CheckIn = z.infer<typeof CheckIn>;

export const HabitSummary = z
  .object({
    today: z.string().describe("The user's today, `YYYY-MM-DD`, in their time zone and day-start hour."),
    entry: CheckIn.nullable().describe("Today's check-in, or null."),
    status: DayStatus,
    requiredToday: z
      .boolean()
      .describe(
        'False when the frequency is already met for today (status `auto`), so the habit can be left alone today; true otherwise.',
      ),
    completedToday: z.boolean().describe('Today counts in a streak (done, auto or skipped; measurable: target met).'),
    score: z.number().min(0).max(1).describe("Today's habit strength, 0..1 (Loop Habit Tracker's score)."),
    currentStreak: Streak.nullable().describe(
      'The streak that includes today, or yesterday while today is still open; null when there is none.',
    ),
    bestStreak: Streak.nullable().describe('The longest streak ever (ties: the later one).'),
  })
  .meta({ id: 'HabitSummary', description: 'Where the habit stands today, computed from all of its check-ins.' });
export type HabitSummary = z.infer<typeof HabitSummary>;

export const HabitWithSummary = Habit.extend({ summary: HabitSummary }).meta({
  id: 'HabitWithSummary',
  description: 'A habit and where it stands today.',
});
export type HabitWithSummary = z.infer<typeof HabitWithSummary>;

export const HabitListQuery = z.object({
  archived: queryBoolean('`true` lists the archived habits instead of the active ones (default `false`).'),
});

export const Today = z
  .object({
    date: z.string().describe("The user's today, `YYYY-MM-DD`."),
    timezone: z.string(),
    habits: z.array(HabitWithSummary).describe('Every active habit, in the user’s order.'),
  })
  .meta({ id: 'Today', description: "The home screen: every active habit and today's state of each." });
export type Today = z.infer<typeof Today>;

export const ReorderHabits = z
  .strictObject({
    habitIds: z
      .array(HabitId)
      .min(1)
      .max(1000)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'lists a habit more than once' })
      .describe('Habit ids in the new order. Habits not listed keep their relative order, after the listed ones.'),
  })
  .meta({ id: 'ReorderHabits', examples: [{ habitIds: ['0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c'] }] });

export const HabitOrder = z
  .object({
    data: z.array(z.object({ id: z.string(), position: z.number().int() })),
  })
  .meta({ id: 'HabitOrder', description: 'Every habit of the user (active and archived) with its new position.' });

export const HabitParams = z.object({ habitId: HabitId });
export const CheckInParams = z.object({ habitId: HabitId, date: CalendarDate });

const checkInFields = {
  status: CheckInStatus.optional().describe(
    'Boolean habits: required, `done`, `skipped` or `missed`. Measurable habits: only `skipped` (send `value` otherwise).',
  ),
  value: z
    .number()
    .min(-1e9)
    .max(1e9)
    .optional()
    .describe(
      'Measurable habits: the amount that day (required unless `status` is `skipped`). Not allowed on boolean habits.',
    ),
  note: z.string().max(NOTE_MAX).nullable().optional().describe(`Up to ${NOTE_MAX} characters.`),
};

export const PutCheckIn = z.strictObject(checkInFields).meta({
  id: 'PutCheckIn',
  description: 'The entry for one day. Writing a day again replaces its entry.',
  examples: [{ status: 'done' }, { status: 'missed', note: 'sick' }, { value: 4.2 }, { status: 'skipped' }],
});
export type PutCheckIn = z.infer<typeof PutCheckIn>;

export const CheckInWritten = z
  .object({ checkIn: CheckIn, summary: HabitSummary })
  .meta({ id: 'CheckInWritten', description: 'The stored check-in and where the habit stands now.' });

export const BatchCheckInItem = z.strictObject({
  habitId: HabitId,
  date: CalendarDate,
  ...checkInFields,
  delete: z.boolean().optional().describe('`true` removes the entry of that day instead (other fields are ignored).'),
});

export const BatchCheckIns = z
  .strictObject({
    checkIns: z
      .array(BatchCheckInItem)
      .min(1)
      .max(MAX_BATCH_CHECKINS)
      .describe(
        `1–${MAX_BATCH_CHECKINS} entries, oldest change first: when an entry names the same habit and day twice, the last one wins.`,
      ),
  })
  .meta({
    id: 'BatchCheckIns',
    description:
      'Entries written while offline, applied in one transaction: either all are stored or none (any invalid entry rejects the whole batch). Sending the same batch again changes nothing.',
    examples: [
      {
        checkIns: [
          { habitId: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c', date: '2026-11-20', status: 'done' },
          { habitId: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c', date: '2026-11-21', status: 'skipped', note: 'travel' },
          { habitId: '5e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b', date: '2026-11-21', value: 3.5 },
        ],
      },
    ],
  });
export type BatchCheckIns = z.infer<typeof BatchCheckIns>;

export const BatchCheckInsResult = z
  .object({
    written: z.array(CheckIn),
    deleted: z.array(z.object({ habitId: z.string(), date: z.string() })),
  })
  .meta({ id: 'BatchCheckInsResult', description: 'What the batch stored and removed.' });

export const DateRangeQuery = z.object({
  from: CalendarDate.optional().describe('First day, included. Default: see the endpoint.'),
  to: CalendarDate.optional().describe("Last day, included. Default: the user's today."),
});

export const CheckInList = z
  .object({ from: z.string(), to: z.string(), data: z.array(CheckIn) })
  .meta({ id: 'CheckInList', description: 'The stored check-ins of the range, oldest first.' });

export const CalendarDay = z
  .object({
    date: z.string(),
    status: DayStatus,
    value: z.number().nullable(),
    note: z.string().nullable(),
    score: z
      .number()
      .nullable()
      .describe('Habit strength that day (0..1); 0 before the habit’s first day, null after today.'),
  })
  .meta({ id: 'CalendarDay' });

export const HabitCalendar = z
  .object({ from: z.string(), to: z.string(), days: z.array(CalendarDay).describe('One row per day, oldest first.') })
  .meta({ id: 'HabitCalendar', description: 'The computed history of a range, one row per day.' });

export const StreakQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10).describe('How many best streaks (1–100, default 10).'),
});

export const HabitStreaks = z
  .object({
    current: Streak.nullable().describe('The streak that includes today (or yesterday while today is open).'),
    best: z.array(Streak).describe('The longest streaks (ties: the later one), newest first.'),
  })
  .meta({ id: 'HabitStreaks' });

const DayCounts = {
  done: z.number().int().describe('Days checked in as done (measurable: target met).'),
  completed: z.number().int().describe('Days that met the schedule: done plus auto.'),
  value: z.number().describe('Sum of the measurable values (0 for boolean habits).'),
};

export const HabitStats = z
  .object({
    from: z.string(),
    to: z.string(),
    completionRate: z
      .number()
      .nullable()
      .describe(
        'Completed days / (tracked days − skipped days − today while still open), 0..1; null when nothing was tracked.',
      ),
    totals: z.object({
      days: z.number().int().describe('Days in the range.'),
      trackedDays: z.number().int().describe('Days of the range from the habit’s first day up to today.'),
      done: z.number().int(),
      auto: z.number().int(),
      skipped: z.number().int(),
      missed: z.number().int(),
      unknown: z.number().int(),
      completed: z.number().int(),
      value: z.number(),
    }),
    byWeekday: z
      .array(z.object({ weekday: z.number().int().describe('0 = Sunday … 6 = Saturday.'), ...DayCounts }))
      .describe('Seven entries, Sunday first.'),
    byMonth: z
      .array(z.object({ month: z.string().describe('`YYYY-MM`.'), trackedDays: z.number().int(), ...DayCounts }))
      .describe('Every month that meets the range, oldest first.'),
    bestStreaks: z.array(Streak).describe('The five longest streaks that overlap the range, newest first.'),
  })
  .meta({ id: 'HabitStats', description: 'Statistics of one habit over a range of days.' });
