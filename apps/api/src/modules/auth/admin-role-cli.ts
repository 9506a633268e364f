/**
 * `npm run admin:grant -- <email>` and `npm run admin:revoke -- <email>`: give a signed-up user
 * the admin role, or take it back, directly in the database the config names (DATABASE_URL, or
 * the embedded folder, which must not be open in a running server). This is how the first admin
 * is made; after that, admins can use `PUT /api/v1/admin/users/{userId}/role`. Running servers
 * see the change within AUTH_CACHE_TTL_MS. In the image (no tsx there):
 * `node apps/api/dist/modules/auth/admin-role-cli.js grant <email>`.
 */
import { ConfigError, loadConfig } from '../../config.js';
import { openDatabase } from '../../platform/db/open.js';
import { setRoleByEmail } from './index.js';

const USAGE = 'usage: npm run admin:grant -- <email>, or npm run admin:revoke -- <email>';

async function main(): Promise<number> {
  const [action, email, ...rest] = process.argv.slice(2);
  if ((action !== 'grant' && action !== 'revoke') || !email || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const database = await openDatabase(loadConfig());
  try {
    const row = await setRoleByEmail(database.db, email, action === 'grant' ? 'admin' : 'user');
    if (!row) {
      process.stderr.write(`No user with the email ${email}: sign up first, then run this again.\n`);
      return 1;
    }
    process.stdout.write(`${row.email} (${row.id}) is now ${row.role === 'admin' ? 'an admin' : 'a regular user'}.\n`);
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else
      process.stderr.write(`admin-role failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
