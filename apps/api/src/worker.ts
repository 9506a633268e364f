/**
 * `npm run worker`: a process that runs jobs and serves no API (docs/jobs.md). It builds the same
 * app as the server, so every handler and schedule is wired the same way, with WORKERS forced on;
 * only the probes and /metrics are served, on WORKER_PORT when it is set.
 */
import 'zod/compile';
import { createServer, type Server } from 'node:http';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './platform/db/open.js';
import { createLogger } from './platform/logger.js';

const SERVED = new Set(['/health/live', '/health/ready', '/metrics']);

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = { ...loadConfig(), WORKERS: true };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config).child({ process: 'worker' });
  const database = await openDatabase(config);
  const app = await buildApp({ config, database, logger, docs: false });
  await app.ready(); // starts the job system and its workers

  let probes: Server | undefined;
  const port = process.env.WORKER_PORT ? Number(process.env.WORKER_PORT) : undefined;
  if (port !== undefined) {
    probes = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method !== 'GET' || !SERVED.has(path)) {
        res.writeHead(404).end();
        return;
      }
      const authorization = req.headers.authorization;
      app
        .inject({ method: 'GET', url: path, ...(authorization ? { headers: { authorization } } : {}) })
        .then((answer) => {
          res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'text/plain') });
          res.end(answer.body);
        })
        .catch(() => res.writeHead(503).end());
    });
    await new Promise<void>((resolve) => probes?.listen(port, config.HOST, resolve));
  }
  logger.info({ probesPort: port ?? null }, 'Habitual worker ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'worker shutting down: running jobs may finish, the rest return to the queue');
    const timer = setTimeout(() => {
      logger.error('worker shutdown timed out');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    probes?.close();
    await app.close(); // stops the job system (onClose), then the database goes
    await database.close();
    logger.info('worker stopped');
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

main().catch((err: unknown) => {
  process.stderr.write(`Worker failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
