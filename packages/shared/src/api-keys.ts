import { z } from 'zod';

/** A user may hold at most this many API keys; creating one more answers 409. */
export const MAX_API_KEYS_PER_USER = 50;

export const ApiKeyPermission = z
  .enum(['read', 'write'])
  .describe('`read` keys may only call GET routes; `write` keys may also create, change and delete.');

export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    start: z.string().nullable().describe('The first characters of the key, to recognise it.'),
    permission: ApiKeyPermission,
    rateLimitPerMinute: z.number().int().nullable().describe('Requests per minute this key may make; null: unlimited.'),
    expiresAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'ApiKey', description: 'An API key, without its secret.' });
export type ApiKey = z.infer<typeof ApiKey>;

export const CreateApiKey = z
  .strictObject({
    name: z.string().trim().min(1).max(32),
    permission: ApiKeyPermission.default('read'),
    expiresInDays: z
      .number()
      .int()
      .min(1)
      .max(1825)
      .default(365)
      .describe('Days until the key stops working (default 365).'),
    rateLimitPerMinute: z.number().int().min(1).max(10_000).default(600).describe('Requests per minute (default 600).'),
  })
  .meta({ id: 'CreateApiKey', examples: [{ name: 'Zapier', permission: 'read', expiresInDays: 90 }] });
export type CreateApiKey = z.infer<typeof CreateApiKey>;

export const CreatedApiKey = ApiKey.extend({
  key: z.string().describe('The secret key. It is shown only in this response: store it now. Send it as `x-api-key`.'),
}).meta({ id: 'CreatedApiKey' });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;
