import type { Redis } from 'ioredis';

export interface WindowCount {
  /** Requests counted in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/**
 * Fixed-window request counters: in Redis when the app has a client, so every instance counts
 * together, else in this process. While Redis cannot be reached the counts fall back to this
 * process, so a limit still holds per instance rather than not at all (these limits guard
 * credentials and paid budgets, unlike the global per-address limit, which fails open).
 */
export interface RateCounter {
  hit(key: string, windowMs: number): Promise<WindowCount>;
}

// INCR and the expiry in one step: a crash between them must not leave a counter that never resets.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

export function createRateCounter(options: {
  redis?: Redis | undefined;
  /** Prepended to every Redis key, e.g. `habitual:key:`. */
  prefix: string;
  now: () => number;
  onRedisError?: (err: unknown) => void;
}): RateCounter {
  const local = new Map<string, { count: number; resetAt: number }>();
  const { redis, prefix, now } = options;

  const hitLocally = (key: string, windowMs: number): WindowCount => {
    const at = now();
    let window = local.get(key);
    if (!window || window.resetAt <= at) {
      if (local.size > 100_000) {
        for (const [k, w] of local) if (w.resetAt <= at) local.delete(k);
      }
      window = { count: 0, resetAt: at + windowMs };
      local.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetMs: window.resetAt - at };
  };

  return {
    async hit(key, windowMs) {
      if (!redis) return hitLocally(key, windowMs);
      try {
        const [count, ttl] = (await redis.eval(HIT_SCRIPT, 1, `${prefix}${key}`, String(windowMs))) as [number, number];
        return { count: Number(count), resetMs: Number(ttl) };
      } catch (err) {
        options.onRedisError?.(err);
        return hitLocally(key, windowMs);
      }
    },
  };
}
