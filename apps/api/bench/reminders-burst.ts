/**
 * `npm run bench:reminders`: the reminders burst (issue 14, "Performance"). On a throwaway
 * PostgreSQL database it seeds REMINDERS_BENCH_USERS users (default 100,000), each with one habit,
 * one push reminder due in the same minute and one push subscription on a loopback push service
 * that records when each push arrives. It starts the API (a real process, workers on) and measures
 * the time from the due minute until every push has arrived, the p50/p99 lateness, and the
 * requests/s of GET /api/v1/today during the burst as a share of the requests/s without it.
 * Target: every push within 60 s, share >= 0.7. Prints the figures; docs/benchmarks.md is edited by hand.
 *
 * BENCH_DATABASE_URL (or DATABASE_URL) names a server where it may create and drop a database;
 * BENCH_CONNECTIONS (default 50) and BENCH_DURATION (baseline seconds, default 10) as in run.ts.
 * `node ... bench/reminders-burst.ts serve <port>` is the server process it starts.
 */
import 'zod/compile';
import { type ChildProcess, spawn } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import postgres from 'postgres';
import webpush from 'web-push';

const serverUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const users = Number(process.env.REMINDERS_BENCH_USERS ?? 100_000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const baselineSeconds = Number(process.env.BENCH_DURATION ?? 10);
/** Give up waiting for the pushes this long after the due minute. */
const GIVE_UP_MS = Number(process.env.REMINDERS_BENCH_TIMEOUT_MS ?? 300_000);
const WINDOW_SECONDS = 5;
const here = fileURLToPath(new URL('.', import.meta.url));

/** The server process: the API as server.ts builds it, workers on, loopback push endpoints allowed. */
async function serve(port: number): Promise<void> {
  const { buildApp } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config.js');
  const { openDatabase } = await import('../src/platform/db/open.js');
  const { createLogger } = await import('../src/platform/logger.js');
  const config = loadConfig({
    ...process.env,
    // Production refuses ALLOW_PRIVATE_OUTBOUND_URLS, which the loopback push service needs.
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
    BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
    SMTP_URL: 'smtp://127.0.0.1:2525',
    REQUIRE_EMAIL_VERIFICATION: 'false',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    MIGRATE_ON_START: 'true',
    WORKERS: 'on',
    ALLOW_PRIVATE_OUTBOUND_URLS: 'true',
  });
  const database = await openDatabase(config);
  const app = await buildApp({ config, database, logger: createLogger(config), docs: false });
  app.addHook('onClose', async () => database.close());
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void app.close().finally(() => process.exit(0)));
}

/** A push service on loopback that answers 201 at once and records each arrival (ms since epoch). */
async function startPushService() {
  const arrivals: number[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      if (seen.has(path)) duplicates++;
      else {
        seen.add(path);
        arrivals.push(Date.now());
      }
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    arrivals,
    duplicates: () => duplicates,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Bulk SQL seed: users, one boolean habit each, one (not yet due) reminder, one subscription. */
async function seed(sql: postgres.Sql, pushUrl: string): Promise<void> {
  // One key pair for every subscription: the sender encrypts per message either way.
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const p256dh = ecdh.getPublicKey().toString('base64url');
  const auth = randomBytes(16).toString('base64url');
  await sql`insert into "user" (id, name, email, email_verified, timezone, day_start_hour)
    select 'rb-' || g, 'Bench ' || g, 'rb-' || g || '@example.com', true, 'UTC', 0
    from generate_series(1, ${users}::int) g`;
  await sql`insert into habits (id, user_id, name, color, type, frequency_times, frequency_days, start_date, position)
    select md5('rb-habit-' || g)::uuid, 'rb-' || g, 'Stretch', '#22c55e', 'boolean', 1, 1, current_date - 30, 0
    from generate_series(1, ${users}::int) g`;
  await sql`insert into habit_reminders (user_id, habit_id, minute_of_day, weekday_mask, only_if_not_done,
      push_channel, email_channel, timezone, day_start_hour, next_fire_at, next_fire_day)
    select 'rb-' || g, md5('rb-habit-' || g)::uuid, 0, 127, false, true, false, 'UTC', 0,
      '2100-01-01T00:00:00Z', '2100-01-01'
    from generate_series(1, ${users}::int) g`;
  await sql`insert into push_subscriptions (user_id, endpoint, p256dh, auth)
    select 'rb-' || g, ${`${pushUrl}/push/`} || g, ${p256dh}, ${auth}
    from generate_series(1, ${users}::int) g`;
  await sql`analyze`;
}

/** A user with a few habits for GET /today, signed up through the server. */
async function todayUser(base: string): Promise<string> {
  const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({
      email: `bench-${randomBytes(4).toString('hex')}@example.com`,
      password: 'bench password 123',
      name: 'Bench',
    }),
  });
  if (!signUp.ok) throw new Error(`bench sign-up failed: ${signUp.status} ${await signUp.text()}`);
  const cookie = (signUp.headers.getSetCookie().find((c) => c.includes('session_token=')) ?? '').split(';')[0] ?? '';
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${base}/api/v1/habits`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ name: `Habit ${i + 1}` }),
    });
    if (!res.ok) throw new Error(`bench habit failed: ${res.status} ${await res.text()}`);
  }
  return cookie;
}

async function startApi(port: number, databaseUrl: string): Promise<ChildProcess> {
  const vapid = webpush.generateVAPIDKeys();
  const child = spawn(
    process.execPath,
    ['--conditions=@habitual/source', '--import', 'tsx', `${here}reminders-burst.ts`, 'serve', String(port)],
    {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_MAX: '10',
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:bench@example.com',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`API server exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return child;
}

/** Requests/s of GET /today over consecutive windows until `done()` (or `seconds` when given). */
async function todayThroughput(url: string, cookie: string, done: () => boolean, seconds?: number) {
  let total = 0;
  let errors = 0;
  const started = Date.now();
  do {
    const duration = seconds ?? WINDOW_SECONDS;
    const r = await autocannon({ url, connections, duration, headers: { cookie } });
    total += r.requests.total;
    errors += r.errors + r.timeouts + r.non2xx;
  } while (seconds === undefined && !done());
  const elapsed = (Date.now() - started) / 1000;
  return { rps: total / elapsed, errors, elapsed };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const name = `hb_rbench_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const push = await startPushService();
  const port = 4300 + Math.floor(Math.random() * 500);
  let api: ChildProcess | undefined;
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  try {
    // The server migrates on start; the seed follows.
    api = await startApi(port, databaseUrl);
    const base = `http://127.0.0.1:${port}`;
    const seedStart = Date.now();
    await seed(sql, push.url);
    process.stdout.write(`seeded ${users} users in ${((Date.now() - seedStart) / 1000).toFixed(1)} s\n`);
    const cookie = await todayUser(base);
    const today = `${base}/api/v1/today`;
    await autocannon({ url: today, connections, duration: 2, headers: { cookie } });
    const baseline = await todayThroughput(today, cookie, () => true, baselineSeconds);
    process.stdout.write(`GET /today without the burst: ${baseline.rps.toFixed(0)} req/s\n`);

    // The due minute: the next whole minute at least 10 s away.
    const due = Math.ceil((Date.now() + 10_000) / 60_000) * 60_000;
    const dueAt = new Date(due);
    const minute = dueAt.getUTCHours() * 60 + dueAt.getUTCMinutes();
    await sql`update habit_reminders set minute_of_day = ${minute}, next_fire_at = ${dueAt},
      next_fire_day = ${dueAt.toISOString().slice(0, 10)}`;
    await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const load = loadavg();
    const deadline = due + GIVE_UP_MS;
    const during = await todayThroughput(today, cookie, () => push.arrivals.length >= users || Date.now() > deadline);
    const lateness = push.arrivals.map((t) => t - due).sort((a, b) => a - b);
    const all = push.arrivals.length >= users;
    const last = lateness[lateness.length - 1] ?? Number.NaN;
    const share = during.rps / baseline.rps;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    process.stdout.write(
      [
        `users ${users}; pushes arrived ${push.arrivals.length}${all ? '' : ` (gave up after ${s(GIVE_UP_MS)})`}, duplicates ${push.duplicates()}`,
        `all pushes arrived ${s(last)} after the due minute; first ${s(lateness[0] ?? Number.NaN)}; lateness p50 ${s(percentile(lateness, 50))}, p99 ${s(percentile(lateness, 99))}`,
        `GET /today during the burst: ${during.rps.toFixed(0)} req/s over ${during.elapsed.toFixed(0)} s (errors ${during.errors}), ${(share * 100).toFixed(0)}% of ${baseline.rps.toFixed(0)} req/s without it`,
        `load average at the due minute: ${load.map((l) => l.toFixed(2)).join(' ')}`,
        `target (all within 60 s, share >= 0.7): ${all && last <= 60_000 && share >= 0.7 ? 'met' : 'NOT met'}`,
      ]
        .map((line) => `${line}\n`)
        .join(''),
    );
  } finally {
    if (api && api.exitCode === null) {
      const exited = new Promise((resolve) => api?.once('exit', resolve));
      api.kill('SIGTERM');
      await exited;
    }
    await sql.end();
    await push.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

if (process.argv[2] === 'serve') await serve(Number(process.argv[3]));
else await main();
