import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';
import { openPglite } from '../../src/platform/db/client.js';
import { checkJournal } from '../../src/platform/db/journal.js';
import { MIGRATIONS_FOLDER, migratePgliteDatabase, migratePostgresDatabase } from '../../src/platform/db/migrate.js';

/**
 * A migrations folder in drizzle-kit's format whose migrations fail if applied twice:
 * `create table` without `if not exists`, and an insert counted afterwards.
 */
function fixtureMigrations(): string {
  const folder = mkdtempSync(join(tmpdir(), 'habitual-migrations-'));
  mkdirSync(join(folder, 'meta'));
  const entries = [
    { tag: '0000_create', sql: 'CREATE TABLE "fixture" ("id" serial PRIMARY KEY, "note" text NOT NULL);' },
    { tag: '0001_seed', sql: `INSERT INTO "fixture" ("note") VALUES ('applied once');` },
    { tag: '0002_index', sql: 'CREATE INDEX "fixture_note_idx" ON "fixture" ("note");' },
  ];
  const base = Date.UTC(2026, 0, 1);
  writeFileSync(
    join(folder, 'meta', '_journal.json'),
    JSON.stringify({
      version: '7',
      dialect: 'postgresql',
      entries: entries.map((e, idx) => ({ idx, version: '7', when: base + idx * 1000, tag: e.tag, breakpoints: true })),
    }),
  );
  for (const e of entries) writeFileSync(join(folder, `${e.tag}.sql`), e.sql);
  return folder;
}

/** Runs `use` against a database created for it on `server`, and drops it afterwards. */
async function withThrowawayDatabase(server: string, use: (url: string) => Promise<void>): Promise<void> {
  const name = `habitual_migrate_${randomBytes(4).toString('hex')}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  try {
    await use(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

describe('migrations', () => {
  it('the committed journal is in order and every entry has its SQL file', () => {
    expect(checkJournal(MIGRATIONS_FOLDER)).toEqual([]);
  });

  it('the journal check catches an entry older than the one before it, and a missing file', () => {
    const folder = fixtureMigrations();
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = {
      version: '7',
      dialect: 'postgresql',
      entries: [
        { idx: 0, when: 2000, tag: '0000_create' },
        { idx: 1, when: 1000, tag: '0001_seed' },
        { idx: 2, when: 3000, tag: '0003_missing' },
      ],
    };
    writeFileSync(journalPath, JSON.stringify(journal));
    const problems = checkJournal(folder);
    expect(problems.some((p) => p.includes('0001_seed') && p.includes('skip'))).toBe(true);
    expect(problems.some((p) => p.includes('0003_missing.sql'))).toBe(true);
    expect(problems.some((p) => p.includes('0002_index.sql is not in the journal'))).toBe(true);
  });

  it('applies pending migrations to the embedded database once, and again is a no-op', async () => {
    const folder = fixtureMigrations();
    const handle = await openPglite('memory');
    try {
      expect(await migratePgliteDatabase(handle.client, { migrationsFolder: folder })).toEqual({
        applied: 3,
        ranNow: 3,
      });
      expect(await migratePgliteDatabase(handle.client, { migrationsFolder: folder })).toEqual({
        applied: 3,
        ranNow: 0,
      });
      const rows = await handle.client.query<{ n: number }>('select count(*)::int as n from fixture');
      expect(rows.rows[0]?.n).toBe(1);
    } finally {
      await handle.close();
    }
  });

  // Concurrency needs a PostgreSQL server: the run against DATABASE_URL has one.
  const serverUrl = inject('serverUrl');
  const servers = serverUrl ? [serverUrl] : [];
  describe.each(servers)('on PostgreSQL', (server) => {
    it('several migrators started at once all succeed and apply each migration once', async () => {
      await withThrowawayDatabase(server, async (url) => {
        const folder = fixtureMigrations();
        const results = await Promise.all(
          Array.from({ length: 6 }, () => migratePostgresDatabase(url, { migrationsFolder: folder })),
        );
        expect(results.map((r) => r.applied)).toEqual([3, 3, 3, 3, 3, 3]);
        // Exactly one migrator did the work; the others waited on the lock and found nothing left.
        expect(results.map((r) => r.ranNow).sort()).toEqual([0, 0, 0, 0, 0, 3]);
        const db = postgres(url, { max: 1, onnotice: () => {} });
        const [row] = await db<{ n: number }[]>`select count(*)::int as n from fixture`;
        const [applied] = await db<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
        await db.end();
        expect(row?.n).toBe(1);
        expect(applied?.n).toBe(3);
      });
    });

    it('the real migrations apply to an empty database', async () => {
      await withThrowawayDatabase(server, async (url) => {
        const first = await migratePostgresDatabase(url);
        const again = await migratePostgresDatabase(url);
        expect(again).toEqual({ applied: first.applied, ranNow: 0 });
      });
    });
  });
});
