/**
 * `npm run db:migrate`: applies pending migrations, for ops. Against PostgreSQL it holds an
 * advisory lock, so several instances (or a migrate job and a rolling deploy) can run it at
 * once; against the embedded database it migrates EMBEDDED_DB_DIR.
 */
import { ConfigError, loadConfig } from '../../config.js';
import { openPglite } from './client.js';
import { EmbeddedDatabaseLockedError } from './embedded-lock.js';
import { migratePgliteDatabase, migratePostgresDatabase } from './migrate.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const started = performance.now();
  let result: { applied: number; ranNow: number };
  let target: string;
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    target = `postgres ${url.hostname}:${url.port || 5432}${url.pathname}`;
    result = await migratePostgresDatabase(config.DATABASE_URL);
  } else {
    target = `embedded ${config.EMBEDDED_DB_DIR}`;
    const handle = await openPglite(config.EMBEDDED_DB_DIR);
    try {
      result = await migratePgliteDatabase(handle.client);
    } finally {
      await handle.close();
    }
  }
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    `${JSON.stringify({ level: 'info', msg: 'migrations applied', target, ranNow: result.ranNow, applied: result.applied, ms })}\n`,
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof EmbeddedDatabaseLockedError)
    process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`Migration failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
