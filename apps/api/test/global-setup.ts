import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openPglite } from '../src/platform/db/client.js';
import { migratePgliteDatabase, migratePostgresDatabase } from '../src/platform/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A freshly created and migrated PostgreSQL database for this run, or null for PGlite. */
    databaseUrl: string | null;
    /** The PostgreSQL server URL the run was given (to create more throwaway databases). */
    serverUrl: string | null;
    /** A dump of a freshly migrated embedded database, which every PGlite test file starts from. */
    pgliteSnapshot: string | null;
  }
}

/**
 * With DATABASE_URL set, the run creates its own database on that server, applies the
 * migrations through the same code as `npm run db:migrate`, and drops it afterwards, so a test
 * run never touches the data of the database it was pointed at. Without it, each test file
 * uses an in-memory PGlite loaded from one migrated dump made here.
 */
export default async function globalSetup(project: TestProject) {
  const serverUrl = process.env.DATABASE_URL?.trim() || null;
  if (!serverUrl) {
    project.provide('databaseUrl', null);
    project.provide('serverUrl', null);
    // initdb takes most of a PGlite start; migrating once and loading the dump per file skips it.
    const snapshot = join(tmpdir(), `habitual-test-${process.pid}-${randomBytes(3).toString('hex')}.tar`);
    const handle = await openPglite('memory');
    try {
      await migratePgliteDatabase(handle.client);
      const dump = await handle.client.dumpDataDir('none');
      await writeFile(snapshot, Buffer.from(await dump.arrayBuffer()));
    } finally {
      await handle.close();
    }
    project.provide('pgliteSnapshot', snapshot);
    return async () => {
      await rm(snapshot, { force: true });
    };
  }
  project.provide('pgliteSnapshot', null);
  const name = `habitual_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migratePostgresDatabase(url.toString());
  project.provide('databaseUrl', url.toString());
  project.provide('serverUrl', serverUrl);

  return async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
  };
}
