import type { FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  app: FastifyInstance;
  /** Resources closed after the server has drained, e.g. the database. */
  close: () => Promise<void>;
  timeoutMs: number;
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

/**
 * Graceful shutdown: on the first SIGTERM/SIGINT stop accepting connections, let in-flight
 * requests finish (readiness turns 503 at once), then close the database and exit 0.
 * If draining takes longer than `timeoutMs`, exit 1. A second signal exits at once.
 * Returns the shutdown function so it can be triggered directly.
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
    app.log.info({ signal, timeoutMs }, 'shutting down: draining in-flight requests');
    const timer = setTimeout(() => {
      app.log.error({ timeoutMs }, 'shutdown timed out: exiting with in-flight work abandoned');
      exit(1);
    }, timeoutMs);
    timer.unref();
    try {
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
