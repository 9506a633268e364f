import { z } from 'zod';
import { PaginationQuery } from './pagination.js';

export const AdminUser = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(['user', 'admin']),
    emailVerified: z.boolean(),
    banned: z.boolean(),
    banReason: z.string().nullable(),
    banExpiresAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'AdminUser' });
export type AdminUser = z.infer<typeof AdminUser>;

export const AdminUsersQuery = PaginationQuery.extend({
  email: z.string().trim().min(1).max(254).optional().describe('Case-insensitive substring of the email address.'),
});
export type AdminUsersQuery = z.infer<typeof AdminUsersQuery>;

export const BanUser = z
  .strictObject({
    reason: z.string().trim().min(1).max(500).optional(),
    expiresInSeconds: z
      .number()
      .int()
      .min(60)
      .max(10 * 365 * 24 * 3600)
      .optional()
      .describe('Omit for a permanent ban.'),
  })
  .meta({ id: 'BanUser' });
export type BanUser = z.infer<typeof BanUser>;

export const SetUserRole = z
  .strictObject({ role: z.enum(['user', 'admin']).describe('`admin` may use every `/api/v1/admin` route.') })
  .meta({ id: 'SetUserRole', examples: [{ role: 'admin' }] });
export type SetUserRole = z.infer<typeof SetUserRole>;
