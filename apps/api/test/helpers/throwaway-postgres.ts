import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { migratePostgresDatabase } from '../../src/platform/db/migrate.js';

/**
 * The PostgreSQL server of the run, or the local one the run always has: tests about network
 * faults and schema states need a real server whichever database the rest of the run uses.
 */
export function postgresServerUrl(): string {
  return inject('serverUrl') ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface ThrowawayDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database on that server, migrated unless told otherwise; `drop()` removes it. */
export async function throwawayDatabase(options: { migrate?: boolean } = {}): Promise<ThrowawayDatabase> {
  const server = postgresServerUrl();
  const name = `habitual_fault_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  if (options.migrate !== false) await migratePostgresDatabase(url.toString());
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
