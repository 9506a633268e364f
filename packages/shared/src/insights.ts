import { z } from 'zod';
import { paginated, queryBoolean } from './pagination.js';

export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

const rate = z.number().min(0).max(1);
const day = z.string().describe("`YYYY-MM-DD` in the user's time zone.");

export const WeekdayRate = z
  .object({
    weekday: z.number().int().min(0).max(6).describe('0 = Sunday … 6 = Saturday.'),
    name: z.enum(WEEKDAY_NAMES),
    completionRate: rate.describe('Completed days / counted days of that weekday (0..1).'),
    days: z.number().int().describe('How many days of that weekday were counted (skipped days are excused).'),
  })
  .meta({ id: 'WeekdayRate', description: 'How often a habit was completed on one weekday over the last 12 weeks.' });
export type WeekdayRate = z.infer<typeof WeekdayRate>;

export const HabitTrend = z
  .object({
    last4Weeks: rate.nullable().describe('Completion rate of the last 28 days up to today; null without counted days.'),
    previous4Weeks: rate.nullable().describe('Completion rate of the 28 days before those; null without counted days.'),
    change: z.number().nullable().describe('`last4Weeks - previous4Weeks`; null when either is null.'),
    direction: z
      .enum(['up', 'down', 'flat', 'unknown'])
      .describe(
        '`up`/`down` when the rate moved by at least 5 points, `flat` otherwise, `unknown` without both rates.',
      ),
  })
  .meta({ id: 'HabitTrend', description: 'The last 4 weeks against the 4 weeks before.' });
export type HabitTrend = z.infer<typeof HabitTrend>;

export const HabitInsightSummary = z
  .object({
    habitId: z.string(),
    name: z.string(),
    type: z.enum(['boolean', 'measurable']),
    score: rate.describe('Habit strength today (0..1).'),
    currentStreak: z.number().int().describe('Length of the current streak in days; 0 when none.'),
    bestStreak: z.number().int().describe('Length of the longest streak ever; 0 when none.'),
    completedToday: z.boolean(),
    bestWeekday: WeekdayRate.nullable().describe('Null when there are not enough days yet or every weekday is equal.'),
    worstWeekday: WeekdayRate.nullable(),
    trend: HabitTrend,
    streakAtRisk: z
      .boolean()
      .describe('The current streak ended yesterday and today is still open: it breaks unless done today.'),
    newRecord: z
      .boolean()
      .describe('The current streak became the longest ever (beating an earlier streak) today or yesterday.'),
  })
  .meta({ id: 'HabitInsightSummary', description: 'The numbers of one habit, from its own check-ins.' });
export type HabitInsightSummary = z.infer<typeof HabitInsightSummary>;

const HabitRef = { habitId: z.string(), name: z.string() };

export const InsightsSummary = z
  .object({
    today: day,
    timezone: z.string().describe('The IANA time zone the days are computed in.'),
    habitCount: z.number().int(),
    habits: z.array(HabitInsightSummary).describe("Every active habit, in the user's order."),
    streaksAtRisk: z
      .array(z.object({ ...HabitRef, currentStreak: z.number().int() }))
      .describe('Habits whose streak breaks unless checked in today, longest streak first.'),
    recordsReached: z
      .array(z.object({ ...HabitRef, streak: z.number().int(), previousBest: z.number().int() }))
      .describe('Habits whose current streak just became their longest ever.'),
    strongest: z
      .object({ ...HabitRef, score: rate })
      .nullable()
      .describe('The habit with the highest strength; null without habits.'),
    weakest: z
      .object({ ...HabitRef, score: rate })
      .nullable()
      .describe('The habit with the lowest strength; null with fewer than two habits.'),
    highlights: z.array(z.string()).describe('The same facts as short English sentences, most urgent first.'),
  })
  .meta({
    id: 'InsightsSummary',
    description:
      "Statistics-based insights computed from the user's own check-ins, in their time zone. No AI involved: always available.",
    examples: [
      {
        today: '2026-03-15',
        timezone: 'Europe/Berlin',
        habitCount: 1,
        habits: [
          {
            habitId: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c',
            name: 'Meditate',
            type: 'boolean',
            score: 0.62,
            currentStreak: 6,
            bestStreak: 6,
            completedToday: false,
            bestWeekday: { weekday: 1, name: 'Monday', completionRate: 1, days: 12 },
            worstWeekday: { weekday: 6, name: 'Saturday', completionRate: 0.25, days: 12 },
            trend: { last4Weeks: 0.71, previous4Weeks: 0.5, change: 0.21, direction: 'up' },
            streakAtRisk: true,
            newRecord: true,
          },
        ],
        streaksAtRisk: [{ habitId: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c', name: 'Meditate', currentStreak: 6 }],
        recordsReached: [
          { habitId: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c', name: 'Meditate', streak: 6, previousBest: 5 },
        ],
        strongest: { habitId: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c', name: 'Meditate', score: 0.62 },
        weakest: null,
        highlights: [
          '"Meditate": your 6-day streak ends unless you check in today.',
          '"Meditate": new record, 6 days in a row (best before: 5).',
        ],
      },
    ],
  });
export type InsightsSummary = z.infer<typeof InsightsSummary>;

const InsightItem = z.object({
  text: z.string().describe('One sentence or two, grounded in the numbers.'),
  habitId: z
    .string()
    .nullable()
    .describe('The id of the habit this is about (from the statistics), or null when it is about all habits.'),
});

/**
 * What the AI model must answer: the structured output schema. Every field is required and
 * nullable instead of optional, as strict JSON-schema mode (OpenAI structured outputs) demands.
 * Deliberately without `.meta({ id })`, so the schema sent to the model is inline.
 */
export const InsightContent = z.object({
  title: z.string().describe('A short headline, at most 80 characters.'),
  summary: z.string().describe('Two or three sentences on how the habits are going overall.'),
  observations: z.array(InsightItem).max(8).describe('Patterns found in the statistics.'),
  suggestions: z.array(InsightItem).max(5).describe('Concrete, small next steps.'),
});
export type InsightContent = z.infer<typeof InsightContent>;

const exampleInsight = {
  id: '5d0c3a57-1f3e-4a8e-9c53-6a8e2f9b7d10',
  title: 'Strong weekdays, shaky weekends',
  summary: 'Meditation is at 71% over the last four weeks, up from 50%. Saturdays are where the streak breaks.',
  observations: [
    { text: 'Mondays are perfect (12 of 12); Saturdays 3 of 12.', habitId: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c' },
  ],
  suggestions: [
    { text: 'Meditate right after breakfast on Saturdays.', habitId: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c' },
  ],
  model: 'gpt-4o-mini',
  source: 'server',
  usage: { inputTokens: 812, outputTokens: 164, totalTokens: 976 },
  latencyMs: 2150,
  basedOn: { today: '2026-03-15', habitCount: 1 },
  createdAt: '2026-03-15T08:30:00.000Z',
};

export const Insight = z
  .object({
    id: z.string(),
    title: z.string(),
    summary: z.string(),
    observations: z.array(InsightItem),
    suggestions: z.array(InsightItem),
    model: z.string().describe('The model that wrote it, as the provider reported it.'),
    source: z
      .enum(['server', 'own_key'])
      .describe("`own_key`: generated with the user's own API key (not counted in the quota)."),
    usage: z
      .object({
        inputTokens: z.number().int().nullable(),
        outputTokens: z.number().int().nullable(),
        totalTokens: z.number().int().nullable(),
      })
      .describe('Token usage as the provider reported it (null when it did not).'),
    latencyMs: z.number().int().describe('How long the provider took, retries included.'),
    basedOn: z
      .object({ today: day, habitCount: z.number().int() })
      .describe('The day and the number of habits of the statistics it was written from.'),
    createdAt: z.iso.datetime(),
  })
  .meta({
    id: 'Insight',
    description: 'An AI-written insight, grounded in the statistics of GET /api/v1/insights/summary.',
    examples: [exampleInsight],
  });
export type Insight = z.infer<typeof Insight>;

export const InsightList = paginated(Insight).meta({
  id: 'InsightList',
  description: 'A page of insights, newest first.',
  examples: [{ data: [exampleInsight], nextCursor: null }],
});

export const GenerateInsightQuery = z.object({
  refresh: queryBoolean(
    '`true` generates a new insight even when one for the same statistics was made in the last 24 hours.',
  ),
});

export const SetAiKey = z
  .object({
    apiKey: z
      .string()
      .min(8, 'must be at least 8 characters')
      .max(400, 'must be at most 400 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .describe("An API key of the server's AI provider (OpenAI by default). Stored encrypted; never returned."),
  })
  .strict()
  .meta({
    id: 'SetAiKey',
    description: "Your own AI provider key. Insights generated with it do not count against your plan's quota.",
    examples: [{ apiKey: 'sk-proj-your-own-key' }],
  });
export type SetAiKey = z.infer<typeof SetAiKey>;

export const AiKeyStatus = z
  .object({
    set: z.boolean(),
    last4: z.string().nullable().describe('The last 4 characters of the stored key, to recognise it; null when none.'),
    updatedAt: z.iso.datetime().nullable().describe('When the key was stored; null when none.'),
  })
  .meta({
    id: 'AiKeyStatus',
    description: 'Whether the user has stored their own AI key. The key itself is never returned.',
    examples: [
      { set: true, last4: '-key', updatedAt: '2026-03-15T08:30:00.000Z' },
      { set: false, last4: null, updatedAt: null },
    ],
  });
export type AiKeyStatus = z.infer<typeof AiKeyStatus>;
