import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { AppError } from './app-error.js';
import type { DatabaseHandle } from './db/client.js';
import type { QueryObserver } from './db/instrument.js';

/** Lookups of an in-memory cache, counted since the process started. */
export interface CacheCounts {
  hits: number;
  misses: number;
  entries: number;
}

/** Seconds; from a cached home screen (~1 ms) to a request that waited out a database deadline. */
const HTTP_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DB_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

/** One label set of a histogram: per-bucket counts (cumulated when rendered), sum and count. */
class Series {
  readonly labels: string;
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  private readonly bounds: readonly number[];

  constructor(labels: string, bounds: readonly number[]) {
    this.labels = labels;
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    if (i < bounds.length) this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/**
 * A histogram in the Prometheus text format. prom-client's own hashes and validates the labels
 * on every observation; this one is observed on every request and every statement, so its
 * label sets are resolved once and an observation is a bucket scan and three additions.
 */
class FastHistogram {
  private readonly series: Series[] = [];
  private readonly name: string;
  private readonly help: string;
  private readonly bounds: readonly number[];

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.bounds = bounds;
  }

  /** The series of one label set, e.g. `{ method: 'GET' }`; keep it and observe it directly. */
  child(labels: Record<string, string>): Series {
    const text = Object.entries(labels)
      .map(([key, value]) => `${key}="${escapeLabel(value)}"`)
      .join(',');
    const series = new Series(text, this.bounds);
    this.series.push(series);
    return series;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const series of this.series) {
      const sep = series.labels ? ',' : '';
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i] as number;
        lines.push(`${this.name}_bucket{le="${bound}"${sep}${series.labels}} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket{le="+Inf"${sep}${series.labels}} ${series.count}`);
      const braces = series.labels ? `{${series.labels}}` : '';
      lines.push(`${this.name}_sum${braces} ${series.sum}`, `${this.name}_count${braces} ${series.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/**
 * The Prometheus registry of one app. Everything but the request and statement histograms is
 * read when scraped, so the hot path pays one histogram observation per request and per
 * statement and nothing else.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly caches = new Map<string, () => CacheCounts>();
  private readonly requests: FastHistogram;
  private readonly queries: FastHistogram;
  /** route → method → status → series: labels are resolved once per combination, not per request. */
  private readonly children = new Map<string, Map<string, Map<number, Series>>>();
  private readonly ready: Gauge;
  private readonly database: DatabaseHandle;
  private readonly observer: QueryObserver;

  constructor(database: DatabaseHandle) {
    this.database = database;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new FastHistogram(
      'habitual_http_request_duration_seconds',
      'Time from request received to response sent, by route pattern, method and status (the _count is the request count).',
      HTTP_BUCKETS,
    );
    this.ready = new Gauge({
      name: 'habitual_ready',
      help: 'What GET /health/ready answers at scrape time: 1 ready, 0 not ready.',
      registers,
    });

    this.queries = new FastHistogram(
      'habitual_db_query_duration_seconds',
      'Statements sent by the API, from call to answer (waiting for a connection included), by outcome.',
      DB_BUCKETS,
    );
    const ok = this.queries.child({ outcome: 'ok' });
    const failed = this.queries.child({ outcome: 'error' });
    const errors = new Counter({
      name: 'habitual_db_query_errors_total',
      help: 'Statements that failed, by SQLSTATE (or `connection` when no answer came).',
      labelNames: ['code'],
      registers,
    });
    this.observer = (seconds, error) => {
      if (error === null) {
        ok.observe(seconds);
        return;
      }
      failed.observe(seconds);
      const code = (error as { code?: unknown }).code;
      errors.inc({ code: typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : 'connection' });
    };
    database.stats.observer = this.observer;
    const stats = database.stats;
    new Gauge({
      name: 'habitual_db_queries_in_flight',
      help: 'Statements sent and not yet answered.',
      registers,
      collect() {
        this.set(stats.inFlight);
      },
    });
    new Gauge({
      name: 'habitual_db_transactions_open',
      help: 'Transactions holding a connection.',
      registers,
      collect() {
        this.set(stats.transactions);
      },
    });
    new Gauge({
      name: 'habitual_db_pool_connections',
      help: 'Connections of the pool by state (derived from statements in flight and open transactions; size is the configured maximum).',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = stats.pool();
        this.set({ state: 'size' }, pool.size);
        this.set({ state: 'in_use' }, pool.inUse);
        this.set({ state: 'idle' }, pool.idle);
      },
    });
    new Gauge({
      name: 'habitual_db_pool_waiting',
      help: 'Statements and transactions waiting for a connection because every one is in use.',
      registers,
      collect() {
        this.set(stats.pool().waiting);
      },
    });

    const caches = this.caches;
    new Counter({
      name: 'habitual_cache_lookups_total',
      help: 'Lookups of in-memory caches by result; hit ratio = rate(hit) / rate(all).',
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        this.reset();
        for (const [cache, read] of caches) {
          const counts = read();
          this.inc({ cache, result: 'hit' }, counts.hits);
          this.inc({ cache, result: 'miss' }, counts.misses);
        }
      },
    });
    new Gauge({
      name: 'habitual_cache_entries',
      help: 'Entries held by each in-memory cache.',
      labelNames: ['cache'],
      registers,
      collect() {
        for (const [cache, read] of caches) this.set({ cache }, read().entries);
      },
    });
  }

  /** Reports a cache's counts under `cache="<name>"`. */
  trackCache(name: string, read: () => CacheCounts): void {
    this.caches.set(name, read);
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.children.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.children.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let child = byStatus.get(status);
    if (!child) {
      child = this.requests.child({ method, route, status_code: String(status) });
      byStatus.set(status, child);
    }
    child.observe(seconds);
  }

  async render(app: FastifyInstance): Promise<string> {
    // The probe itself decides (database, shutdown, whatever else it checks); a probe that
    // cannot run (the app is closing) means not ready.
    const status = await app.inject({ method: 'GET', url: '/health/ready' }).then(
      (probe) => probe.statusCode,
      () => 503,
    );
    this.ready.set(status === 200 ? 1 : 0);
    return `${await this.registry.metrics()}\n${this.requests.render()}\n${this.queries.render()}`;
  }

  /** Stops listening to the database (the handle outlives the app in tests). */
  close(): void {
    if (this.database.stats.observer === this.observer) this.database.stats.observer = null;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export interface MetricsPluginOptions {
  metrics: Metrics;
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  token: string | undefined;
}

/**
 * GET /metrics in the Prometheus text format, and the one onResponse hook that times every
 * request by its route pattern (never the raw URL, so ids do not explode the series).
 */
export const metricsPlugin = fp<MetricsPluginOptions>(
  async (app, { metrics, token }) => {
    const expected = token === undefined ? null : digest(token);
    app.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
    app.addHook('onClose', async () => metrics.close());

    app.get(
      '/metrics',
      {
        config: { servedDuringShutdown: true },
        // Not part of the public API: documented in docs/operations.md.
        schema: { hide: true },
      },
      async (request, reply) => {
        if (expected) {
          const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization?.trim() ?? '');
          if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
            throw new AppError('UNAUTHENTICATED', 'Send the metrics token as `Authorization: Bearer <METRICS_TOKEN>`');
          }
        }
        const body = await metrics.render(app);
        return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(body);
      },
    );
  },
  { name: 'metrics' },
);
