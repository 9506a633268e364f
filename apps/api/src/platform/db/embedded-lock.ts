import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * An exclusive lock on an embedded database folder: a file created with O_EXCL holding the
 * holder's pid, host and process start time. A lock whose holder is gone (killed with -9, a
 * crashed container) is taken over; one whose holder runs is refused with who holds it.
 */
export const LOCK_FILE = 'habitual.lock';
/** A holder on another host cannot be probed; its lock counts as stale once not refreshed for this long. */
const FOREIGN_STALE_MS = 60_000;
const REFRESH_MS = 15_000;
/** Folders this process holds, so that a second open in the same process is refused too. */
const heldHere = new Set<string>();

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  since: string;
  /** Linux: the holder's start time in clock ticks since boot, so a reused pid is not mistaken for it. */
  startTicks?: number;
}

export class EmbeddedDatabaseLockedError extends Error {
  readonly folder: string;
  readonly holder: LockHolder;
  constructor(folder: string, holder: LockHolder) {
    super(
      `The embedded database folder ${folder} is in use by process ${holder.pid} on ${holder.host} (since ${holder.since}). ` +
        'Only one process may use a folder: stop that process, or point EMBEDDED_DB_DIR at another folder. ' +
        `If that process is certainly gone, delete ${join(folder, LOCK_FILE)}.`,
    );
    this.name = 'EmbeddedDatabaseLockedError';
    this.folder = folder;
    this.holder = holder;
  }
}

export interface FolderLock {
  readonly path: string;
  release(): void;
}

function startTicks(pid: number): number | undefined {
  try {
    // Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count after its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(holder: LockHolder, path: string): boolean {
  if (holder.host !== hostname()) {
    const age = Date.now() - statSync(path).mtimeMs;
    return age > FOREIGN_STALE_MS;
  }
  // A restarted container often gets the same pid (1): a lock naming ourselves is a previous life's.
  if (holder.pid === process.pid) return !heldHere.has(resolve(path, '..'));
  if (!isRunning(holder.pid)) return true;
  if (holder.startTicks !== undefined) {
    const current = startTicks(holder.pid);
    if (current !== undefined && current !== holder.startTicks) return true;
  }
  return false;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return {
        pid: parsed.pid,
        host: parsed.host,
        since: String(parsed.since ?? 'unknown'),
        startTicks: parsed.startTicks,
      };
    }
  } catch {
    // Missing, or half-written by a holder that died while writing it.
  }
  return undefined;
}

function create(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    startTicks: startTicks(process.pid),
  };
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Takes the lock on `folder` or throws EmbeddedDatabaseLockedError. Released by `release()` and,
 * as a last resort, when the process exits.
 */
export function lockEmbeddedFolder(folder: string): FolderLock {
  const absolute = resolve(folder);
  mkdirSync(absolute, { recursive: true });
  const path = join(absolute, LOCK_FILE);
  const takeover = `${path}.takeover`;

  for (let attempt = 0; !create(path); attempt++) {
    const holder = readHolder(path);
    if (holder && !isStale(holder, path)) throw new EmbeddedDatabaseLockedError(absolute, holder);
    if (attempt >= 3) {
      throw new Error(`Could not take the lock ${path} after ${attempt} attempts; another process keeps taking it`);
    }
    // Two newcomers may both find the lock stale: a mkdir mutex lets one of them replace it.
    try {
      mkdirSync(takeover);
    } catch {
      try {
        if (Date.now() - statSync(takeover).mtimeMs > 10_000) rmdirSync(takeover);
      } catch {
        // The other newcomer finished in between.
      }
      continue;
    }
    try {
      const again = readHolder(path);
      if (JSON.stringify(again) === JSON.stringify(holder)) unlinkSync(path);
    } catch {
      // Already gone.
    } finally {
      rmdirSync(takeover);
    }
  }

  heldHere.add(absolute);
  // Holders on other hosts (a shared volume) can only judge us by the file's age.
  const refresh = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // The file was removed under us; nothing to refresh.
    }
  }, REFRESH_MS).unref();

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(absolute);
    clearInterval(refresh);
    process.removeListener('exit', release);
    const holder = readHolder(path);
    if (holder?.pid === process.pid && holder.host === hostname()) {
      try {
        unlinkSync(path);
      } catch {
        // Already removed.
      }
    }
  };
  process.on('exit', release);
  return { path, release };
}
