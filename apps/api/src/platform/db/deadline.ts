import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type postgres from 'postgres';

/**
 * Client-side deadlines for the PostgreSQL pool. `statement_timeout` is enforced by the server,
 * so it does nothing when the network to the server is gone: a query then waits on a socket
 * that will never answer (TCP retransmits for ~15 minutes; keepalive only probes idle sockets).
 * Two guards close that gap:
 * - every statement's promise rejects with a DatabaseDeadlineError after `deadlineMs`, whether it
 *   was still waiting for a connection or already sent;
 * - a socket that has had a write unanswered for `deadlineMs` is destroyed, so postgres.js drops
 *   the connection and opens a fresh one on next use (the pool heals instead of keeping a wedged
 *   socket).
 */
export class DatabaseDeadlineError extends Error {
  readonly code = 'DB_DEADLINE';
  /** False when the statement never left the process (it was waiting for a connection). */
  readonly sent: boolean;
  constructor(message: string, sent: boolean) {
    super(message);
    this.name = 'DatabaseDeadlineError';
    this.sent = sent;
  }
}

interface WatchedSocket {
  socket: Socket;
  /** performance.now() of the first write not followed by any byte from the server; 0 when none. */
  unansweredSince: number;
}

export interface DeadlineGuard {
  /** postgres.js `socket` option: TCP sockets the watchdog can see. */
  socket(options: { host: string[]; port: number[]; path?: string | false; ssl?: unknown }): Socket | Duplex;
  /** Wraps `unsafe` and `begin` of a postgres.js client so each statement has a deadline. */
  install(client: postgres.Sql): void;
  /** Sockets destroyed by the watchdog so far. */
  retired(): number;
  stop(): void;
}

type PgQuery = Promise<unknown> & {
  state: unknown;
  executed: boolean;
  strings: string[];
  args: unknown[];
  then: Promise<unknown>['then'];
  catch: Promise<unknown>['catch'];
  finally: Promise<unknown>['finally'];
};

export function createDeadlineGuard(options: { deadlineMs: number; keepAliveMs: number }): DeadlineGuard {
  const { deadlineMs } = options;
  const sockets = new Set<WatchedSocket>();
  let retired = 0;
  let next = 0;
  let sweeper: NodeJS.Timeout | undefined;

  const sweep = (thresholdMs = deadlineMs) => {
    const now = performance.now();
    for (const watched of sockets) {
      // Under TLS postgres.js removes our listeners from the raw socket, so its close goes unseen.
      if (watched.socket.destroyed) {
        sockets.delete(watched);
        continue;
      }
      if (watched.unansweredSince !== 0 && now - watched.unansweredSince > thresholdMs) {
        sockets.delete(watched);
        retired++;
        watched.socket.destroy(
          new DatabaseDeadlineError(`no answer from the database for ${deadlineMs} ms; connection retired`, true),
        );
      }
    }
    if (sockets.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  const watch = (socket: Socket) => {
    const watched: WatchedSocket = { socket, unansweredSince: 0 };
    sockets.add(watched);
    const write = socket.write;
    socket.write = function (this: Socket, ...args: unknown[]) {
      if (watched.unansweredSince === 0) watched.unansweredSince = performance.now();
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as Socket['write'];
    socket.on('data', () => {
      watched.unansweredSince = 0;
    });
    socket.once('close', () => sockets.delete(watched));
    // Ten checks per deadline keep the overshoot under 10% without a timer per statement.
    sweeper ??= setInterval(() => sweep(), Math.max(25, Math.min(250, deadlineMs / 10))).unref();
  };

  /**
   * For TLS: postgres.js wraps the socket it gets in a TLS socket, which then reads and writes the
   * file descriptor directly and the watchdog would see nothing. Given this stream instead, TLS
   * goes through JavaScript, and the raw socket's writes and reads stay visible.
   */
  const relay = (raw: Socket): Duplex => {
    // Once TLS has ended its side, late bytes from the server must not reach it: it would raise
    // an error on a socket postgres.js no longer listens to, and crash the process.
    let finished = false;
    const stream = new Duplex({
      write(chunk, encoding, callback) {
        raw.write(chunk, encoding, callback);
      },
      read() {
        raw.resume();
      },
      final(callback) {
        finished = true;
        raw.end(callback);
      },
      destroy(err, callback) {
        raw.destroy(err ?? undefined);
        // Not passed on: nobody listens for errors on this stream (postgres.js removed every
        // listener before TLS took it over), and the TLS socket learns of the close anyway.
        callback(null);
      },
    });
    raw.on('data', (chunk: Buffer) => {
      if (finished || stream.destroyed) return;
      if (!stream.push(chunk)) raw.pause();
    });
    raw.on('end', () => stream.push(null));
    raw.on('error', (err) => stream.destroy(err));
    raw.on('close', () => stream.destroy());
    const { host, port } = raw as Socket & { host?: string; port?: number };
    Object.assign(stream, { host, port });
    // postgres.js ends a connection gracefully only when the socket says it is open.
    Object.defineProperty(stream, 'readyState', { get: () => raw.readyState });
    return stream;
  };

  const guardQuery = (query: PgQuery, onDeadline?: (err: DatabaseDeadlineError) => void): PgQuery => {
    const then = query.then.bind(query);
    let raced: Promise<unknown> | undefined;
    const race = () => {
      raced ??= new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const sent = query.state != null;
          if (!sent) {
            // Still queued for a connection: turn it into a no-op, so that it cannot run later
            // (after the caller was told it failed) when a connection frees up.
            query.strings = ['select 1'];
            query.args = [];
          }
          const err = new DatabaseDeadlineError(
            sent
              ? `the database did not answer within ${deadlineMs} ms`
              : `no database connection became free within ${deadlineMs} ms`,
            sent,
          );
          // Its socket was written to just after this timer started: retire it now rather than at
          // the next sweep, so that no other statement is sent into it meanwhile.
          if (sent) sweep(deadlineMs - 100);
          onDeadline?.(err);
          reject(err);
        }, deadlineMs);
        then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      });
      return raced;
    };
    // biome-ignore lint/suspicious/noThenProperty: a postgres.js query is a lazy thenable; drizzle awaits it.
    query.then = ((onFulfilled, onRejected) => race().then(onFulfilled, onRejected)) as PgQuery['then'];
    query.catch = ((onRejected) => race().catch(onRejected)) as PgQuery['catch'];
    query.finally = ((onFinally) => race().finally(onFinally)) as PgQuery['finally'];
    return query;
  };

  const guardUnsafe = (sql: postgres.Sql, onDeadline?: (err: DatabaseDeadlineError) => void) => {
    const unsafe = sql.unsafe;
    sql.unsafe = ((...args: Parameters<typeof unsafe>) =>
      guardQuery(unsafe.apply(sql, args) as unknown as PgQuery, onDeadline)) as unknown as typeof unsafe;
  };

  return {
    socket(target) {
      const socket = target.path
        ? connect(target.path)
        : (() => {
            const i = next++ % target.host.length;
            const host = target.host[i] ?? 'localhost';
            const s = connect({ host, port: target.port[i] ?? target.port[0] ?? 5432 });
            // postgres.js reads these for its messages and for TLS server names.
            Object.assign(s, { host, port: target.port[i] });
            return s;
          })();
      socket.setKeepAlive(true, options.keepAliveMs);
      watch(socket);
      return target.ssl ? relay(socket) : socket;
    },
    install(client) {
      guardUnsafe(client);
      const begin = client.begin;
      // A statement inside a transaction that passes its deadline fails the whole transaction at
      // once; postgres.js's own ROLLBACK then waits on the same wedged socket until the watchdog
      // retires it, which the caller need not wait for.
      client.begin = ((...args: unknown[]) => {
        const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
        let abort!: (err: DatabaseDeadlineError) => void;
        const aborted = new Promise<never>((_, reject) => {
          abort = reject;
        });
        const run = (begin as (...a: unknown[]) => Promise<unknown>).apply(client, [
          ...args,
          (tx: postgres.TransactionSql) => {
            guardUnsafe(tx as unknown as postgres.Sql, abort);
            return fn(tx);
          },
        ]);
        run.catch(() => {});
        aborted.catch(() => {});
        return Promise.race([run, aborted]);
      }) as typeof begin;
    },
    retired: () => retired,
    stop() {
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
    },
  };
}
