/**
 * One benchmark server per process: `node --import tsx bench/servers.ts <scenario> <port>`.
 * The baselines are bare Fastify, so every figure can be read as a ratio to them.
 */
// As in server.ts: the production entry point compiles Zod schemas.
import 'zod/compile';
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import postgres from 'postgres';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/platform/db/open.js';
import { createLogger } from '../src/platform/logger.js';

const [scenario, portArg] = process.argv.slice(2);
const port = Number(portArg);
const databaseUrl = process.env.DATABASE_URL;

async function bareConstant() {
  const app = Fastify();
  app.get('/', async () => ({ hello: 'world' }));
  return app;
}

/** The one-query baseline: one indexed SELECT of 20 rows through postgres.js, JSON out. */
async function bareOneQuery() {
  if (!databaseUrl) throw new Error('DATABASE_URL is required for the one-query baseline');
  const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });
  const app = Fastify();
  app.get(
    '/',
    async () => sql`select id, owner_id, name, color, position, created_at, updated_at, a, b, c
    from bench_items where owner_id = ${1} order by position limit 20`,
  );
  app.addHook('onClose', async () => sql.end());
  return app;
}

async function api() {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
    // Production refuses published secrets, so each run makes its own (shared by the run's
    // servers, so the bench user's session holds in every round).
    BETTER_AUTH_SECRET: process.env.BENCH_AUTH_SECRET ?? randomBytes(32).toString('base64'),
    SMTP_URL: 'smtp://127.0.0.1:2525',
    // The bench signs its user up over HTTP and needs the session at once.
    REQUIRE_EMAIL_VERIFICATION: 'false',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    MIGRATE_ON_START: 'true',
  });
  const database = await openDatabase(config);
  const app = await buildApp({ config, database, logger: createLogger(config), docs: false });
  app.addHook('onClose', async () => database.close());
  return app;
}

const factories: Record<string, () => Promise<{ listen: (o: { port: number; host: string }) => Promise<string> }>> = {
  'bare-constant': bareConstant,
  'bare-one-query': bareOneQuery,
  api,
};

const factory = scenario ? factories[scenario] : undefined;
if (!factory) {
  process.stderr.write(`unknown scenario ${scenario}; use one of ${Object.keys(factories).join(', ')}\n`);
  process.exit(2);
}
let probe: { take: () => unknown } | undefined;
const app = await factory();
await app.listen({ port, host: '127.0.0.1' });
if (process.env.BENCH_PROBE) startProbe((app as unknown as { server: import('node:net').Server }).server);
process.stdout.write('ready\n');
// The harness asks for the CPU time spent so far, to compare CPU per request between runs.
process.on('SIGUSR2', () => {
  const used = process.cpuUsage();
  if (probe) process.stdout.write(`probe ${JSON.stringify(probe.take())}\n`);
  process.stdout.write(`cpu ${used.user + used.system}\n`);
});
// Close cleanly when the harness stops this server (pools drained; `--cpu-prof` writes its profile).
process.once('SIGTERM', () => {
  void (app as unknown as { close: () => Promise<void> }).close().finally(() => process.exit(0));
});

/** Wall-clock ms with sub-ms precision, comparable between processes on one machine. */
function wall(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * BENCH_PROBE=accept or accept,loop (bench/pglite-tail.ts): when each connection was accepted (by the client's port),
 * and the gaps between turns of the event loop, seen from a setImmediate loop (which runs once
 * per turn, right after the poll phase that reads sockets and accepts connections).
 */
function startProbe(server: import('node:net').Server) {
  let accepted: Array<[number, number, number]> = [];
  let gaps: Array<[number, number]> = [];
  let turns = 0;
  let longest = 0;
  server.on('connection', (socket) => accepted.push([socket.remotePort ?? 0, wall(), turns]));
  let last = wall();
  const tick = () => {
    const now = wall();
    const gap = now - last;
    turns++;
    if (gap > longest) longest = gap;
    if (gap >= 50) gaps.push([last, gap]);
    last = now;
    setImmediate(tick);
  };
  // The loop never lets the poll phase block, so it costs CPU: only when asked for.
  if ((process.env.BENCH_PROBE ?? '').includes('loop')) setImmediate(tick);
  probe = {
    take() {
      const out = { accepted, gaps, turns, longest };
      accepted = [];
      gaps = [];
      turns = 0;
      longest = 0;
      return out;
    },
  };
}
