import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  app: FastifyInstance;
  /** Resources closed after the server has drained, e.g. the database. */
  close: () => Promise<void>;
  timeoutMs: number;
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

/** Resolves after the event loop has been through at least one poll phase. */
function nextPollPhase(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * Waits until a poll phase passes without a new connection being accepted, or `maxMs`.
 * Node accepts one pending connection per event-loop turn, so under load a burst of new
 * connections waits in the kernel's backlog, and each of them would be reset when the listener
 * closes (although its client has already sent its request). Returns false when `maxMs` ran out.
 */
async function acceptPending(server: Server, maxMs: number): Promise<boolean> {
  const deadline = performance.now() + maxMs;
  let accepted = true;
  const onConnection = () => {
    accepted = true;
  };
  server.on('connection', onConnection);
  try {
    while (accepted) {
      if (performance.now() >= deadline) return false;
      accepted = false;
      await nextPollPhase();
    }
    return true;
  } finally {
    server.off('connection', onConnection);
  }
}

/**
 * Stops accepting connections, then calls `onListenerClosed` (which should make every response
 * carry `Connection: close`), and resolves once every open connection has closed. Busy
 * connections close after their next response; idle keep-alive ones at the keep-alive timeout
 * the client was told about, or at `closeIdleAfterMs`, whichever is first.
 */
export async function drainConnections(
  server: Server,
  options: { acceptPendingMs: number; closeIdleAfterMs: number; onListenerClosed: () => void; log: FastifyBaseLogger },
): Promise<void> {
  if (!server.listening) {
    options.onListenerClosed();
    return;
  }
  // Until the listener is closed no response may say `Connection: close`: its client would
  // reconnect into the backlog and be reset in turn.
  if (!(await acceptPending(server, options.acceptPendingMs))) {
    options.log.warn(
      { afterMs: options.acceptPendingMs },
      'shutdown: new connections kept arriving; closing the listener anyway (those not yet accepted are reset)',
    );
  }
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  // net.Server#close stops listening and keeps open connections. http.Server#close would also
  // destroy every connection that looks idle at once, including one whose next request is
  // still unread in the socket buffer: its client gets a reset for a request it has sent.
  NetServer.prototype.close.call(server);
  options.onListenerClosed();
  const timer = setTimeout(() => server.closeIdleConnections(), options.closeIdleAfterMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Graceful shutdown: on the first SIGTERM/SIGINT readiness turns 503 at once, the listener
 * closes, in-flight requests finish and open connections drain (see drainConnections), then the
 * app's onClose hooks run, the database closes and the process exits 0. If this takes longer
 * than `timeoutMs`, exit 1. A second signal exits at once. Returns the shutdown function so it
 * can be triggered directly.
 */
export function installGracefulShutdown(options: ShutdownOptions): (signal: string) => Promise<void> {
  const { app, close, timeoutMs } = options;
  const exitProcess = options.exit ?? ((code: number) => process.exit(code));
  let started = false;
  let exited = false;
  const exit = (code: number) => {
    if (exited) return;
    exited = true;
    exitProcess(code);
  };

  const shutdown = async (signal: string) => {
    if (started) {
      app.log.warn({ signal }, 'second signal during shutdown: exiting now');
      exit(1);
      return;
    }
    started = true;
    app.beginShutdown();
    app.log.info({ signal, timeoutMs }, 'shutting down: draining in-flight requests');
    const timer = setTimeout(() => {
      app.log.error({ timeoutMs }, 'shutdown timed out: exiting with in-flight work abandoned');
      exit(1);
    }, timeoutMs);
    timer.unref();
    try {
      // Half the budget for idle connections leaves the other half to requests still running.
      // At most a quarter of the budget for accepting what is already queued and another
      // quarter before idle connections are closed; the rest is for requests still running.
      await drainConnections(app.server, {
        acceptPendingMs: timeoutMs / 4,
        closeIdleAfterMs: timeoutMs / 4,
        onListenerClosed: () => app.beginDrain(),
        log: app.log,
      });
      await app.close();
      await close();
      clearTimeout(timer);
      app.log.info('shutdown complete');
      exit(0);
    } catch (err) {
      clearTimeout(timer);
      app.log.error({ err }, 'shutdown failed');
      exit(1);
    }
  };

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.on(signal, (received) => {
      void shutdown(received);
    });
  }
  return shutdown;
}
