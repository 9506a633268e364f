/**
 * `npm run bench`: measures endpoints against two baselines measured in the same run on the
 * same machine (a bare Fastify route returning a constant, and a bare Fastify route running one
 * indexed SELECT of 20 rows through postgres.js), and writes docs/benchmarks.md. Absolute
 * requests/s vary a lot between runs on shared machines; the ratios are what to compare.
 *
 * Needs PostgreSQL: BENCH_DATABASE_URL (or DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
 * names a server where it may create and drop a throwaway database.
 * BENCH_DURATION (seconds per measurement, default 6), BENCH_CONNECTIONS (default 50),
 * BENCH_ROUNDS (default 3): every round measures the two baselines, then each group in a fresh
 * server process, so each figure is compared with the baselines of its own round.
 * Groups: api (health, sessions, the habits endpoints), cold (the habits endpoints with the
 * computation cache off), webhooks, pglite (first round only), metrics (GET /today with METRICS
 * off and on, alternating, and the ratio). BENCH_ONLY (comma-separated groups) runs those only,
 * and prints the table without rewriting docs/benchmarks.md (unless BENCH_WRITE=1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { migratePostgresDatabase } from '../src/platform/db/migrate.js';
import { benchBilling } from './billing.js';
import { habitScenarios, seedHabits } from './habits.js';
import { BenchReport, type Measurement } from './report.js';

const serverUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const duration = Number(process.env.BENCH_DURATION ?? 6);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((g) => g.trim())) : null;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_SCENARIOS: comma-separated prefixes; only habits scenarios whose name starts with one run. */
const scenarioFilter = process.env.BENCH_SCENARIOS?.split(',').map((p) => p.trim());
const picked = <T extends { name: string }>(list: T[]) =>
  scenarioFilter ? list.filter((s) => scenarioFilter.some((p) => s.name.startsWith(p))) : list;
const wanted = (group: 'api' | 'cold' | 'webhooks' | 'pglite' | 'metrics') => !only || only.has(group);
/** One signing secret for every server of the run: the bench user's session is valid in each. */
const authSecret = randomBytes(32).toString('base64');
const here = fileURLToPath(new URL('.', import.meta.url));
const outFile = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));

async function startServer(
  scenario: string,
  port: number,
  env: Record<string, string | undefined>,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_CPU_PROF=<dir>: each server process writes a V8 CPU profile there when it stops.
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
      '--conditions=@habitual/source',
      '--import',
      'tsx',
      `${here}servers.ts`,
      scenario,
      String(port),
    ],
    {
      env: { ...process.env, BENCH_AUTH_SECRET: authSecret, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${scenario} exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return child;
}

/** The server process's CPU time so far (µs), asked for with SIGUSR2 (see servers.ts). */
function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      const match = /cpu (\d+)/.exec(chunk.toString());
      if (!match) return;
      child.stdout?.off('data', onData);
      resolve(Number(match[1]));
    };
    child.stdout?.on('data', onData);
    child.kill('SIGUSR2');
  });
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function measure(
  name: string,
  database: Measurement['database'],
  url: string,
  init?: Omit<Parameters<typeof autocannon>[0], 'url'>,
  serverCpu?: () => Promise<number>,
): Promise<Measurement> {
  // A short warm-up so JIT and connection pools settle before the measured run.
  await autocannon({ url, connections, duration: 2, ...init });
  const cpuBefore = serverCpu ? await serverCpu() : 0;
  const result = await autocannon({ url, connections, duration, ...init });
  const cpuAfter = serverCpu ? await serverCpu() : 0;
  const m = {
    name,
    database,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
    ...(serverCpu ? { cpuPerRequest: (cpuAfter - cpuBefore) / Math.max(1, result.requests.total) } : {}),
  };
  process.stdout.write(
    `${name} [${database}]: ${m.rps.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, max ${m.max} ms, errors ${m.errors}\n`,
  );
  return m;
}

/** Signs a user up through the running server (verification off) and creates an unlimited-enough API key. */
async function benchUser(base: string): Promise<{ cookie: string; token: string; apiKey: string }> {
  const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
  const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password: 'bench password 123', name: 'Bench' }),
  });
  if (!signUp.ok) throw new Error(`bench sign-up failed: ${signUp.status} ${await signUp.text()}`);
  const token = signUp.headers.get('set-auth-token') ?? '';
  const cookie = (signUp.headers.getSetCookie().find((c) => c.includes('session_token=')) ?? '').split(';')[0] ?? '';
  const key = await fetch(`${base}/api/v1/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ name: 'bench', rateLimitPerMinute: 10_000 }),
  });
  if (!key.ok) throw new Error(`bench key failed: ${key.status} ${await key.text()}`);
  return { cookie, token, apiKey: ((await key.json()) as { key: string }).key };
}

const METRICS_TOKEN = 'bench-metrics-token-0123456789';
const GENERATED_START = '<!-- generated by npm run bench: start -->';
const GENERATED_END = '<!-- generated by npm run bench: end -->';
let metricsNote = '';

/** The measurement with the median requests/s. */
function median(list: Measurement[]): Measurement {
  const sorted = [...list].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)] as Measurement;
}

/** A throwaway database with the schema and the one-query baseline's table. */
async function createBenchDatabase(admin: postgres.Sql, dbName: string): Promise<string> {
  await admin.unsafe(`create database "${dbName}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  await migratePostgresDatabase(databaseUrl);
  const seed = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await seed.unsafe(`create table bench_items (id serial primary key, owner_id int not null, name text not null, color text not null,
    position int not null, created_at timestamptz not null default now(), updated_at timestamptz not null default now(),
    a int not null, b int not null, c text not null)`);
  await seed.unsafe(`insert into bench_items (owner_id, name, color, position, a, b, c)
    select (i % 1000) + 1, 'item ' || i, '#4f46e5', i, i, i * 2, repeat('x', 20) from generate_series(1, 100000) i`);
  await seed.unsafe('create index bench_items_owner_position on bench_items (owner_id, position)');
  await seed.unsafe('analyze bench_items');
  await seed.end();
  return databaseUrl;
}

async function main() {
  const dbName = `habitual_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const report = new BenchReport();
  let port = 4100;
  let billing: Awaited<ReturnType<typeof benchBilling>> | null = null;
  try {
    const databaseUrl = await createBenchDatabase(admin, dbName);
    // BENCH_SYNCHRONOUS_COMMIT=off: an experiment (how much of a write's time is the WAL flush).
    if (process.env.BENCH_SYNCHRONOUS_COMMIT) {
      await admin.unsafe(
        `alter database "${dbName}" set synchronous_commit = '${process.env.BENCH_SYNCHRONOUS_COMMIT === 'off' ? 'off' : 'on'}'`,
      );
    }
    const apiEnv = { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: '10' };
    const run = async (
      scenario: string,
      env: Record<string, string | undefined>,
      fn: (base: string, child: ChildProcess) => Promise<void>,
    ) => {
      port += 1;
      const child = await startServer(scenario, port, env);
      try {
        await fn(`http://127.0.0.1:${port}`, child);
      } finally {
        await stop(child);
      }
    };
    /** The bench user and its seeded habits, made once through the first API server. */
    let who: { cookie: string; token: string; apiKey: string; habitIds: string[] } | undefined;
    const benchUserOnce = async (base: string) => {
      if (who) return who;
      const user = await benchUser(base);
      // The measurement sends far more than any key's budget; the budget itself is not what is measured.
      const db = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      await db`update apikey set rate_limit_enabled = false`;
      await db.end();
      who = { ...user, habitIds: await seedHabits(base, user.cookie) };
      return who;
    };
    billing = wanted('webhooks') ? await benchBilling(databaseUrl, 400) : null;

    for (let round = 0; round < rounds; round++) {
      process.stdout.write(`\nround ${round + 1} of ${rounds}\n`);
      let constant: Measurement | undefined;
      let oneQuery: Measurement | undefined;
      await run('bare-constant', {}, async (base) => {
        constant = await measure('baseline: bare Fastify, constant JSON', 'none', `${base}/`);
      });
      await run('bare-one-query', { DATABASE_URL: databaseUrl }, async (base) => {
        oneQuery = await measure('baseline: bare Fastify, one indexed SELECT of 20 rows', 'postgres', `${base}/`);
      });
      report.baselines(constant as Measurement, oneQuery as Measurement);
      if (wanted('api') || wanted('cold') || wanted('metrics'))
        await run('api', apiEnv, async (base, child) => {
          const cpu = () => serverCpu(child);
          const user = await benchUserOnce(base);
          if (!wanted('api')) return;
          if (!scenarioFilter) {
            report.add(await measure('GET /health/live', 'postgres', `${base}/health/live`, {}, cpu));
            report.add(await measure('GET /health/ready', 'postgres', `${base}/health/ready`, {}, cpu));
            for (const [how, headers] of [
              ['cookie session', { cookie: user.cookie }],
              ['bearer token', { authorization: `Bearer ${user.token}` }],
              ['API key', { 'x-api-key': user.apiKey }],
            ] as const) {
              report.add(await measure(`GET /api/v1/me (${how})`, 'postgres', `${base}/api/v1/me`, { headers }, cpu));
            }
          }
          for (const scenario of picked(habitScenarios(user.habitIds, user.cookie))) {
            report.add(await measure(scenario.name, 'postgres', `${base}${scenario.path}`, scenario.init, cpu));
          }
        });
      if (wanted('cold') && who) {
        const user = who;
        await run('api', { ...apiEnv, HABIT_CACHE_SIZE: '0' }, async (base, child) => {
          const cpu = () => serverCpu(child);
          for (const scenario of picked(habitScenarios(user.habitIds, user.cookie, true))) {
            report.add(await measure(scenario.name, 'postgres', `${base}${scenario.path}`, scenario.init, cpu));
          }
        });
      }
      if (billing) {
        const b = billing;
        await run('api', { ...apiEnv, ...b.env }, async (base, child) => {
          const cpu = () => serverCpu(child);
          report.add(
            await measure(
              'POST /api/v1/webhooks/stripe (subscription change, stored from the event)',
              'postgres',
              base,
              {
                requests: b.changes,
              },
              cpu,
            ),
          );
          report.add(
            await measure(
              'POST /api/v1/webhooks/stripe (invoice.paid, subscription re-read from Stripe)',
              'postgres',
              base,
              {
                requests: b.invoices,
              },
              cpu,
            ),
          );
        });
      }
      // The embedded database is for development: measured once, in the first round.
      if (wanted('pglite') && round === 0)
        await run('api', { DATABASE_URL: undefined, EMBEDDED_DB_DIR: 'memory' }, async (base) => {
          report.add(await measure('GET /health/ready', 'pglite', `${base}/health/ready`));
          const user = await benchUser(base);
          const ids = await seedHabits(base, user.cookie);
          for (const scenario of picked(habitScenarios(ids, user.cookie))) {
            report.add(await measure(scenario.name, 'pglite', `${base}${scenario.path}`, scenario.init));
          }
        });
    }
    if (wanted('metrics') && who) await measureMetrics(run, databaseUrl, who.cookie, report);
  } finally {
    await billing?.fake.close();
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    await admin.end();
  }

  const table = report.table({ connections, duration, rounds }, metricsNote);
  // Only the part between the markers is generated; notes written around it are kept.
  const previous = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  const start = previous.indexOf(GENERATED_START);
  const end = previous.indexOf(GENERATED_END);
  const generated = `${GENERATED_START}\n${table}${GENERATED_END}`;
  const doc =
    start >= 0 && end > start
      ? `${previous.slice(0, start)}${generated}${previous.slice(end + GENERATED_END.length)}`
      : `# Benchmarks\n\n${generated}\n`;
  if (only && !process.env.BENCH_WRITE) {
    process.stdout.write(`\n${table}\n(BENCH_ONLY is set: ${outFile} was not rewritten)\n`);
    return;
  }
  writeFileSync(outFile, doc);
  process.stdout.write(`\nwrote ${outFile}\n`);
}

/** GET /today with METRICS off and on, alternating, `rounds` times each; the ratio goes in the note. */
async function measureMetrics(
  run: (
    scenario: string,
    env: Record<string, string | undefined>,
    fn: (base: string, child: ChildProcess) => Promise<void>,
  ) => Promise<void>,
  databaseUrl: string,
  cookie: string,
  report: BenchReport,
) {
  const byMode: Record<'off' | 'on', Measurement[]> = { off: [], on: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['off', 'on'] as const) {
      const env = { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: '10', METRICS: mode, METRICS_TOKEN: METRICS_TOKEN };
      await run('api', env, async (base, child) => {
        byMode[mode].push(
          await measure(
            `GET /api/v1/today, METRICS=${mode}`,
            'postgres',
            `${base}/api/v1/today`,
            { headers: { cookie } },
            () => serverCpu(child),
          ),
        );
      });
    }
  }
  const off = median(byMode.off);
  const on = median(byMode.on);
  report.add({ ...off, name: `GET /api/v1/today, METRICS=off (median of ${rounds})` });
  report.add({ ...on, name: `GET /api/v1/today, METRICS=on (median of ${rounds})` });
  // Machine load drifts between rounds: compare each round's pair, then take the median ratio.
  const ratios = byMode.off.map((o, i) => (byMode.on[i]?.rps ?? 0) / o.rps).sort((a, b) => a - b);
  const ratio = ratios[Math.floor(ratios.length / 2)] ?? 0;
  // CPU per request is steadier than requests/s when other work shares the machine.
  const cpuRatios = byMode.off
    .map((o, i) => (byMode.on[i]?.cpuPerRequest ?? 0) / (o.cpuPerRequest ?? 1))
    .sort((a, b) => a - b);
  const cpuRatio = cpuRatios[Math.floor(cpuRatios.length / 2)] ?? 0;
  const cpu = (m: Measurement | undefined) => (m?.cpuPerRequest ?? 0).toFixed(0);
  metricsNote = `With metrics on, \`GET /api/v1/today\` served ${(ratio * 100).toFixed(1)}% of the requests/s it served with them off, and its server process spent ${(cpuRatio * 100).toFixed(1)}% of the CPU per request (medians of ${rounds} rounds, each measuring off then on; per round off/on: ${byMode.off.map((m, i) => `${m.rps.toFixed(0)}/${byMode.on[i]?.rps.toFixed(0)} req/s, ${cpu(m)}/${cpu(byMode.on[i])} µs CPU`).join('; ')}).`;
  process.stdout.write(`${metricsNote}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
