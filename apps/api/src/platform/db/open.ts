import type { Config } from '../../config.js';
import { type DatabaseHandle, openPglite, openPostgres } from './client.js';
import { migratePgliteDatabase, migratePostgresDatabase } from './migrate.js';

/**
 * Opens the database the config names: PostgreSQL when DATABASE_URL is set, otherwise the
 * embedded PGlite in EMBEDDED_DB_DIR. Applies pending migrations when MIGRATE_ON_START is on
 * (the default for the embedded database; ops run `npm run db:migrate` for PostgreSQL).
 */
export async function openDatabase(
  config: Pick<
    Config,
    'DATABASE_URL' | 'DATABASE_POOL_MAX' | 'DATABASE_STATEMENT_TIMEOUT_MS' | 'EMBEDDED_DB_DIR' | 'MIGRATE_ON_START'
  >,
): Promise<DatabaseHandle> {
  if (config.DATABASE_URL) {
    if (config.MIGRATE_ON_START) await migratePostgresDatabase(config.DATABASE_URL);
    return openPostgres({
      url: config.DATABASE_URL,
      poolMax: config.DATABASE_POOL_MAX,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    });
  }
  const handle = await openPglite(config.EMBEDDED_DB_DIR);
  try {
    if (config.MIGRATE_ON_START) await migratePgliteDatabase(handle.client);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}
