import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openPglite } from '../src/platform/db/client.js';
import { MIGRATIONS_FOLDER, migratePgliteDatabase, migratePostgresDatabase } from '../src/platform/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A freshly created and migrated PostgreSQL database for this run, or null for PGlite. */
    databaseUrl: string | null;
    /** The PostgreSQL server URL the run was given (to create more throwaway databases). */
    serverUrl: string | null;
    /** A dump of a freshly migrated embedded database, which every PGlite test database starts from. */
    pgliteSnapshot: string | null;
  }
}

/**
 * With DATABASE_URL set, the run creates its own database on that server, applies the
 * migrations through the same code as `npm run db:migrate`, and drops it afterwards, so a test
 * run never touches the data of the database it was pointed at. Without it, each test worker
 * uses an in-memory PGlite loaded from one migrated dump (see `pgliteSnapshot`).
 */
export default async function globalSetup(project: TestProject) {
  const serverUrl = process.env.DATABASE_URL?.trim() || null;
  if (!serverUrl) {
    project.provide('databaseUrl', null);
    project.provide('serverUrl', null);
    project.provide('pgliteSnapshot', await pgliteSnapshot());
    return;
  }
  project.provide('pgliteSnapshot', null);
  progress('PostgreSQL: creating and migrating a database of this run');
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

/**
 * A dump of a freshly migrated embedded database. initdb and the migrations take 5–15 s on two
 * busy cores, so the dump is kept in node_modules/.cache under a key made of everything that
 * shapes it (the migration files, the code that applies them, the PGlite version): a run after
 * a change to any of them migrates again, other runs load the dump at once.
 */
async function pgliteSnapshot(): Promise<string> {
  const started = performance.now();
  const file = join(CACHE_DIR, `pglite-${await snapshotKey()}.tar`);
  if (existsSync(file)) {
    progress(`embedded database: the migrated dump is cached (${relative(process.cwd(), file)})`);
    return file;
  }
  progress('embedded database: migrating a fresh one for this run (a few seconds; cached afterwards)');
  const handle = await openPglite('memory');
  try {
    await migratePgliteDatabase(handle.client);
    const dump = await handle.client.dumpDataDir('none');
    await mkdir(CACHE_DIR, { recursive: true });
    // Written aside and renamed, so a run beside this one never reads half a dump.
    const partial = `${file}.${process.pid}-${randomBytes(3).toString('hex')}`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
    for (const old of await readdir(CACHE_DIR)) {
      if (old.startsWith('pglite-') && join(CACHE_DIR, old) !== file && !old.includes('.tar.')) {
        await rm(join(CACHE_DIR, old), { force: true });
      }
    }
  } finally {
    await handle.close();
  }
  progress(`embedded database: migrated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return file;
}

const API_DIR = fileURLToPath(new URL('..', import.meta.url));
const CACHE_DIR = join(API_DIR, '..', '..', 'node_modules', '.cache', 'habitual-test');

async function snapshotKey(): Promise<string> {
  const hash = createHash('sha256');
  const require = createRequire(import.meta.url);
  const pglitePackage = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  hash.update(`pglite ${(JSON.parse(await readFile(pglitePackage, 'utf8')) as { version: string }).version}\n`);
  const files = [
    join(API_DIR, 'src/platform/db/migrate.ts'),
    join(API_DIR, 'src/platform/db/client.ts'),
    ...(await readdir(MIGRATIONS_FOLDER, { recursive: true }))
      .map((name) => join(MIGRATIONS_FOLDER, name))
      .filter((path) => /\.(sql|json)$/.test(path))
      .sort(),
  ];
  for (const path of files) hash.update(`${relative(API_DIR, path)}\n`).update(await readFile(path));
  return hash.digest('hex').slice(0, 16);
}

/** A line on the terminal before the first test file reports, so a run is never silent. */
function progress(message: string): void {
  process.stdout.write(` habitual  ${message}\n`);
}
