import { Agent, request } from 'node:http';

/** One request a load worker sends; `body` is JSON. */
export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface LoadResult {
  /** Requests whose bytes went out on a connection (a refused connection sends nothing). */
  sent: number;
  /** Requests that received a complete response. */
  answered: number;
  byStatus: Record<number, number>;
  /** Responses that carried `Connection: close`. */
  connectionClose: number;
  /** The failures a client cannot tell from a lost request: ECONNRESET, socket hang up, EPIPE. */
  resets: number;
  /** When each reset happened (epoch ms) and what it said, to tell when in a drill it came. */
  resetLog: string[];
  /** New connections refused because the server no longer listens (nothing was sent). */
  refused: number;
  /** Anything else, verbatim, so a test can show it. */
  otherErrors: string[];
}

export interface LoadClient {
  readonly result: LoadResult;
  /** Resolves once at least `n` requests have been answered, and at least one on every worker. */
  answeredAtLeast(n: number, timeoutMs?: number): Promise<void>;
  /** Stops sending; resolves once every worker's last request has ended. */
  stop(): Promise<LoadResult>;
  /** Resolves once every worker has ended (the server refused a new connection, or stop()). */
  finished: Promise<LoadResult>;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * A small HTTP load generator that behaves like a well-kept client: each worker keeps one
 * keep-alive connection busy, and drops the connection when a response says `Connection: close`
 * (node:http's Agent does that). Unlike autocannon it then opens a new connection, so a server
 * that closes connections cleanly produces no errors here; only real resets are counted.
 * A worker ends when the server refuses a new connection.
 */
export function startLoad(options: {
  port: number;
  connections: number;
  next: (worker: number, sequence: number) => LoadRequest;
}): LoadClient {
  const result: LoadResult = {
    sent: 0,
    answered: 0,
    byStatus: {},
    connectionClose: 0,
    resets: 0,
    resetLog: [],
    refused: 0,
    otherErrors: [],
  };
  let stopped = false;
  const answeredBy = new Array<number>(options.connections).fill(0);
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };

  const once = (agent: Agent, req: LoadRequest, worker: number) =>
    new Promise<'ok' | 'refused' | 'error'>((resolve) => {
      const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
      let wrote = false;
      let reused = false;
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: options.port,
          method: req.method,
          path: req.path,
          agent,
          headers: {
            ...req.headers,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            result.answered++;
            answeredBy[worker] = (answeredBy[worker] ?? 0) + 1;
            const status = res.statusCode ?? 0;
            result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
            if (String(res.headers.connection).toLowerCase() === 'close') result.connectionClose++;
            notify();
            resolve('ok');
          });
          res.on('error', (err: NodeJS.ErrnoException) => fail(err));
        },
      );
      outgoing.on('socket', (socket) => {
        const mark = () => {
          if (!wrote) {
            wrote = true;
            result.sent++;
          }
        };
        // A reused socket is already connected; a new one counts once it connects.
        reused = !socket.connecting;
        if (socket.connecting) socket.once('connect', mark);
        else mark();
      });
      const fail = (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED' && !wrote) {
          result.refused++;
          resolve('refused');
        } else if (err.code && RESET_CODES.has(err.code)) {
          result.resets++;
          result.resetLog.push(
            `${Date.now()} ${req.method} ${req.path} ${err.code} ${err.message} (reused: ${reused})`,
          );
          resolve('error');
        } else {
          result.otherErrors.push(`${err.code ?? ''} ${err.message}`);
          resolve('error');
        }
      };
      outgoing.on('error', fail);
      outgoing.end(payload);
    });

  const worker = async (index: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let sequence = 0; !stopped; sequence++) {
        const outcome = await once(agent, options.next(index, sequence), index);
        if (outcome === 'refused') return;
      }
    } finally {
      agent.destroy();
    }
  };

  const finished = Promise.all(Array.from({ length: options.connections }, (_, i) => worker(i))).then(() => result);

  return {
    result,
    finished,
    answeredAtLeast(n, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (result.answered >= n && answeredBy.every((count) => count > 0)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const idle = answeredBy.filter((count) => count === 0).length;
          reject(new Error(`${result.answered} of ${n} requests answered in ${timeoutMs} ms, ${idle} workers none`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      stopped = true;
      return finished;
    },
  };
}
