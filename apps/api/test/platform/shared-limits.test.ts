/**
 * Limits that hold across instances: two apps on one Redis share sign-in throttling and an API
 * key's budget, and every limited response carries the headers of the limit that applied. A third
 * app on another key prefix counts apart, which shows the counts live in Redis (better-auth's own
 * memory store would be shared by every app in this process).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { ErrorEnvelope } from '@habitual/shared';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { setup } from '../helpers/setup.js';
import { createApiKey, randomIp, signUp } from '../helpers/users.js';

let redisUrl = '';
let ownServer: ChildProcess | undefined;
let probe: Redis | undefined;

async function reachable(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The run's Redis (CI's PostgreSQL pass), the local one, or a redis-server of this file's own. */
async function findRedis(): Promise<string> {
  const candidates = [process.env.REDIS_URL, 'redis://127.0.0.1:6379'].filter(Boolean) as string[];
  for (const url of candidates) if (await reachable(url)) return url;
  const port = await freePort();
  ownServer = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await reachable(url)) return url;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no Redis: set REDIS_URL, run one on 127.0.0.1:6379, or install redis-server');
}

beforeAll(async () => {
  redisUrl = await findRedis();
  probe = new Redis(redisUrl);
}, 30_000);

afterAll(async () => {
  probe?.disconnect();
  ownServer?.kill();
});

/** Apps that share Redis under one key prefix, unique to the test so runs never meet. */
async function instances(count: number, prefix = `habitual-test-${randomBytes(6).toString('hex')}:`) {
  const apps: App[] = [];
  for (let i = 0; i < count; i++) {
    apps.push((await setup({ env: { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix } })).app);
  }
  return { apps, prefix };
}

const codeOf = (body: unknown) => ErrorEnvelope.parse(body).error.code;

describe('limits shared through Redis', () => {
  it('two instances share sign-in throttling; the 429 carries the sign-in limit', async () => {
    const { apps, prefix } = await instances(2);
    const [a, b] = apps as [App, App];
    const user = await signUp(a);
    const ip = randomIp();
    const attempt = (app: App, remoteAddress = ip) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/sign-in/email',
        remoteAddress,
        payload: { email: user.email, password: 'not the password' },
      });
    // Sign-in allows 10 attempts a minute per client address; alternate the instances.
    for (let i = 0; i < 10; i++) {
      const res = await attempt(i % 2 === 0 ? a : b);
      expect(res.statusCode, `attempt ${i + 1}: ${res.body}`).toBe(401);
    }
    for (const app of [a, b]) {
      const limited = await attempt(app);
      expect(limited.statusCode).toBe(429);
      expect(codeOf(limited.json())).toBe('RATE_LIMITED');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.headers['x-ratelimit-limit']).toBe('10');
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');
      expect(limited.headers['x-ratelimit-reset']).toBe(String(retryAfter));
    }
    // Another address is not throttled, nor is the same address on instances with another prefix.
    expect((await attempt(a, randomIp())).statusCode).toBe(401);
    const { apps: elsewhere } = await instances(1);
    expect((await attempt(elsewhere[0] as App)).statusCode).toBe(401);
    expect(await probe?.keys(`${prefix}auth:*`)).not.toEqual([]);
  });

  it('a 429 of the per-address limit on an auth path keeps that limit’s headers', async () => {
    const prefix = `habitual-test-${randomBytes(6).toString('hex')}:`;
    const { app } = await setup({ env: { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, RATE_LIMIT_MAX: '3' } });
    const ip = randomIp();
    const attempt = () =>
      app.inject({
        method: 'POST',
        url: '/api/auth/sign-in/email',
        remoteAddress: ip,
        payload: { email: 'nobody@example.com', password: 'not the password' },
      });
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['x-ratelimit-limit']).toBe('3');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
  });

  it("two instances share an API key's budget, and its headers are the key's own", async () => {
    const { apps, prefix } = await instances(2);
    const [a, b] = apps as [App, App];
    const user = await signUp(a);
    const budget = 4;
    const key = await createApiKey(a, user, { rateLimitPerMinute: budget });
    const call = (app: App) => app.inject({ method: 'GET', url: '/api/v1/habits', headers: { 'x-api-key': key } });
    for (let i = 0; i < budget; i++) {
      const res = await call(i % 2 === 0 ? a : b);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe(String(budget));
      expect(res.headers['x-ratelimit-remaining']).toBe(String(budget - i - 1));
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    }
    for (const app of [a, b]) {
      const limited = await call(app);
      expect(limited.statusCode).toBe(429);
      expect(codeOf(limited.json())).toBe('RATE_LIMITED');
      expect(limited.headers['x-ratelimit-limit']).toBe(String(budget));
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers['retry-after']).toBe(limited.headers['x-ratelimit-reset']);
    }
    // The user's session is not limited by the key's budget; its headers are the per-address limit.
    const session = await a.inject({ method: 'GET', url: '/api/v1/habits', headers: { cookie: user.cookie } });
    expect(session.statusCode).toBe(200);
    expect(session.headers['x-ratelimit-limit']).toBe('10000');
    expect(await probe?.keys(`${prefix}apikey:*`)).toHaveLength(1);
  });
});
