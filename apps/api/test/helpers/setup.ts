import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { type App, type AppDeps, buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type DatabaseHandle, openPglite, openPostgres } from '../../src/platform/db/client.js';
import { migratePgliteDatabase } from '../../src/platform/db/migrate.js';
import { createLogger } from '../../src/platform/logger.js';
import { CapturingMailer } from './capturing-mailer.js';
import { throwawayDatabase } from './throwaway-postgres.js';

export type LogLine = Record<string, unknown> & { msg?: string; level?: string; requestId?: string };

/** Collects the app's JSON log lines so tests can assert on what was (and was not) logged. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.raw.push(line);
        this.lines.push(JSON.parse(line) as LogLine);
      }
      callback();
    },
  });
  text(): string {
    return this.raw.join('\n');
  }
}

export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  RATE_LIMIT_MAX: '10000',
  // Jobs: tests that need mail delivered (or other jobs run) pass WORKERS: 'on'.
  WORKERS: 'off',
};

export const databaseKind: 'postgres' | 'pglite' = inject('databaseUrl') ? 'postgres' : 'pglite';

let shared: Promise<DatabaseHandle> | undefined;
const openApps = new Set<App>();
const fileCleanups: Array<() => unknown> = [];

/**
 * Runs `cleanup` when the current test file ends (fake servers, own databases). Helpers register
 * here rather than calling `afterAll` at their top level: files share a worker's module cache
 * (`isolate: false`), so a helper module is evaluated once per worker, not once per file.
 */
export function onFileEnd(cleanup: () => unknown): void {
  fileCleanups.push(cleanup);
}

/**
 * Closes every app this file built and what it registered with `onFileEnd` (wired in
 * test/setup-file.ts). The file's PostgreSQL pool is closed too; the embedded database stays
 * open for the next file in this worker, which saves a PGlite start (about a second) per file.
 */
export async function closeAll(): Promise<void> {
  await Promise.allSettled([...openApps].map((app) => app.close()));
  openApps.clear();
  await Promise.allSettled(fileCleanups.splice(0).map((cleanup) => cleanup()));
  if (shared && databaseKind === 'postgres') {
    const handle = await shared;
    shared = undefined;
    await handle.close();
  }
}

/**
 * The shared test database: the run's migrated PostgreSQL database, or one in-memory PGlite per
 * worker, kept across the files that worker runs. Tests create their own users, so they share
 * it as they share the PostgreSQL database of a PostgreSQL run; a test that needs a database to
 * itself (to count its statements, close it or break it) opens one with `openTestDatabase()`.
 */
export function testDatabase(): Promise<DatabaseHandle> {
  shared ??= openTestDatabase();
  return shared;
}

let jobsDb: Promise<DatabaseHandle> | undefined;

/**
 * This file's own database for apps whose job workers run (WORKERS=on). Job workers take any due
 * job of their queues from the database they run on, so an app of another file on the shared
 * database (another worker's, on a PostgreSQL run) could send this file's mail through its own
 * mailer. Embedded: a migrated in-memory database; PostgreSQL: a throwaway database, dropped at the
 * end of the file.
 */
export function jobsDatabase(): Promise<DatabaseHandle> {
  jobsDb ??= (async () => {
    if (databaseKind === 'pglite') {
      const handle = await openMigratedPglite();
      onFileEnd(async () => {
        jobsDb = undefined;
        await handle.close();
      });
      return handle;
    }
    const throwaway = await throwawayDatabase();
    const handle = openPostgres({ url: throwaway.url, poolMax: 4 });
    onFileEnd(async () => {
      jobsDb = undefined;
      await handle.close();
      await throwaway.drop();
    });
    return handle;
  })();
  return jobsDb;
}

/** A database of its own, for tests that close or break it. */
export async function openTestDatabase(options: { onQuery?: (query: string) => void } = {}): Promise<DatabaseHandle> {
  const url = inject('databaseUrl');
  if (url) return openPostgres({ url, poolMax: 4, ...options });
  return openMigratedPglite(options);
}

/**
 * A migrated in-memory embedded database, whatever the run's database: loaded from the run's
 * migrated dump (about a second) rather than made by initdb and the migrations (5–15 s).
 */
export async function openMigratedPglite(
  options: { onQuery?: (query: string) => void } = {},
): Promise<DatabaseHandle & { readonly client: PGlite }> {
  const snapshot = await snapshotBlob();
  if (snapshot) return openPglite('memory', { ...options, loadDataDir: snapshot });
  const handle = await openPglite('memory', options);
  await migratePgliteDatabase(handle.client);
  return handle;
}

/** Fills an empty folder with a migrated embedded database, as `npm run db:migrate` leaves it. */
export async function migratedPgliteFolder(dir: string): Promise<void> {
  const snapshot = await snapshotBlob();
  if (snapshot) {
    const pglite = await PGlite.create({ dataDir: dir, loadDataDir: snapshot });
    await pglite.close();
    return;
  }
  const handle = await openPglite(dir);
  try {
    await migratePgliteDatabase(handle.client);
  } finally {
    await handle.close();
  }
}

let snapshotBytes: Promise<Buffer> | undefined;
let sharedMailer: CapturingMailer | undefined;

/** The dump global-setup made for this run (none on a PostgreSQL run). */
async function snapshotBlob(): Promise<Blob | null> {
  const snapshot = inject('pgliteSnapshot');
  if (!snapshot) return null;
  snapshotBytes ??= readFile(snapshot);
  return new Blob([await snapshotBytes]);
}

export interface TestContext {
  app: App;
  config: Config;
  database: DatabaseHandle;
  logs: LogCapture;
  mailer: CapturingMailer;
}

export interface SetupOptions {
  env?: Record<string, string>;
  database?: DatabaseHandle;
  /** Register extra routes (test-only endpoints that exercise the platform) before ready. */
  routes?: (app: App) => void | Promise<void>;
  deps?: Partial<Pick<AppDeps, 'clock' | 'docs'>>;
}

/** Builds the real app exactly as the server does, on the test database, with captured logs. */
export async function setup(options: SetupOptions = {}): Promise<TestContext> {
  const config = loadConfig({ ...TEST_ENV, ...options.env });
  const logs = new LogCapture();
  const logger = createLogger(config, logs.stream);
  const database = options.database ?? (config.WORKERS ? await jobsDatabase() : await testDatabase());
  // One per file, like the database: mail is sent by whichever app's worker takes the job.
  sharedMailer ??= new CapturingMailer();
  const mailer = sharedMailer;
  const app = await buildApp({ config, database, logger, mailer, ...options.deps });
  openApps.add(app);
  if (options.routes) await options.routes(app);
  await app.ready();
  return { app, config, database, logs, mailer };
}
