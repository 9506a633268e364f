import {
  CheckIn,
  DeletePushSubscription,
  DigestSettings,
  HabitParams,
  MAX_PUSH_SUBSCRIPTIONS_PER_USER,
  MAX_REMINDERS_PER_HABIT,
  OneTapCheckIn,
  PushSubscription,
  PushSubscriptionInput,
  PutDigest,
  PutReminders,
  ReminderList,
  SnoozedReminder,
  SnoozeReminder,
  VapidPublicKey,
} from '@habitual/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth/index.js';
import type { Digests } from './digest.js';
import type { RemindersService } from './service.js';

const TAGS = ['Reminders'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function remindersRoutes(reminders: RemindersService, digests: Digests): FastifyPluginAsyncZod {
  /**
   * Another user's habit answers 404 whatever the body holds (DESIGN §4: never reveal it, not
   * even through a 400). Runs after the auth guard, before validation; a malformed id is left to
   * validation.
   */
  const ownHabitFirst = async (request: { actor: { userId: string } | null; params: unknown }) => {
    const habitId = (request.params as { habitId?: string }).habitId;
    if (request.actor && habitId && UUID.test(habitId)) await reminders.assertOwnHabit(request.actor.userId, habitId);
  };

  return async (app) => {
    app.get(
      '/habits/:habitId/reminders',
      {
        config: { auth: { level: 'user' }, errors: ['NOT_FOUND'] },
        schema: {
          operationId: 'getHabitReminders',
          tags: TAGS,
          summary: "A habit's reminders",
          description:
            "The habit's reminders in time order, each with its next fire instant (UTC) and the local day that fire belongs to.",
          params: HabitParams,
          response: { 200: ReminderList.describe('The reminders.') },
        },
      },
      async (request) => reminders.getReminders(actorOf(request).userId, request.params.habitId),
    );

    app.put(
      '/habits/:habitId/reminders',
      {
        config: { auth: { level: 'user', access: 'write' }, errors: ['NOT_FOUND'] },
        preValidation: ownHabitFirst,
        schema: {
          operationId: 'putHabitReminders',
          tags: TAGS,
          summary: "Replace a habit's reminders",
          description: `Sets the whole list (0–${MAX_REMINDERS_PER_HABIT}, distinct times). Each reminder is a local time in the user's time zone on ISO weekdays of the user's local day: with a day-start hour of 4, a 01:00 reminder on Friday fires in the night to Saturday. On the night clocks spring forward a time inside the skipped hour fires at the first valid minute; when they fall back it fires once. \`onlyIfNotDone\` skips the reminder when the day is already done, skipped or automatic by the frequency. Archived habits keep their reminders but are not reminded.`,
          params: HabitParams,
          body: PutReminders,
          response: { 200: ReminderList.describe('The stored reminders.') },
        },
      },
      async (request) => reminders.putReminders(actorOf(request).userId, request.params.habitId, request.body),
    );

    app.post(
      '/habits/:habitId/reminders/snooze',
      {
        config: { auth: { level: 'user', access: 'write' }, errors: ['NOT_FOUND', 'CONFLICT'] },
        preValidation: ownHabitFirst,
        schema: {
          operationId: 'snoozeHabitReminder',
          tags: TAGS,
          summary: "Snooze today's next reminder",
          description:
            "Moves the habit's next reminder of today (the user's local day) `minutes` later; snoozing again adds up. 409 `CONFLICT` when no reminder of the habit is left today. Changing the reminders or the time zone drops a snooze.",
          params: HabitParams,
          body: SnoozeReminder,
          response: { 200: SnoozedReminder.describe('The moved reminder.') },
        },
      },
      async (request) => reminders.snooze(actorOf(request).userId, request.params.habitId, request.body.minutes),
    );

    app.get(
      '/me/push/vapid-public-key',
      {
        config: { auth: { level: 'user' }, errors: ['SERVICE_UNAVAILABLE'] },
        schema: {
          operationId: 'getVapidPublicKey',
          tags: TAGS,
          summary: 'The Web Push key to subscribe with',
          description:
            'Pass `publicKey` as `applicationServerKey` to `registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey })`, then send the subscription to `POST /api/v1/me/push-subscriptions`. 503 when the server has no VAPID keys.',
          response: { 200: VapidPublicKey.describe('The VAPID public key.') },
        },
      },
      async () => reminders.vapidPublicKey(),
    );

    app.post(
      '/me/push-subscriptions',
      {
        config: { auth: { level: 'user', access: 'write' }, errors: ['CONFLICT', 'SERVICE_UNAVAILABLE'] },
        schema: {
          operationId: 'createPushSubscription',
          tags: TAGS,
          summary: 'Subscribe this browser to Web Push',
          description: `Stores the browser's \`PushSubscription\` (its JSON as is). The endpoint must be an https URL of a public host. Sending the same endpoint again updates its keys; an endpoint another account had registered moves to this one. At most ${MAX_PUSH_SUBSCRIPTIONS_PER_USER} browsers per user (409 \`CONFLICT\`). A subscription the push service reports gone (404/410) is removed.`,
          body: PushSubscriptionInput,
          response: { 201: PushSubscription.describe('The stored subscription.') },
        },
      },
      async (request, reply) => reply.code(201).send(await reminders.subscribe(actorOf(request).userId, request.body)),
    );

    app.delete(
      '/me/push-subscriptions',
      {
        config: { auth: { level: 'user', access: 'write' }, errors: ['NOT_FOUND'] },
        schema: {
          operationId: 'deletePushSubscription',
          tags: TAGS,
          summary: 'Unsubscribe a browser',
          description: 'Removes the subscription with this endpoint (call it after `subscription.unsubscribe()`).',
          body: DeletePushSubscription,
          response: { 204: z.undefined().describe('Removed.') },
        },
      },
      async (request, reply) => {
        await reminders.unsubscribe(actorOf(request).userId, request.body.endpoint);
        return reply.code(204).send();
      },
    );

    app.get(
      '/me/digest',
      {
        config: { auth: { level: 'user' } },
        schema: {
          operationId: 'getDigestSettings',
          tags: TAGS,
          summary: 'My daily digest setting',
          description: 'Whether the daily digest mail is on, its local time, and when the next one goes out.',
          response: { 200: DigestSettings.describe('The digest setting.') },
        },
      },
      async (request) => digests.get(actorOf(request).userId),
    );

    app.put(
      '/me/digest',
      {
        config: { auth: { level: 'user', access: 'write' } },
        schema: {
          operationId: 'putDigestSettings',
          tags: TAGS,
          summary: 'Turn the daily digest on or off',
          description:
            '`{ "enabled": true, "time": "07:30" }` sends one mail a day at that local time (time zone and day-start hour of the profile): today\'s habits still due, streaks at risk (done up to yesterday, open today) and streak records reached, from the same statistics as `GET /api/v1/insights/summary`. No mail on a day without active habits. `{ "enabled": false }` turns it off.',
          body: PutDigest,
          response: { 200: DigestSettings.describe('The digest setting.') },
        },
      },
      async (request) => digests.put(actorOf(request).userId, request.body),
    );

    app.post(
      '/check-ins/one-tap',
      {
        config: { errors: ['NOT_FOUND', 'CONFLICT'] },
        schema: {
          operationId: 'oneTapCheckIn',
          tags: TAGS,
          summary: 'Check a habit in from a reminder',
          description:
            "No session needed: the token of a reminder (`data.oneTapToken` in the push payload, `?token=` of the mail's link) checks its habit in as done for the reminder's day. It is bound to the user, habit and day, expires 36 hours after the reminder, and works once (409 `CONFLICT` after that). An invalid or expired token is 400 naming `token`. Pages that open the mail link should POST the token here rather than act on the GET.",
          body: OneTapCheckIn,
          response: { 200: CheckIn.describe('The stored check-in.') },
        },
      },
      async (request) => reminders.oneTapCheckIn(request.body.token),
    );
  };
}
