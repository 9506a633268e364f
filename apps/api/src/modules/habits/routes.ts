import {
  BatchCheckIns,
  BatchCheckInsResult,
  CheckInList,
  CheckInParams,
  CheckInWritten,
  CreateHabit,
  DateRangeQuery,
  HabitCalendar,
  HabitListQuery,
  HabitOrder,
  HabitParams,
  HabitStats,
  HabitStreaks,
  HabitWithSummary,
  MAX_BATCH_CHECKINS,
  MAX_HABITS_PER_USER,
  MAX_RANGE_DAYS,
  PaginationQuery,
  PutCheckIn,
  paginated,
  ReorderHabits,
  StreakQuery,
  Today,
  UpdateHabit,
} from '@habitual/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth/index.js';
import type { HabitsService } from './service.js';

const TAGS = ['Habits'];
const RANGE_NOTE = `\`from\` must not be after \`to\`, and a range spans at most ${MAX_RANGE_DAYS} days (five years).`;

export const habitsRoutes: FastifyPluginAsyncZod<{ habits: HabitsService }> = async (app, { habits }) => {
  app.get(
    '/today',
    {
      config: { auth: { level: 'user' } },
      schema: {
        operationId: 'getToday',
        tags: TAGS,
        summary: "Today's habits (the home screen)",
        description:
          "Every active habit in the user's order, with today's entry, whether it is required today, the current streak and today's strength. \"Today\" is the user's local day in their time zone, shifted by their day-start hour.",
        response: { 200: Today.describe("Today's habits.") },
      },
    },
    async (request) => habits.today(actorOf(request).userId),
  );

  app.post(
    '/habits',
    {
      config: { auth: { level: 'user', access: 'write' }, errors: ['PLAN_LIMIT_REACHED', 'CONFLICT'] },
      schema: {
        operationId: 'createHabit',
        tags: TAGS,
        summary: 'Create a habit',
        description: `Creates a boolean habit (done or not) or a measurable one (a number per day against a target per window of \`frequency.days\` days). The habit goes last in the user’s order. When the plan’s number of active habits is reached the answer is 402 \`PLAN_LIMIT_REACHED\`, with the limit and usage in \`details\`; an account holding ${MAX_HABITS_PER_USER} habits, archived ones included, gets 409 \`CONFLICT\`.`,
        body: CreateHabit,
        response: { 201: HabitWithSummary.describe('The new habit.') },
      },
    },
    async (request, reply) => reply.code(201).send(await habits.createHabit(actorOf(request).userId, request.body)),
  );

  app.get(
    '/habits',
    {
      config: { auth: { level: 'user' } },
      schema: {
        operationId: 'listHabits',
        tags: TAGS,
        summary: 'List my habits',
        description:
          'The user’s active habits in their order (or the archived ones with `?archived=true`), each with where it stands today. Paginated with `limit` and `cursor`.',
        querystring: PaginationQuery.extend(HabitListQuery.shape),
        response: { 200: paginated(HabitWithSummary).describe('One page of habits.') },
      },
    },
    async (request) => habits.listHabits(actorOf(request).userId, request.query),
  );

  app.put(
    '/habits/order',
    {
      config: { auth: { level: 'user', access: 'write' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'reorderHabits',
        tags: TAGS,
        summary: 'Reorder my habits',
        description:
          'Puts the listed habits first, in the order given; the others follow in their current order. An id that is not one of the user’s habits → 404 naming it.',
        body: ReorderHabits,
        response: { 200: HabitOrder.describe('Every habit with its new position.') },
      },
    },
    async (request) => habits.reorder(actorOf(request).userId, request.body.habitIds),
  );

  app.get(
    '/habits/:habitId',
    {
      config: { auth: { level: 'user' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'getHabit',
        tags: TAGS,
        summary: 'Get a habit',
        params: HabitParams,
        response: { 200: HabitWithSummary.describe('The habit and where it stands today.') },
      },
    },
    async (request) => habits.getHabit(actorOf(request).userId, request.params.habitId),
  );

  app.patch(
    '/habits/:habitId',
    {
      config: { auth: { level: 'user', access: 'write' }, errors: ['NOT_FOUND', 'PLAN_LIMIT_REACHED'] },
      schema: {
        operationId: 'updateHabit',
        tags: TAGS,
        summary: 'Change, archive or restore a habit',
        description:
          'Changes only the fields sent. `archived: true` archives the habit (it leaves /today and frees a plan slot; nothing is deleted); `archived: false` restores it, which needs a free slot (402 otherwise). A new frequency or target recomputes the whole history.',
        params: HabitParams,
        body: UpdateHabit,
        response: { 200: HabitWithSummary.describe('The habit after the change.') },
      },
    },
    async (request) => habits.updateHabit(actorOf(request).userId, request.params.habitId, request.body),
  );

  app.delete(
    '/habits/:habitId',
    {
      config: { auth: { level: 'user', access: 'write' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'deleteHabit',
        tags: TAGS,
        summary: 'Delete a habit and its history',
        description: 'Deletes the habit and every check-in of it, for good. To keep the history, archive it instead.',
        params: HabitParams,
        response: { 204: z.undefined().describe('Deleted.') },
      },
    },
    async (request, reply) => {
      await habits.deleteHabit(actorOf(request).userId, request.params.habitId);
      return reply.code(204).send();
    },
  );

  app.put(
    '/habits/:habitId/checkins/:date',
    {
      config: { auth: { level: 'user', access: 'write' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'putCheckIn',
        tags: TAGS,
        summary: 'Check in for a day',
        description:
          "Writes the habit's entry for one calendar day, replacing any entry of that day (so repeating the request changes nothing). Boolean habits take `status` (`done`, `skipped`, `missed`); measurable habits a `value`, or `status: skipped`. A day after the user's today → 400. Days before the habit's start date may be written (back-filled history).",
        params: CheckInParams,
        body: PutCheckIn,
        response: { 200: CheckInWritten.describe('The stored entry and where the habit stands now.') },
      },
    },
    async (request) =>
      habits.putCheckIn(actorOf(request).userId, request.params.habitId, request.params.date, request.body),
  );

  app.delete(
    '/habits/:habitId/checkins/:date',
    {
      config: { auth: { level: 'user', access: 'write' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'deleteCheckIn',
        tags: TAGS,
        summary: 'Remove the entry of a day',
        description: 'The day becomes unknown again. Answers 204 also when the day had no entry.',
        params: CheckInParams,
        response: { 204: z.undefined().describe('The day has no entry now.') },
      },
    },
    async (request, reply) => {
      await habits.deleteCheckIn(actorOf(request).userId, request.params.habitId, request.params.date);
      return reply.code(204).send();
    },
  );

  app.get(
    '/habits/:habitId/checkins',
    {
      config: { auth: { level: 'user' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'listCheckIns',
        tags: TAGS,
        summary: 'List the entries of a range',
        description: `The stored check-ins from \`from\` to \`to\`, oldest first. Default: the 30 days ending today. ${RANGE_NOTE}`,
        params: HabitParams,
        querystring: DateRangeQuery,
        response: { 200: CheckInList.describe('The check-ins of the range.') },
      },
    },
    async (request) => habits.listCheckIns(actorOf(request).userId, request.params.habitId, request.query),
  );

  app.get(
    '/habits/:habitId/calendar',
    {
      config: { auth: { level: 'user' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'getHabitCalendar',
        tags: TAGS,
        summary: 'Day-by-day history with strength',
        description: `One row per day from \`from\` to \`to\`: the computed status (\`done\`, \`auto\`, \`skipped\`, \`missed\`, \`unknown\`), the value, the note and the habit strength of that day. Default: the 30 days ending today. Days after today are \`unknown\` with a null score. ${RANGE_NOTE}`,
        params: HabitParams,
        querystring: DateRangeQuery,
        response: { 200: HabitCalendar.describe('The calendar of the range.') },
      },
    },
    async (request) => habits.calendar(actorOf(request).userId, request.params.habitId, request.query),
  );

  app.get(
    '/habits/:habitId/streaks',
    {
      config: { auth: { level: 'user' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'getHabitStreaks',
        tags: TAGS,
        summary: 'Current and best streaks',
        description:
          'A streak is a run of days that are done, auto or skipped (measurable habits: target met; a skip breaks it). The best streaks are the longest, newest first.',
        params: HabitParams,
        querystring: StreakQuery,
        response: { 200: HabitStreaks.describe('The streaks.') },
      },
    },
    async (request) => habits.streaks(actorOf(request).userId, request.params.habitId, request.query.limit),
  );

  app.get(
    '/habits/:habitId/stats',
    {
      config: { auth: { level: 'user' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'getHabitStats',
        tags: TAGS,
        summary: 'Statistics over a range',
        description: `Completion rate, totals, per-weekday and per-month counts and the best streaks of the range. Default: the 365 days ending today. ${RANGE_NOTE}`,
        params: HabitParams,
        querystring: DateRangeQuery,
        response: { 200: HabitStats.describe('The statistics.') },
      },
    },
    async (request) => habits.stats(actorOf(request).userId, request.params.habitId, request.query),
  );

  app.post(
    '/checkins/batch',
    {
      config: { auth: { level: 'user', access: 'write' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'batchCheckIns',
        tags: TAGS,
        summary: 'Write many entries at once (offline sync)',
        description: `Up to ${MAX_BATCH_CHECKINS} entries across the user's habits, applied in one transaction: all or nothing. Each entry is checked as \`PUT /habits/{habitId}/checkins/{date}\` checks it; one invalid entry (400) or one habit that is not the user's (404) rejects the whole batch, and \`details\` names the entry. Repeating a batch changes nothing.`,
        body: BatchCheckIns,
        response: { 200: BatchCheckInsResult.describe('What was stored and removed.') },
      },
    },
    async (request) => habits.batch(actorOf(request).userId, request.body),
  );
};
