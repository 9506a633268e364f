/**
 * The one Drizzle schema of the API. Each module owns its tables in its own `schema.ts`
 * and they are re-exported here, so that drizzle-kit, the migrations and the typed
 * database handle all see the same set.
 */
export * from '../../modules/auth/schema.js';
export * from '../../modules/habits/schema.js';
export * from '../../modules/insights/schema.js';
export * from '../../modules/payments/schema.js';
export * from '../../modules/reminders/schema.js';
// Platform tables (not a module's): the mail outbox.
export * from '../mail/schema.js';
