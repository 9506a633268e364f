/**
 * Where the embedded database's latency tail comes from (docs/benchmarks.md, "The embedded database
 * under load"): `node --conditions=@habitual/source --import tsx bench/pglite-tail.ts`.
 *
 * One API server on PGlite (in memory), seeded like `npm run bench`, then for each load
 * (PUT check-in, mixed) three measurements of PROBE_DURATION seconds (default 10) at
 * PROBE_CONNECTIONS (default 50):
 * - autocannon as `npm run bench` runs it (2 s warm-up, then a measured run on new connections);
 * - a small client of our own on new connections (cold): every connection opened at the start,
 *   its first request written at once, as autocannon does;
 * - the same client on connections opened and used once before the clock starts (warm).
 * For the client of our own it prints, per connection, when the server accepted it (its
 * 'connection' event) after the client called connect(), and the first request's latency apart
 * from the others. PROBE_SERVER_CPU=<n> pins the server to that CPU with taskset (run this script
 * under `taskset -c <other>` to keep the load generator off the server's core).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { habitScenarios, seedHabits } from './habits.js';

const duration = Number(process.env.PROBE_DURATION ?? 10);
const connections = Number(process.env.PROBE_CONNECTIONS ?? 50);
const here = fileURLToPath(new URL('.', import.meta.url));
const wall = () => performance.timeOrigin + performance.now();

async function startServer(port: number): Promise<ChildProcess> {
  const node = [
    process.execPath,
    '--conditions=@habitual/source',
    '--import',
    'tsx',
    `${here}servers.ts`,
    'api',
    String(port),
  ];
  const cpu = process.env.PROBE_SERVER_CPU;
  const [command, ...args] = cpu ? ['taskset', '-c', cpu, ...node] : node;
  const child = spawn(command as string, args, {
    env: {
      ...process.env,
      DATABASE_URL: undefined,
      EMBEDDED_DB_DIR: 'memory',
      BENCH_PROBE: process.env.BENCH_PROBE ?? 'accept',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return child;
}

interface Probe {
  accepted: Array<[number, number, number]>;
  gaps: Array<[number, number]>;
  turns: number;
  longest: number;
}

/** What the server recorded since the last call (see startProbe in servers.ts). */
function takeProbe(child: ChildProcess): Promise<Probe> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /probe (\{.*\})\n/.exec(text);
      if (!match) return;
      child.stdout?.off('data', onData);
      resolve(JSON.parse(match[1] as string) as Probe);
    };
    child.stdout?.on('data', onData);
    child.kill('SIGUSR2');
  });
}

type Request = { method: string; path: string; headers: Record<string, string>; body?: string };

/** One keep-alive connection sending requests one after another; latencies in ms. */
class Connection {
  readonly socket: net.Socket;
  readonly connectCalled = wall();
  connected = 0;
  localPort = 0;
  private buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | null = null;

  constructor(port: number) {
    this.socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    this.socket.once('connect', () => {
      this.connected = wall();
      this.localPort = this.socket.localPort ?? 0;
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString('latin1');
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.buffer.length < end + 4 + length) return;
      this.buffer = this.buffer.subarray(end + 4 + length);
      const status = Number(head.slice(9, 12));
      const done = this.waiting;
      this.waiting = null;
      done?.(status);
    });
    this.socket.on('error', () => {});
  }

  /** Writes the request at once (buffered until connected, as autocannon does) and times it to the full answer. */
  send(request: Request): Promise<{ ms: number; status: number }> {
    const body = request.body ?? '';
    const headers = { host: 'bench', ...request.headers, 'content-length': String(Buffer.byteLength(body)) };
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const started = wall();
    return new Promise((resolve) => {
      this.waiting = (status) => resolve({ ms: wall() - started, status });
      this.socket.write(`${request.method} ${request.path} HTTP/1.1\r\n${head}\r\n${body}`);
    });
  }
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number) : 0;
}
const fmt = (list: number[]) => {
  const s = [...list].sort((a, b) => a - b);
  return `n ${s.length}, p50 ${pct(s, 50).toFixed(1)}, p99 ${pct(s, 99).toFixed(1)}, max ${(s.at(-1) ?? 0).toFixed(1)} ms`;
};

/** Our own client: `warm` opens and uses every connection once before the measured period. */
async function ownClient(port: number, child: ChildProcess, next: () => Request, warm: boolean) {
  await takeProbe(child);
  const conns = Array.from({ length: connections }, () => new Connection(port));
  if (warm) await Promise.all(conns.map((c) => c.send(next())));
  const stopAt = wall() + duration * 1000;
  const first: number[] = [];
  const rest: number[] = [];
  let errors = 0;
  let slowest = { ms: 0, at: 0 };
  await Promise.all(
    conns.map(async (c, i) => {
      let k = 0;
      while (wall() < stopAt) {
        const { ms, status } = await c.send(next());
        if (status < 200 || status >= 300) errors++;
        if (ms > slowest.ms) slowest = { ms, at: wall() - ms };
        (k++ === 0 && !warm ? first : rest).push(ms);
      }
      void i;
    }),
  );
  const probe = await takeProbe(child);
  for (const c of conns) c.socket.destroy();
  const acceptedAt = new Map(probe.accepted.map(([p, t]) => [p, t]));
  const acceptDelay = warm ? [] : conns.map((c) => (acceptedAt.get(c.localPort) ?? Number.NaN) - c.connectCalled);
  const handshake = warm ? [] : conns.map((c) => c.connected - c.connectCalled);
  const label = warm ? 'own client, warm connections' : 'own client, new connections';
  process.stdout.write(`  ${label}: ${fmt([...first, ...rest])}, non-2xx ${errors}\n`);
  if (!warm) {
    process.stdout.write(`    connect() → client 'connect': ${fmt(handshake)}\n`);
    process.stdout.write(`    connect() → server 'connection': ${fmt(acceptDelay)}\n`);
    if (probe.turns)
      process.stdout.write(
        `    accepted during ${new Set(probe.accepted.map(([, , turn]) => turn)).size} distinct event-loop turns\n`,
      );
    process.stdout.write(`    first request per connection: ${fmt(first)}\n    later requests: ${fmt(rest)}\n`);
  }
  const gaps = probe.gaps.map(([, g]) => g);
  if (probe.turns)
    process.stdout.write(
      `    event-loop turns ${probe.turns}, longest gap ${probe.longest.toFixed(1)} ms, gaps ≥ 50 ms: ${gaps.length}` +
        ` (slowest request started ${(slowest.at - stopAt + duration * 1000).toFixed(0)} ms into the run)\n`,
    );
}

/** autocannon as `npm run bench` runs it, with when each slow answer arrived and on which connection. */
async function autocannonRun(url: string, init: Record<string, unknown>, child: ChildProcess) {
  await takeProbe(child);
  const started = wall();
  const slow: Array<{ at: number; ms: number; client: unknown }> = [];
  const seen = new Map<unknown, number>();
  const firstOfClient: number[] = [];
  const instance = autocannon({ url, connections, duration, ...init }) as unknown as PromiseLike<
    Awaited<ReturnType<typeof autocannon>>
  > & { on: (event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void) => void };
  instance.on('response', (client, _status, _bytes, ms) => {
    const k = seen.get(client) ?? 0;
    seen.set(client, k + 1);
    if (k === 0) firstOfClient.push(ms);
    if (ms >= 500) slow.push({ at: wall() - started, ms, client });
  });
  const result = await instance;
  const probe = await takeProbe(child);
  process.stdout.write(
    `  autocannon: n ${result.requests.total}, p50 ${result.latency.p50}, p99 ${result.latency.p99}, max ${result.latency.max} ms, non-2xx ${result.non2xx + result.errors}\n`,
  );
  const accepted = probe.accepted.map(([, t]) => t - started).sort((a, b) => a - b);
  process.stdout.write(
    `    connections accepted ${accepted.length}, the last ${(accepted.at(-1) ?? 0).toFixed(1)} ms after the start; first request per connection: ${fmt(firstOfClient)}\n`,
  );
  process.stdout.write(
    `    answers ≥ 500 ms: ${slow.length} on ${new Set(slow.map((s) => s.client)).size} connections; (arrived at s, took ms): ${slow
      .slice(0, 12)
      .map((s) => `(${(s.at / 1000).toFixed(2)}, ${s.ms.toFixed(0)})`)
      .join(' ')}\n`,
  );
  if (probe.turns)
    process.stdout.write(`    event-loop turns ${probe.turns}, longest gap ${probe.longest.toFixed(1)} ms\n`);
}

async function main() {
  const port = 4600 + Math.floor(Math.random() * 300);
  const child = await startServer(port);
  try {
    const base = `http://127.0.0.1:${port}`;
    const email = `probe-${randomBytes(4).toString('hex')}@example.com`;
    const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ email, password: 'bench password 123', name: 'Bench' }),
    });
    if (!signUp.ok) throw new Error(`sign-up failed: ${signUp.status}`);
    const cookie = (signUp.headers.getSetCookie().find((c) => c.includes('session_token=')) ?? '').split(';')[0] ?? '';
    const scenarios = habitScenarios(await seedHabits(base, cookie), cookie);
    const wanted = (process.env.PROBE_SCENARIOS ?? 'PUT,mixed').split(',');
    for (const scenario of scenarios.filter((s) => wanted.some((w) => s.name.startsWith(w)))) {
      process.stdout.write(`${scenario.name}\n`);
      // The same requests autocannon sends, in the same order.
      const list = scenario.init.requests ?? [{ method: 'GET', path: scenario.path }];
      let n = 0;
      const next = (): Request => {
        const template = list[n++ % list.length] as Request & { setupRequest?: (r: Request) => Request };
        const request = {
          method: template.method,
          path: template.path,
          headers: { ...scenario.init.headers, ...(template.headers ?? {}) },
          body: template.body,
        };
        return template.setupRequest ? template.setupRequest(request) : request;
      };
      for (const warm of [false, true]) await ownClient(port, child, next, warm);
      await autocannon({ url: `${base}${scenario.path}`, connections, duration: 2, ...scenario.init });
      for (let round = 0; round < 2; round++) await autocannonRun(`${base}${scenario.path}`, scenario.init, child);
    }
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
