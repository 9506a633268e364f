import 'zod/compile';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { loggableError } from './platform/db/db-errors.js';
import { EmbeddedDatabaseLockedError } from './platform/db/embedded-lock.js';
import { openDatabase } from './platform/db/open.js';
import { schemaStatus, shippedMigrations } from './platform/db/schema-status.js';
import { logSchemaStatus } from './platform/health.js';
import { createLogger } from './platform/logger.js';
import { installGracefulShutdown } from './platform/shutdown.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  const logger = createLogger(config);
  const startedAt = performance.now();
  const database = await openDatabase(config);
  // Tell the operator now, not at the first failing request; a database that is down is readiness's business.
  const schema = await schemaStatus(database, shippedMigrations()).then(
    (status) => {
      logSchemaStatus(logger, status);
      return status.status;
    },
    (err: unknown) => {
      logger.warn(
        { err: loggableError(err) },
        'could not compare the database schema with this release (database down?)',
      );
      return 'unknown' as const;
    },
  );
  const app = await buildApp({ config, database, logger });
  installGracefulShutdown({ app, close: () => database.close(), timeoutMs: config.SHUTDOWN_TIMEOUT_MS });

  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.server.address();
  const port = address && typeof address === 'object' ? address.port : config.PORT;
  logger.info(
    {
      database: database.driver === 'pglite' ? `embedded (${config.EMBEDDED_DB_DIR})` : 'postgres',
      port,
      docs: `http://localhost:${port}/docs`,
      startupMs: Math.round(performance.now() - startedAt),
      // Listening is not being ready: with migrations pending, /health/ready answers 503.
      schema,
    },
    'Habitual API ready',
  );
}

main().catch((err: unknown) => {
  // Not a bug: one line saying which folder and which process, without a stack.
  if (err instanceof EmbeddedDatabaseLockedError) {
    process.stderr.write(`Failed to start: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
