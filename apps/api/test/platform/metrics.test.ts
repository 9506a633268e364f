/**
 * GET /metrics: the Prometheus text format with the documented series; on without a token in
 * development, off by default in production and behind a bearer token when turned on there.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { sql } from '../../src/platform/db/client.js';
import { habitsApi } from '../helpers/habits.js';
import { setup, TEST_ENV } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  // Made per run: production refuses any secret written in the repository.
  BETTER_AUTH_SECRET: randomBytes(32).toString('base64url'),
  SMTP_URL: 'smtp://127.0.0.1:2525',
};
const TOKEN = 'scrape-token-0123456789abcdef';

/** The value of one series (`name{labels}`), or undefined when the output does not have it. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('in development answers the documented series without a token', async () => {
    const { app, database } = await setup({ env: { NODE_ENV: 'development' } });
    const user = await signUp(app);
    const api = habitsApi(app, user);
    const habit = await api.create({ name: 'Read' });
    expect((await api.get('/api/v1/today')).statusCode).toBe(200);
    expect((await api.get(`/api/v1/habits/${habit.id}`)).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/no/such/route' })).statusCode).toBe(404);
    await expect(database.db.execute(sql`select 1 / 0`)).rejects.toThrow();

    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;

    // Requests by route pattern, never by raw URL.
    expect(
      sample(
        text,
        'habitual_http_request_duration_seconds_count{method="GET",route="/api/v1/habits/:habitId",status_code="200"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'habitual_http_request_duration_seconds_count{method="GET",route="/api/v1/today",status_code="200"}',
      ),
    ).toBe(1);
    expect(
      sample(text, 'habitual_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}'),
    ).toBe(1);
    expect(text).not.toContain(habit.id);
    expect(text).not.toContain('/no/such/route');
    expect(text).toMatch(
      /^habitual_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/today"/m,
    );

    // Buckets are cumulative and end at the count; every metric is declared once.
    const buckets = text
      .split('\n')
      .filter(
        (l) => l.startsWith('habitual_http_request_duration_seconds_bucket{') && l.includes('route="/api/v1/today"'),
      )
      .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    expect(buckets.length).toBeGreaterThan(2);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(buckets[buckets.length - 1]).toBe(1);
    const declared = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(declared).size).toBe(declared.length);

    // The database: timing by outcome, the failed statement by SQLSTATE (22012 division by zero), the pool.
    expect(sample(text, 'habitual_db_query_duration_seconds_count{outcome="ok"}')).toBeGreaterThan(0);
    expect(sample(text, 'habitual_db_query_duration_seconds_count{outcome="error"}')).toBe(1);
    expect(sample(text, 'habitual_db_query_errors_total{code="22012"}')).toBe(1);
    expect(sample(text, 'habitual_db_pool_connections{state="size"}')).toBe(database.stats.poolSize);
    expect(sample(text, 'habitual_db_queries_in_flight')).toBe(0);
    expect(sample(text, 'habitual_db_transactions_open')).toBe(0);
    expect(sample(text, 'habitual_db_pool_waiting')).toBe(0);

    expect(sample(text, 'habitual_ready')).toBe(1);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    for (const cache of ['habits', 'auth']) {
      expect(sample(text, `habitual_cache_entries{cache="${cache}"}`)).toBeGreaterThanOrEqual(1);
    }
  });

  it('counts a repeated read as a cache hit of the habits and the credentials caches', async () => {
    const { app } = await setup({ env: { NODE_ENV: 'development' } });
    const user = await signUp(app);
    const api = habitsApi(app, user);
    const habit = await api.create({ name: 'Walk' });
    const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const hits = (text: string, cache: string) =>
      sample(text, `habitual_cache_lookups_total{cache="${cache}",result="hit"}`) ?? 0;
    const misses = (text: string, cache: string) =>
      sample(text, `habitual_cache_lookups_total{cache="${cache}",result="miss"}`) ?? 0;

    const before = await scrape();
    // The habit's history was cached when it was created, the credential on the first request.
    expect((await api.get(`/api/v1/habits/${habit.id}`)).statusCode).toBe(200);
    const after = await scrape();
    expect(hits(after, 'habits') - hits(before, 'habits')).toBe(1);
    expect(misses(after, 'habits')).toBe(misses(before, 'habits'));
    expect(hits(after, 'auth') - hits(before, 'auth')).toBe(1);
    expect(misses(after, 'auth')).toBe(misses(before, 'auth'));
  });

  it('in production is off unless turned on: 404 in the error envelope', async () => {
    const { app } = await setup({ env: PRODUCTION });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
  });

  it('METRICS=off turns it off in development too', async () => {
    const { app } = await setup({ env: { NODE_ENV: 'development', METRICS: 'off' } });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });

  it('in production, turned on, needs the bearer token: 401 in the envelope without it', async () => {
    const { app } = await setup({ env: { ...PRODUCTION, METRICS: 'on', METRICS_TOKEN: TOKEN } });
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', TOKEN, `Basic ${TOKEN}`]) {
      const res = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'UNAUTHENTICATED', requestId: expect.any(String) });
      expect(res.body).not.toContain(TOKEN);
    }
    const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('# TYPE habitual_http_request_duration_seconds histogram');
    // The refused scrapes were counted by route pattern like any request.
    expect(
      sample(ok.body, 'habitual_http_request_duration_seconds_count{method="GET",route="/metrics",status_code="401"}'),
    ).toBe(4);
  });

  it('production refuses to start with METRICS=on and no token, naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ ...TEST_ENV, ...PRODUCTION, METRICS: 'on' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toMatch(/^METRICS_TOKEN: required in production/m);
    expect(() => loadConfig({ ...TEST_ENV, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });

  it('is not in the OpenAPI document', async () => {
    const { app } = await setup({ env: { NODE_ENV: 'development' } });
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(spec.paths)).not.toContain('/metrics');
  });
});
