import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** Every JSON log line printed so far. */
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the first log line whose `msg` is `msg` (already printed or still to come). */
  logged(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the real server (src/server.ts, as `npm start` does) in a child process and resolves
 * once it logged that it is ready. The environment is exactly `env` plus PATH and the port.
 */
export async function startServerProcess(env: Record<string, string>, startTimeoutMs = 90_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=@habitual/source', '--import', 'tsx', SERVER], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.trim()) continue;
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ msg: part });
      }
    }
    for (const waiter of waiters) waiter();
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
    for (const waiter of waiters) waiter();
  });

  const logged = (msg: string, timeoutMs = 30_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const line = lines.find((l) => l.msg === msg);
        if (line) {
          done();
          resolve(line);
        } else if (exitCode !== undefined) {
          done();
          reject(new Error(`server exited (${exitCode}) before logging "${msg}": ${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`server did not log "${msg}" within ${timeoutMs} ms: ${stderr}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const server: ServerProcess = { child, port, lines, stderr: () => stderr, logged, exited };
  try {
    await logged('Habitual API ready', startTimeoutMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return server;
}
