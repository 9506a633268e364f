import { z } from 'zod';

/** A valid IANA time zone name, e.g. `Europe/Berlin`. */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be an IANA time zone such as Europe/Berlin or America/New_York' },
  )
  .describe('An IANA time zone; "today" and every default date range are computed in it.');

export const Me = z
  .object({
    id: z.string(),
    email: z.email(),
    emailVerified: z.boolean(),
    name: z.string(),
    role: z.enum(['user', 'admin']),
    timezone: z.string(),
    weekStartsOn: z.number().int().min(0).max(6).describe('0 = Sunday … 6 = Saturday; used by week-based statistics.'),
    dayStartHour: z
      .number()
      .int()
      .min(0)
      .max(23)
      .describe('Local hour at which a new day starts (night owls: 4 means 01:30 still counts as yesterday).'),
    createdAt: z.iso.datetime(),
  })
  .meta({
    id: 'Me',
    description: 'The signed-in user.',
    examples: [
      {
        id: '6c8b9a57-2f0e-4c1e-9d54-7c0a0f6d2b11',
        email: 'ada@example.com',
        emailVerified: true,
        name: 'Ada',
        role: 'user',
        timezone: 'Europe/Berlin',
        weekStartsOn: 1,
        dayStartHour: 4,
        createdAt: '2026-11-01T09:30:00.000Z',
      },
    ],
  });
export type Me = z.infer<typeof Me>;

export const UpdateMe = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    timezone: TimeZone.optional(),
    weekStartsOn: z.number().int().min(0).max(6).optional(),
    dayStartHour: z.number().int().min(0).max(23).optional(),
  })
  .meta({
    id: 'UpdateMe',
    description: 'Only these fields can be changed here; any other field (id, email, role, plan…) is rejected.',
    examples: [{ timezone: 'Asia/Tokyo', dayStartHour: 4 }],
  });
export type UpdateMe = z.infer<typeof UpdateMe>;

export const DeleteMe = z
  .strictObject({
    password: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe('Required unless the session was created in the last 15 minutes.'),
  })
  .meta({ id: 'DeleteMe' });
export type DeleteMe = z.infer<typeof DeleteMe>;
