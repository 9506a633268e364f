import { ErrorEnvelope } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import { setup } from '../helpers/setup.js';

const ALLOWED = 'https://app.example.com';

describe('CORS', () => {
  it('reflects an allowed origin with credentials and exposes the headers clients need', async () => {
    const { app } = await setup({ env: { CORS_ORIGINS: `${ALLOWED},http://localhost:5173` } });
    const res = await app.inject({ method: 'GET', url: '/health/live', headers: { origin: ALLOWED } });
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers['access-control-expose-headers'])).toContain('x-request-id');

    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/health/live',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('PATCH');
  });

  it('denies an origin that is not listed', async () => {
    const { app } = await setup({ env: { CORS_ORIGINS: ALLOWED } });
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.test', 'null']) {
      const res = await app.inject({ method: 'GET', url: '/health/live', headers: { origin } });
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(res.headers['access-control-allow-credentials'], origin).toBeUndefined();
    }
  });

  it('sets security headers', async () => {
    const { app } = await setup();
    const res = await app.inject({ method: 'GET', url: '/health/live' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });
});

// The global limit in memory always; through Redis as well when the run has one (CI does).
const stores = [{ name: 'memory', env: {} as Record<string, string> }];
if (process.env.REDIS_URL) stores.push({ name: 'redis', env: { REDIS_URL: process.env.REDIS_URL } });

describe.each(stores)('global rate limit ($name store)', ({ env }) => {
  it('answers 429 with Retry-After and the envelope once a client is over the limit, per client', async () => {
    const { app } = await setup({ env: { ...env, RATE_LIMIT_MAX: '3' } });
    // A unique address per run, so a shared Redis never carries counts over between runs.
    const octet = () => Math.floor(Math.random() * 250) + 1;
    const clientA = `10.${octet()}.${octet()}.${octet()}`;
    const clientB = `10.${octet()}.${octet()}.${octet()}`;
    const hit = (remoteAddress: string) => app.inject({ method: 'GET', url: '/nowhere', remoteAddress });

    const first = await hit(clientA);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    await hit(clientA);
    await hit(clientA);
    const limited = await hit(clientA);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const body = ErrorEnvelope.parse(limited.json());
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.requestId).toBe(limited.headers['x-request-id']);

    // Another client has its own bucket.
    expect((await hit(clientB)).statusCode).toBe(404);
    // Probes are never limited.
    const probe = await app.inject({ method: 'GET', url: '/health/live', remoteAddress: clientA });
    expect(probe.statusCode).toBe(200);
  });

  it('takes the client address from X-Forwarded-For only behind a trusted proxy', async () => {
    const { app } = await setup({ env: { ...env, RATE_LIMIT_MAX: '2', TRUST_PROXY: '127.0.0.1' } });
    const proxy = '127.0.0.1';
    const client = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const viaProxy = (forwardedFor: string) =>
      app.inject({
        method: 'GET',
        url: '/nowhere',
        remoteAddress: proxy,
        headers: { 'x-forwarded-for': forwardedFor },
      });
    await viaProxy(client);
    await viaProxy(client);
    expect((await viaProxy(client)).statusCode).toBe(429);
    // The same proxy forwarding someone else is not limited: buckets are per client, not per proxy.
    expect((await viaProxy(`198.51.100.${Math.floor(Math.random() * 250) + 1}`)).statusCode).toBe(404);
  });
});

describe('rate limit store outage', () => {
  it('keeps serving when Redis is unreachable (the limit fails open)', async () => {
    const { app } = await setup({ env: { REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_MAX: '1' } });
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(200);
    }
  });
});
