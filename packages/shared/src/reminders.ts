import { z } from 'zod';
import { CalendarDate } from './habits.js';

/** Reminders one habit may have. */
export const MAX_REMINDERS_PER_HABIT = 10;
/** Browsers (push subscriptions) one user may register. */
export const MAX_PUSH_SUBSCRIPTIONS_PER_USER = 20;
/** The longest snooze: twelve hours. */
export const MAX_SNOOZE_MINUTES = 720;

export const TimeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a local time HH:MM (00:00-23:59)' })
  .describe("A local time of day `HH:MM` in the user's time zone.")
  .meta({ maxLength: 5, examples: ['08:00'] });

export const ReminderChannel = z
  .enum(['push', 'email'])
  .describe('`push`: Web Push to every browser the user subscribed; `email`: a mail to the account address.');

const uniqueList = <T extends z.ZodType>(item: T, what: string, max: number) =>
  z
    .array(item)
    .min(1)
    .max(max)
    .refine((list) => new Set(list).size === list.length, { message: `must not list a ${what} twice` });

export const ReminderInput = z
  .strictObject({
    time: TimeOfDay,
    weekdays: uniqueList(z.number().int().min(1).max(7), 'weekday', 7).describe(
      'ISO weekdays of the local day the reminder belongs to: 1 = Monday … 7 = Sunday.',
    ),
    onlyIfNotDone: z
      .boolean()
      .default(true)
      .describe("Skip the reminder when the habit's day is already done, skipped, or automatic by its frequency."),
    channels: uniqueList(ReminderChannel, 'channel', 2).describe('Where the reminder is delivered.'),
  })
  .meta({ id: 'ReminderSetting' });
export type ReminderInput = z.input<typeof ReminderInput>;

export const PutReminders = z
  .strictObject({
    reminders: z
      .array(ReminderInput)
      .max(MAX_REMINDERS_PER_HABIT)
      .refine((list) => new Set(list.map((r) => r.time)).size === list.length, {
        message: 'two reminders of one habit must not share a time',
      })
      .describe(`The habit's reminders (0–${MAX_REMINDERS_PER_HABIT}); replaces the current ones.`),
  })
  .meta({
    id: 'PutReminders',
    description: 'The whole set of reminders of a habit. An empty list removes them all.',
    examples: [
      {
        reminders: [
          { time: '08:00', weekdays: [1, 2, 3, 4, 5], onlyIfNotDone: true, channels: ['push', 'email'] },
          { time: '21:30', weekdays: [1, 2, 3, 4, 5, 6, 7], onlyIfNotDone: true, channels: ['push'] },
        ],
      },
    ],
  });
export type PutReminders = z.input<typeof PutReminders>;

export const Reminder = z
  .object({
    time: z.string().describe('`HH:MM`, local time.'),
    weekdays: z.array(z.number().int()).describe('ISO weekdays, 1 = Monday … 7 = Sunday.'),
    onlyIfNotDone: z.boolean(),
    channels: z.array(ReminderChannel),
    nextFireAt: z.iso
      .datetime()
      .nullable()
      .describe('When it fires next (UTC), snoozes included; null while the habit is archived.'),
    nextFireDay: z.string().nullable().describe('The local day (`YYYY-MM-DD`) that next fire belongs to.'),
  })
  .meta({ id: 'Reminder', description: 'A reminder of a habit, with its next fire.' });
export type Reminder = z.infer<typeof Reminder>;

export const ReminderList = z.object({ reminders: z.array(Reminder) }).meta({
  id: 'ReminderList',
  description: 'The reminders of a habit, in time order.',
  examples: [
    {
      reminders: [
        {
          time: '08:00',
          weekdays: [1, 2, 3, 4, 5],
          onlyIfNotDone: true,
          channels: ['push', 'email'],
          nextFireAt: '2026-11-30T07:00:00.000Z',
          nextFireDay: '2026-11-30',
        },
      ],
    },
  ],
});
export type ReminderList = z.infer<typeof ReminderList>;

export const SnoozeReminder = z
  .strictObject({
    minutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_SNOOZE_MINUTES)
      .describe(`How much later (1–${MAX_SNOOZE_MINUTES} minutes).`),
  })
  .meta({ id: 'SnoozeReminder', examples: [{ minutes: 10 }] });
export type SnoozeReminder = z.infer<typeof SnoozeReminder>;

export const SnoozedReminder = z
  .object({
    time: z.string().describe('The reminder that was moved (`HH:MM`, local).'),
    day: CalendarDate,
    firesAt: z.iso.datetime().describe('Its new fire instant (UTC).'),
  })
  .meta({
    id: 'SnoozedReminder',
    examples: [{ time: '08:00', day: '2026-11-30', firesAt: '2026-11-30T07:10:00.000Z' }],
  });
export type SnoozedReminder = z.infer<typeof SnoozedReminder>;

/** `PushSubscription.toJSON()` of a browser; extra fields browsers may add are ignored. */
export const PushSubscriptionInput = z
  .object({
    endpoint: z.string().max(2048).describe('The push service URL the browser received (https).'),
    expirationTime: z.number().nullable().optional().describe('Ignored; browsers send null.'),
    keys: z.object({
      p256dh: z
        .string()
        .regex(/^[A-Za-z0-9_-]{86,88}={0,2}$/, {
          message: 'must be the base64url P-256 public key of the subscription',
        })
        .meta({ maxLength: 90 }),
      auth: z
        .string()
        .regex(/^[A-Za-z0-9_-]{22,24}={0,2}$/, { message: 'must be the base64url 16-byte auth secret' })
        .meta({ maxLength: 26 }),
    }),
  })
  .meta({
    id: 'BrowserPushSubscription',
    description: "The browser's `PushSubscription` as JSON (`JSON.stringify(subscription)`).",
    examples: [
      {
        endpoint: 'https://fcm.googleapis.com/fcm/send/dVn3kqJm...',
        expirationTime: null,
        keys: {
          p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
          auth: 'tBHItJI5svbpez7KI4CCXg',
        },
      },
    ],
  });
export type PushSubscriptionInput = z.infer<typeof PushSubscriptionInput>;

export const PushSubscription = z
  .object({ endpoint: z.string(), createdAt: z.iso.datetime() })
  .meta({ id: 'PushSubscription', description: 'A browser subscribed to Web Push.' });
export type PushSubscription = z.infer<typeof PushSubscription>;

export const DeletePushSubscription = z
  .strictObject({ endpoint: z.string().max(2048).describe('The endpoint of the subscription to remove.') })
  .meta({ id: 'DeletePushSubscription', examples: [{ endpoint: 'https://fcm.googleapis.com/fcm/send/dVn3kqJm...' }] });
export type DeletePushSubscription = z.infer<typeof DeletePushSubscription>;

export const VapidPublicKey = z
  .object({
    publicKey: z
      .string()
      .describe('The VAPID public key (base64url): pass it as `applicationServerKey` to `pushManager.subscribe`.'),
  })
  .meta({ id: 'VapidPublicKey' });

export const OneTapCheckIn = z
  .strictObject({
    token: z
      .string()
      .min(1)
      .max(512)
      .describe('The `oneTapToken` of a reminder (push payload or the link in the mail).'),
  })
  .meta({ id: 'OneTapCheckIn' });
export type OneTapCheckIn = z.infer<typeof OneTapCheckIn>;

export const PutDigest = z
  .strictObject({
    enabled: z.boolean().describe('Send the daily digest.'),
    time: TimeOfDay.optional().describe('Local time to send it (`HH:MM`); required when `enabled` is true.'),
  })
  .refine((v) => !v.enabled || v.time !== undefined, { message: 'is required when `enabled` is true', path: ['time'] })
  .meta({ id: 'PutDigest', examples: [{ enabled: true, time: '07:30' }, { enabled: false }] });
export type PutDigest = z.infer<typeof PutDigest>;

export const DigestSettings = z
  .object({
    enabled: z.boolean(),
    time: z.string().nullable().describe('`HH:MM`, local time; null when off.'),
    nextSendAt: z.iso.datetime().nullable().describe('When the next digest goes out (UTC); null when off.'),
  })
  .meta({
    id: 'DigestSettings',
    description:
      "The daily digest: one mail a day at a local time, with today's habits still due, streaks at risk (done up to yesterday, open today) and streak records reached.",
    examples: [{ enabled: true, time: '07:30', nextSendAt: '2026-11-30T06:30:00.000Z' }],
  });
export type DigestSettings = z.infer<typeof DigestSettings>;
