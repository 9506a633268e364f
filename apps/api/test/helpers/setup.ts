import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { inject } from 'vitest';
import { type App, type AppDeps, buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { CapturingMailer } from '../../src/modules/auth/index.js';
import { type DatabaseHandle, openPglite, openPostgres } from '../../src/platform/db/client.js';
import { migratePgliteDatabase } from '../../src/platform/db/migrate.js';
import { createLogger } from '../../src/platform/logger.js';

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

/** Closes every app this file built and its shared database (wired in test/setup-file.ts). */
export async function closeAll(): Promise<void> {
  await Promise.allSettled([...openApps].map((app) => app.close()));
  openApps.clear();
  if (shared) {
    const handle = await shared;
    shared = undefined;
    await handle.close();
  }
}

/**
 * The database of this test file: the run's migrated PostgreSQL database, or one in-memory
 * PGlite per file. Tests create their own users, so they can share it.
 */
export function testDatabase(): Promise<DatabaseHandle> {
  shared ??= openTestDatabase();
  return shared;
}

/** A database of its own, for tests that close or break it. */
export async function openTestDatabase(options: { onQuery?: (query: string) => void } = {}): Promise<DatabaseHandle> {
  const url = inject('databaseUrl');
  if (url) return openPostgres({ url, poolMax: 4, ...options });
  const snapshot = inject('pgliteSnapshot');
  if (snapshot) {
    snapshotBytes ??= readFile(snapshot);
    return openPglite('memory', { ...options, loadDataDir: new Blob([await snapshotBytes]) });
  }
  const handle = await openPglite('memory', options);
  await migratePgliteDatabase(handle.client);
  return handle;
}

let snapshotBytes: Promise<Buffer> | undefined;
let sharedMailer: CapturingMailer | undefined;

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
  const database = options.database ?? (await testDatabase());
  // One per file, like the database: mail is sent by whichever app's worker takes the job.
  sharedMailer ??= new CapturingMailer();
  const mailer = sharedMailer;
  const app = await buildApp({ config, database, logger, mailer, ...options.deps });
  openApps.add(app);
  if (options.routes) await options.routes(app);
  await app.ready();
  return { app, config, database, logs, mailer };
}
