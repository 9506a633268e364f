import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createModules } from './module-wiring.js';
import { AppError } from './platform/app-error.js';
import { type App, type Clock, systemClock } from './platform/app-types.js';
import { clientErrorHandler, frameworkErrors } from './platform/client-errors.js';
import type { DatabaseHandle } from './platform/db/client.js';
import { envelope, errorHandlerPlugin, notFoundHandler } from './platform/error-handler.js';
import { healthRoutes } from './platform/health.js';
import { createJobs, type Jobs, registerJobMetrics } from './platform/jobs/index.js';
import { createMailer, createMailOutbox, type Mailer } from './platform/mail/index.js';
import { Metrics, metricsPlugin } from './platform/metrics.js';
import { documentErrors, openApiPlugin } from './platform/openapi.js';
import { createRateCounter, type RateCounter } from './platform/rate-counter.js';
import { closeRedis, connectRedis } from './platform/redis.js';
import { genRequestId } from './platform/request-id.js';
import { RouteTable } from './platform/route-table.js';
import { securityPlugin } from './platform/security.js';
import { serializerCompiler } from './platform/serializer.js';
import { rejectUnstorableText } from './platform/text-input.js';
import { registerScheduledJobs } from './scheduled-jobs.js';

/** The whole request (headers and body) must arrive within this; see docs/operations.md. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** The request line and headers must arrive within this. */
export const HEADERS_TIMEOUT_MS = 10_000;

export { type App, type Clock, systemClock };

export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  clock?: Clock;
  /** Serve Swagger UI at /docs (on by default). */
  docs?: boolean;
  /** Hands mail to the mail server for the outbox job; default from SMTP_URL (see createMailer). */
  mailer?: Mailer;
  /** The job queue; default one on `database`, started when the app is ready and stopped when it closes. */
  jobs?: Jobs;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Keep answering while a graceful shutdown drains (the probes). */
    servedDuringShutdown?: boolean;
  }
  interface FastifyInstance {
    /** First step of a graceful shutdown: readiness answers 503; everything else is served as usual. */
    readonly beginShutdown: () => void;
    /**
     * Second step, once the listener is closed: new requests get the 503 envelope and every
     * response carries `Connection: close`. `app.close()` takes both steps.
     */
    readonly beginDrain: () => void;
  }
}

/**
 * Builds the whole API without listening. The server and every test use this one function,
 * so they share every option: validation, serialization, limits, error handling.
 * The database handle is owned by the caller; closing the app does not close it.
 */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, database } = deps;
  const logger: FastifyBaseLogger = deps.logger;
  const clock = deps.clock ?? systemClock;
  // One Redis client (REDIS_URL) for every shared counter: the global limit, sign-in throttles, key budgets.
  const redis = await connectRedis(config, logger);
  const rateCounter = sharedRateCounter(config, logger, clock, redis);

  const app = createFastify(config, logger);
  app.addHook('onClose', async () => {
    await closeRedis(redis);
  });
  const lifecycle = installShutdownHooks(app);

  // Text PostgreSQL cannot store answers 400 here, on every route (better-auth's included).
  app.addHook('preValidation', rejectUnstorableText);

  // Before any route: these hooks see every route registered after them.
  const routes = new RouteTable();
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.add(method, route.url);
    documentErrors(route);
  });

  await app.register(errorHandlerPlugin);
  // Before the routes, so its onResponse hook times every one of them.
  const metrics = config.METRICS ? new Metrics(database) : null;
  if (metrics) await app.register(metricsPlugin, { metrics, token: config.METRICS_TOKEN });
  await app.register(openApiPlugin, { exposeUi: deps.docs ?? true });
  await app.register(securityPlugin, { config, ...(redis ? { redis } : {}) });
  // Unknown routes count against the rate limit too (scanners probe them by the thousand).
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, notFoundHandler(routes));

  await app.register(healthRoutes, { database, timeoutMs: 2_000, isShuttingDown: lifecycle.isShuttingDown });

  const now = () => clock.now();
  const { jobs, outbox } = createJobsAndOutbox(deps, metrics);

  const modules = await createModules({ config, db: database.db, logger: deps.logger, rateCounter, now, outbox });
  metrics?.trackCache('auth', () => ({
    ...modules.auth.guard.cacheStats,
    entries: modules.auth.guard.cacheStats.entries(),
  }));
  metrics?.trackCache('habits', () => modules.habits.service.cacheStats());

  // The auth policy first (it sees every route), then the routes in the order the spec lists them.
  await app.register(modules.auth.policy);
  await app.register(modules.auth.mount);
  for (const m of [
    modules.auth,
    modules.users,
    modules.payments,
    modules.habits,
    modules.insights,
    modules.reminders,
  ]) {
    await app.register(m.routes, { prefix: '/api/v1' });
  }
  // The worker process and the tests drive `tick(now)` through this.
  app.decorate('reminders', modules.reminders);

  // Job handlers and schedules (only where WORKERS=on); workers start with the app and stop
  // gracefully before it closes.
  await registerScheduledJobs({
    jobs,
    config,
    db: database.db,
    logger,
    outbox,
    payments: modules.payments.service.sync,
    now,
  });
  if (jobs.workers) await modules.reminders.start(jobs);
  if (!deps.jobs) {
    if (config.WORKERS) app.addHook('onReady', () => jobs.start());
    // After the HTTP drain (shutdown.ts), running jobs get a third of the shutdown budget, then go back to the queue.
    app.addHook('onClose', () => jobs.stop(Math.max(1_000, Math.floor(config.SHUTDOWN_TIMEOUT_MS / 3))));
  }

  return app;
}

/** The job queue (docs/jobs.md) and the mail outbox it sends: mail is written, then sent by a job. */
function createJobsAndOutbox(deps: AppDeps, metrics: Metrics | null) {
  const { config, database, logger } = deps;
  const jobs =
    deps.jobs ??
    createJobs({
      database,
      logger,
      workers: config.WORKERS,
      pollingIntervalSeconds: config.JOBS_POLL_INTERVAL_SECONDS,
    });
  if (metrics) registerJobMetrics(metrics.registry, jobs); // queue depth, latency, failures
  const mailer =
    deps.mailer ?? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, nodeEnv: config.NODE_ENV }, logger);
  const outbox = createMailOutbox({
    db: database.db,
    jobs,
    mailer,
    logger,
    retry: { limit: config.MAIL_RETRY_LIMIT, delaySeconds: config.MAIL_RETRY_DELAY_SECONDS, maxDelaySeconds: 3600 },
  });
  return { jobs, outbox };
}

/** The Fastify instance with every option of ours: logging, limits, timeouts, compilers. */
function createFastify(config: Config, logger: FastifyBaseLogger): App {
  const app = Fastify({
    loggerInstance: logger,
    genReqId: genRequestId,
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Orchestrators poll the probes every few seconds; logging each poll drowns the rest.
      disableRequestLogging: (request) => request.url.startsWith('/health/') || request.url === '/metrics',
    }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    // The timeouts, with the figures they produce, are in docs/operations.md ("Connections and timeouts").
    // A socket with no bytes either way for this long is destroyed without an answer, so it must
    // outlast every deadline that does answer (database, Stripe, the AI provider): it only catches
    // a client that stopped reading.
    connectionTimeout: Math.max(60_000, config.AI_TIMEOUT_MS + 10_000),
    // Headers and body must have arrived this long after the request started (408 otherwise).
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Announced as `Keep-Alive: timeout=5`; clients that honour it drop the connection first.
    keepAliveTimeout: 5_000,
    // Requests that arrive on open connections while draining get our own 503 envelope (below).
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    clientErrorHandler: clientErrorHandler(logger),
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();
  // Not Fastify options. The headers of a request must arrive within 10 s (slow-loris), and the
  // two request deadlines are checked every second rather than every 30 s (Node's default, which
  // let a slow request live up to twice its deadline).
  Object.assign(app.server, { headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  return app;
}

/**
 * The two steps of a graceful shutdown (see platform/shutdown.ts): `beginShutdown` turns
 * readiness to 503; `beginDrain` (or `app.close()`) refuses new requests with the 503 envelope
 * and closes every connection after its response.
 */
function installShutdownHooks(app: App): { isShuttingDown: () => boolean } {
  let shuttingDown = false;
  let draining = false;
  app.decorate('beginShutdown', () => {
    shuttingDown = true;
  });
  app.decorate('beginDrain', () => {
    shuttingDown = true;
    draining = true;
  });
  app.addHook('preClose', async () => {
    shuttingDown = true;
    draining = true;
  });
  // Responses finishing during the drain (in-flight ones included) close their connection, so a
  // keep-alive client learns it must reconnect instead of finding the connection gone.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (draining && !request.routeOptions.config.servedDuringShutdown) {
      // Expected on every deploy: logged at info, not as a failure with a stack.
      const refused = new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down; retry the request');
      request.log.info({ code: refused.code, status: 503 }, 'request refused: shutting down');
      return reply
        .code(503)
        .header('connection', 'close')
        .type('application/json; charset=utf-8')
        .send(envelope(refused, request.id));
    }
  });
  return { isShuttingDown: () => shuttingDown };
}

/** Sign-in throttles and API-key budgets, counted in Redis when REDIS_URL is set, else in this process. */
function sharedRateCounter(
  config: Config,
  logger: FastifyBaseLogger,
  clock: Clock,
  redis: Awaited<ReturnType<typeof connectRedis>>,
): RateCounter {
  let lastCounterWarning = 0;
  return createRateCounter({
    redis,
    prefix: config.REDIS_KEY_PREFIX,
    now: () => clock.now().getTime(),
    onRedisError: (err) => {
      // One line every 2 s is enough while Redis is down (every keyed request would log one).
      if (Date.now() - lastCounterWarning < 2000) return;
      lastCounterWarning = Date.now();
      logger.warn({ err }, 'redis error (sign-in throttles and key budgets count in this process meanwhile)');
    },
  });
}

/** Fastify accepts a hop count at runtime but not in its types; a function says the same. */
function trustProxyOption(
  value: Config['TRUST_PROXY'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === 'number') return (_address, hop) => hop < value;
  if (typeof value === 'boolean') return value;
  return [...value];
}
