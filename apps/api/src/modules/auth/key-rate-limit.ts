import type { RateCounter } from '../../platform/rate-counter.js';

export interface KeyBudget {
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetSeconds: number;
  limited: boolean;
}

/**
 * The per-key request budget of API keys: a fixed window per key, counted where the app's
 * RateCounter counts (Redis when REDIS_URL is set, so every instance shares one budget per key).
 * (@fastify/rate-limit runs once per request, and its global per-address limit has already run
 * by the time the key is known, so the key's own budget is counted here.)
 */
export class KeyRateLimiter {
  private readonly counter: RateCounter;

  constructor(counter: RateCounter) {
    this.counter = counter;
  }

  async hit(keyId: string, max: number, windowMs: number): Promise<KeyBudget> {
    const { count, resetMs } = await this.counter.hit(keyId, windowMs);
    return {
      limit: max,
      remaining: Math.max(0, max - count),
      resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
      limited: count > max,
    };
  }
}
