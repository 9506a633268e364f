/**
 * One process per embedded data folder, with real processes: the server as `npm start` runs it
 * (Node + tsx), and the migrate command.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseLockedError, LOCK_FILE, lockEmbeddedFolder } from '../../src/platform/db/embedded-lock.js';

const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
const MIGRATE = fileURLToPath(new URL('../../src/platform/db/migrate-cli.ts', import.meta.url));
const NODE_ARGS = ['--conditions=@habitual/source', '--import', 'tsx'];
/** Starting PGlite and migrating a new folder takes seconds on a busy machine; this is only a hang guard. */
const START_TIMEOUT_MS = 90_000;

const folders: string[] = [];
const children = new Set<ChildProcess>();

function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'habitual-lock-'));
  folders.push(dir);
  return join(dir, 'pglite');
}

function env(folder: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', EMBEDDED_DB_DIR: folder, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test' };
}

interface Started {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

/** Spawns the server and resolves once it logged `Habitual API ready`; rejects if it exits first. */
function startServer(folder: string): Promise<Started> {
  const child = spawn(process.execPath, [...NODE_ARGS, SERVER], {
    env: env(folder),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(() => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      for (const line of out.split('\n')) {
        if (!line.includes('Habitual API ready')) continue;
        resolve({ child, port: (JSON.parse(line) as { port: number }).port, exited });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    exited.then((code) => reject(new Error(`server exited with ${code} before it was ready:\n${err}\n${out}`)));
  });
}

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('one process per embedded data folder', () => {
  it(
    'refuses a second server and the migrate command, naming the folder and the holder; takes over after kill -9',
    async () => {
      const folder = tempFolder();
      const first = await startServer(folder);
      expect((await fetch(`http://127.0.0.1:${first.port}/health/ready`)).status).toBe(200);

      const second = spawnSync(process.execPath, [...NODE_ARGS, SERVER], {
        env: env(folder),
        encoding: 'utf8',
        timeout: START_TIMEOUT_MS,
      });
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`embedded database folder ${folder} is in use by process ${first.child.pid}`);
      expect(second.stderr).not.toContain('    at '); // a sentence, not a stack

      const migrate = spawnSync(process.execPath, [...NODE_ARGS, MIGRATE], {
        env: env(folder),
        encoding: 'utf8',
        timeout: START_TIMEOUT_MS,
      });
      expect(migrate.status).toBe(1);
      expect(migrate.stderr).toContain(`is in use by process ${first.child.pid}`);

      // The holder still serves: the refused processes changed nothing.
      expect((await fetch(`http://127.0.0.1:${first.port}/health/ready`)).status).toBe(200);

      first.child.kill('SIGKILL');
      await first.exited;
      expect(existsSync(join(folder, LOCK_FILE))).toBe(true); // left behind, stale

      const third = await startServer(folder);
      expect((await fetch(`http://127.0.0.1:${third.port}/health/ready`)).status).toBe(200);
      expect(JSON.parse(readFileSync(join(folder, LOCK_FILE), 'utf8'))).toMatchObject({ pid: third.child.pid });

      // A graceful stop releases the folder.
      third.child.kill('SIGTERM');
      expect(await third.exited).toBe(0);
      expect(existsSync(join(folder, LOCK_FILE))).toBe(false);
    },
    START_TIMEOUT_MS * 3,
  );
});

describe('the lock file', () => {
  it('is refused in the same process while held, and free again once released', () => {
    const folder = tempFolder();
    const lock = lockEmbeddedFolder(folder);
    expect(() => lockEmbeddedFolder(folder)).toThrow(EmbeddedDatabaseLockedError);
    lock.release();
    lockEmbeddedFolder(folder).release();
  });

  it('is taken over when its holder has exited, and refused while its holder runs', () => {
    const folder = tempFolder();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const probe = lockEmbeddedFolder(folder);
    const lockFile = probe.path;
    probe.release();
    const write = (pid: number) =>
      writeFileSync(lockFile, JSON.stringify({ pid, host: hostname(), since: new Date().toISOString() }));

    write(Number(dead.stdout));
    const taken = lockEmbeddedFolder(folder);
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    taken.release();

    // pid 1 always runs (and may not be ours to signal: EPERM still means alive).
    write(1);
    let error: unknown;
    try {
      lockEmbeddedFolder(folder);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EmbeddedDatabaseLockedError);
    expect((error as EmbeddedDatabaseLockedError).holder.pid).toBe(1);
    expect((error as Error).message).toContain(folder);
  });

  it('treats a lock from another host as held until it has not been refreshed for a minute', () => {
    const folder = tempFolder();
    const probe = lockEmbeddedFolder(folder);
    probe.release();
    writeFileSync(probe.path, JSON.stringify({ pid: 4242, host: 'elsewhere', since: new Date().toISOString() }));
    expect(() => lockEmbeddedFolder(folder)).toThrow(/process 4242 on elsewhere/);
  });
});
