/**
 * The per-key request budget of API keys: a fixed window per key, counted in this process.
 * (@fastify/rate-limit runs once per request, and its global per-address limit has already run
 * by the time the key is known, so the key's own budget is counted here.)
 */
export class KeyRateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  /** Counts one request; returns the seconds to wait when the key is over its budget, else null. */
  hit(keyId: string, max: number, windowMs: number): { remaining: number; resetSeconds: number; limited: boolean } {
    const now = this.now();
    let window = this.windows.get(keyId);
    if (!window || window.resetAt <= now) {
      if (this.windows.size > 100_000) this.prune(now);
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(keyId, window);
    }
    window.count += 1;
    const resetSeconds = Math.max(1, Math.ceil((window.resetAt - now) / 1000));
    return { remaining: Math.max(0, max - window.count), resetSeconds, limited: window.count > max };
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
