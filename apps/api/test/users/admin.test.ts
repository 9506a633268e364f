/**
 * Administration through /api/v1 alone: deleting a user runs the account deletion of
 * DELETE /me (a Pro subscription is cancelled at Stripe), roles are set over the API, the first
 * admin is made with `npm run admin:grant`, and API keys per user are capped.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorEnvelope, MAX_API_KEYS_PER_USER } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import type { App } from '../../src/app.js';
import { setRoleByEmail } from '../../src/modules/auth/index.js';
import { openPglite } from '../../src/platform/db/client.js';
import { setupBilling, upgrade } from '../helpers/billing.js';
import { migratedPgliteFolder, setup, type TestContext } from '../helpers/setup.js';
import { createApiKey, signIn, signUp, type TestUser } from '../helpers/users.js';

async function makeAdmin(ctx: Pick<TestContext, 'app' | 'database'>): Promise<TestUser> {
  const admin = await signUp(ctx.app);
  expect(await setRoleByEmail(ctx.database.db, admin.email.toUpperCase(), 'admin')).toMatchObject({ id: admin.id });
  return admin;
}

function code(res: { json(): unknown }) {
  return ErrorEnvelope.parse(res.json()).error.code;
}

const me = (app: App, user: TestUser) =>
  app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } });

describe('admin deletes a user', () => {
  it("through the DELETE /me path: a Pro user's subscription is cancelled once at Stripe, every row goes", async () => {
    const { app, fake, database } = await setupBilling();
    const admin = await makeAdmin({ app, database });
    const user = await signUp(app);
    const subscription = await upgrade(app, fake, user);
    const key = await createApiKey(app, user);
    await app.inject({
      method: 'POST',
      url: '/api/v1/habits',
      headers: { cookie: user.cookie },
      payload: { name: 'Read', type: 'boolean', frequency: { times: 1, days: 1 } },
    });

    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/admin/users/${user.id}`,
      headers: { cookie: admin.cookie },
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(fake.count('DELETE', `/v1/subscriptions/${subscription.id}`)).toBe(1);
    expect(fake.subscriptions.get(subscription.id)?.status).toBe('canceled');
    for (const table of ['subscriptions', 'habits', 'session', 'apikey']) {
      const column = table === 'apikey' ? 'reference_id' : 'user_id';
      const rows = await database.rows(
        sql`select 1 from ${sql.identifier(table)} where ${sql.identifier(column)} = ${user.id}`,
      );
      expect(rows, table).toHaveLength(0);
    }
    expect((await me(app, user)).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-api-key': key } })).statusCode).toBe(
      401,
    );

    const again = await app.inject({
      method: 'DELETE',
      url: `/api/v1/admin/users/${user.id}`,
      headers: { cookie: admin.cookie },
    });
    expect(again.statusCode).toBe(404);
    expect(fake.count('DELETE', `/v1/subscriptions/${subscription.id}`)).toBe(1);
  });

  it('only admins, never with an API key, and not themselves', async () => {
    const ctx = await setup();
    const admin = await makeAdmin(ctx);
    const user = await signUp(ctx.app);
    const del = (who: Record<string, string>, id = user.id) =>
      ctx.app.inject({ method: 'DELETE', url: `/api/v1/admin/users/${id}`, headers: who });

    const plain = await del({ cookie: user.cookie }, admin.id);
    expect(plain.statusCode).toBe(403);
    const adminKey = await createApiKey(ctx.app, admin, { permission: 'write' });
    expect((await del({ 'x-api-key': adminKey })).statusCode).toBe(403);
    const self = await del({ cookie: admin.cookie }, admin.id);
    expect(self.statusCode).toBe(409);
    expect(code(self)).toBe('CONFLICT');
    expect((await del({ cookie: admin.cookie }, 'no-such-user')).statusCode).toBe(404);
    expect((await me(ctx.app, user)).statusCode).toBe(200);
    expect((await me(ctx.app, admin)).statusCode).toBe(200);
  });
});

describe('roles', () => {
  it('an admin promotes a user, who can then administer; admins cannot demote themselves', async () => {
    const ctx = await setup();
    const admin = await makeAdmin(ctx);
    const user = await signUp(ctx.app);
    const setRole = (who: TestUser, id: string, role: string) =>
      ctx.app.inject({
        method: 'PUT',
        url: `/api/v1/admin/users/${id}/role`,
        headers: { cookie: who.cookie },
        payload: { role },
      });
    const list = (who: TestUser) =>
      ctx.app.inject({ method: 'GET', url: '/api/v1/admin/users?limit=1', headers: { cookie: who.cookie } });

    expect((await setRole(user, user.id, 'admin')).statusCode).toBe(403);
    expect((await list(user)).statusCode).toBe(403);
    expect((await setRole(admin, user.id, 'root')).statusCode).toBe(400);
    expect((await setRole(admin, user.id, 'admin')).statusCode).toBe(204);
    // Immediate on this instance: the guard's cached credential is dropped.
    expect((await list(user)).statusCode).toBe(200);
    expect((await me(ctx.app, user)).json().role).toBe('admin');

    const selfDemote = await setRole(user, user.id, 'user');
    expect(selfDemote.statusCode).toBe(409);
    expect((await setRole(user, admin.id, 'user')).statusCode).toBe(204);
    expect((await list(admin)).statusCode).toBe(403);
    expect((await setRole(user, 'no-such-user', 'admin')).statusCode).toBe(404);
  });
});

const API_DIR = fileURLToPath(new URL('../..', import.meta.url));

function run(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@habitual/source', '--import', 'tsx', 'src/modules/auth/admin-role-cli.ts', ...args],
      {
        cwd: API_DIR,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run admin:grant / admin:revoke', () => {
  // Each run starts a process that opens (and on the embedded database migrates) the database.
  it('grants and revokes the admin role by email on the configured database', async () => {
    const databaseUrl = inject('databaseUrl');
    let env: Record<string, string>;
    let roleOf: (email: string) => Promise<string | null | undefined>;
    let email: string;
    let cleanup = async () => {};
    if (databaseUrl) {
      const ctx = await setup();
      const user = await signUp(ctx.app);
      email = user.email;
      env = { DATABASE_URL: databaseUrl };
      roleOf = async (e) =>
        (await ctx.database.rows<{ role: string | null }>(sql`select role from "user" where email = ${e}`))[0]?.role;
    } else {
      // The embedded database: a folder of its own, which the script opens once the test let go of it.
      const dir = await mkdtemp(join(tmpdir(), 'habitual-admin-'));
      cleanup = () => rm(dir, { recursive: true, force: true });
      email = 'first-admin@example.com';
      await migratedPgliteFolder(dir);
      const handle = await openPglite(dir);
      await handle.rows(sql`insert into "user" (id, name, email, email_verified, created_at, updated_at)
        values ('u-first-admin', 'First', ${email}, true, now(), now())`);
      await handle.close();
      env = { EMBEDDED_DB_DIR: dir };
      roleOf = async (e) => {
        const h = await openPglite(dir);
        try {
          return (await h.rows<{ role: string | null }>(sql`select role from "user" where email = ${e}`))[0]?.role;
        } finally {
          await h.close();
        }
      };
    }
    try {
      const granted = await run(['grant', email.toUpperCase()], env);
      expect(granted.code, granted.stderr).toBe(0);
      expect(granted.stdout).toContain('is now an admin');
      expect(await roleOf(email)).toBe('admin');

      const revoked = await run(['revoke', email], env);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(await roleOf(email)).toBe('user');

      const unknown = await run(['grant', 'nobody-here@example.com'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No user with the email');

      const usage = await run(['promote', email], env);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('usage');
    } finally {
      await cleanup();
    }
  }, 120_000);
});

describe('API keys per user', () => {
  it(`stops at ${MAX_API_KEYS_PER_USER}, also when requests race for the last one`, async () => {
    const { app, database } = await setup();
    const user = await signUp(app);
    for (let i = 0; i < MAX_API_KEYS_PER_USER - 2; i++) await createApiKey(app, user, { name: `key ${i}` });
    const create = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: { cookie: user.cookie },
        payload: { name: 'race' },
      });
    // Four at once for the last two places: exactly the cap is kept, whatever the interleaving.
    const raced = await Promise.all([create(), create(), create(), create()]);
    expect(raced.filter((r) => r.statusCode === 201)).toHaveLength(2);
    for (const r of raced.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(code(r)).toBe('CONFLICT');
    }
    const count = async () =>
      (
        await database.rows<{ n: number }>(sql`select count(*)::int as n from apikey where reference_id = ${user.id}`)
      )[0]?.n;
    expect(await count()).toBe(MAX_API_KEYS_PER_USER);

    const over = await create();
    expect(over.statusCode).toBe(409);
    expect(ErrorEnvelope.parse(over.json()).error.details).toEqual([
      { resource: 'apiKeys', limit: MAX_API_KEYS_PER_USER, usage: MAX_API_KEYS_PER_USER },
    ]);
    expect(await count()).toBe(MAX_API_KEYS_PER_USER);
    // Revoking one makes room again.
    const keys = await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { cookie: user.cookie } });
    const first = keys.json().data[0].id as string;
    await app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${first}`, headers: { cookie: user.cookie } });
    expect((await create()).statusCode).toBe(201);
    expect((await signIn(app, user.email, user.password)).statusCode).toBe(200);
  });
});
