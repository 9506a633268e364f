import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';

/**
 * The one Redis client of the app (REDIS_URL): the global rate limit, sign-in throttles and
 * per-key budgets all count through it, so every instance shares them. Null without REDIS_URL.
 */
export async function connectRedis(
  config: Pick<Config, 'REDIS_URL'>,
  log: FastifyBaseLogger,
): Promise<Redis | undefined> {
  if (!config.REDIS_URL) return undefined;
  const redis = new Redis(config.REDIS_URL, {
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    // Back off to one attempt every 30 s while Redis is down, rather than flooding the log.
    retryStrategy: (attempt) => Math.min(attempt * 1000, 30_000),
  });
  let lastWarning = 0;
  redis.on('error', (err) => {
    // ioredis reports every failed attempt; one line every 2 s says enough.
    if (Date.now() - lastWarning < 2000) return;
    lastWarning = Date.now();
    log.warn({ err }, 'redis error (rate limits fall back to allowing requests)');
  });
  // Connect before serving so the first requests are counted; if Redis is down the API still
  // starts, and ioredis keeps reconnecting in the background.
  await redis.connect().catch((err: unknown) => log.warn({ err }, 'redis not reachable at start'));
  return redis;
}

export async function closeRedis(redis: Redis | undefined): Promise<void> {
  if (!redis) return;
  await redis.quit().catch(() => redis.disconnect());
}
