/**
 * Entry point for the better-auth CLI only (`npm run auth:schema`), which loads an `auth`
 * export to generate the Drizzle tables in schema.ts. The database handle is never used.
 */
import type { Database } from '../../platform/db/client.js';
import { createAuth } from './auth.js';

export const auth = createAuth(
  {
    secret: 'schema-generation-only-secret-0123456789',
    baseURL: 'http://localhost:3000',
    trustedOrigins: { trusted: () => [] },
    requireEmailVerification: false,
    secureCookies: false,
  },
  { db: {} as Database, mail: { enqueue: async () => {} } },
);
