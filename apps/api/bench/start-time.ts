/**
 * How long a start takes, from the command to `/health/ready` answering 200: `npm start` (the
 * TypeScript sources through tsx) on an existing embedded data folder, and the built server
 * (`node dist/server.js`, run `npm run build` first) on PostgreSQL. Each START_ROUNDS times
 * (default 3); prints each time and the server's own `startupMs` (open the database → listening).
 *
 * `cd apps/api && node --import tsx bench/start-time.ts` (BENCH_DATABASE_URL as for `npm run bench`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

const apiDir = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.START_ROUNDS ?? 3);
const serverUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Start {
  readyMs: number;
  startupMs: number | null;
}

/** Starts `command`, polls /health/ready until 200, stops the server; the times it took. */
async function timeStart(command: string[], env: Record<string, string | undefined>, port: number): Promise<Start> {
  const started = performance.now();
  const child: ChildProcess = spawn(command[0] as string, command.slice(1), {
    cwd: apiDir,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info', NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output}`);
      if (performance.now() - started > 120_000) throw new Error(`not ready after 120 s: ${output}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const readyMs = performance.now() - started;
    const match = /"startupMs":(\d+)/.exec(output) ?? /startupMs[^\d]*(\d+)/.exec(output);
    return { readyMs, startupMs: match ? Number(match[1]) : null };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // npm start runs node under npm under sh: stop the whole group.
      process.kill(-(child.pid as number), 'SIGTERM');
      await exited;
    }
  }
}

function line(name: string, starts: Start[]) {
  const ready = starts.map((s) => (s.readyMs / 1000).toFixed(2)).join(', ');
  const own = starts.map((s) => (s.startupMs === null ? '?' : (s.startupMs / 1000).toFixed(2))).join(', ');
  return `${name}: ready after ${ready} s (server's startupMs: ${own} s)`;
}

async function main() {
  const secret = randomBytes(32).toString('base64');
  const results: string[] = [];
  // An existing embedded folder: created (and migrated) by a first start that is not counted.
  const folder = mkdtempSync(join(tmpdir(), 'habitual-start-'));
  try {
    const env = { DATABASE_URL: undefined, EMBEDDED_DB_DIR: join(folder, 'pglite'), BETTER_AUTH_SECRET: secret };
    await timeStart(['npm', 'start'], env, 4301);
    const starts: Start[] = [];
    for (let i = 0; i < rounds; i++) starts.push(await timeStart(['npm', 'start'], env, 4301));
    results.push(line('npm start, existing embedded folder', starts));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  if (existsSync(join(apiDir, 'dist/server.js'))) {
    const dbName = `habitual_start_${randomBytes(4).toString('hex')}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${dbName}"`);
    try {
      const url = new URL(serverUrl);
      url.pathname = `/${dbName}`;
      const env = { DATABASE_URL: url.toString(), MIGRATE_ON_START: 'true', BETTER_AUTH_SECRET: secret };
      await timeStart([process.execPath, 'dist/server.js'], env, 4302);
      const starts: Start[] = [];
      for (let i = 0; i < rounds; i++) starts.push(await timeStart([process.execPath, 'dist/server.js'], env, 4302));
      results.push(line('node dist/server.js, PostgreSQL', starts));
    } finally {
      await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
      await admin.end();
    }
  } else {
    results.push('dist/server.js not built (npm run build): the built server was not measured');
  }
  process.stdout.write(`${results.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
