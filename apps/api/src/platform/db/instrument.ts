import type { PGlite, Transaction } from '@electric-sql/pglite';
import type postgres from 'postgres';

/** Called once per statement with its duration (queueing for a connection included) and its error. */
export type QueryObserver = (seconds: number, error: unknown) => void;

/** What the pool is doing, as far as the counts of the wrapper below can tell. */
export interface PoolState {
  size: number;
  inUse: number;
  idle: number;
  /** Work that wants a connection while every one is taken (queued, or pipelined behind another). */
  waiting: number;
}

/**
 * Counts what the API sends to the database. Neither postgres.js nor PGlite exposes its queues,
 * so the pool state is derived from statements in flight and open transactions (a transaction
 * holds its connection from BEGIN to COMMIT).
 */
export class DatabaseStats {
  readonly poolSize: number;
  inFlight = 0;
  inFlightInTransactions = 0;
  transactions = 0;
  /** Set by the metrics plugin; null while nobody listens (the counts above are kept anyway). */
  observer: QueryObserver | null = null;

  constructor(poolSize: number) {
    this.poolSize = poolSize;
  }

  pool(): PoolState {
    const demand = this.inFlight - this.inFlightInTransactions + this.transactions;
    const inUse = Math.min(this.poolSize, demand);
    return { size: this.poolSize, inUse, idle: this.poolSize - inUse, waiting: Math.max(0, demand - this.poolSize) };
  }

  /** Tracks one statement; returns the same promise. */
  track<T extends PromiseLike<unknown>>(query: T, inTransaction: boolean): T {
    const started = performance.now();
    this.inFlight++;
    if (inTransaction) this.inFlightInTransactions++;
    const settle = (error: unknown) => {
      this.inFlight--;
      if (inTransaction) this.inFlightInTransactions--;
      this.observer?.((performance.now() - started) / 1000, error);
    };
    query.then(
      () => settle(null),
      (error: unknown) => settle(error ?? new Error('query failed')),
    );
    return query;
  }

  /** Counts one transaction while `run` holds it. */
  async transaction<T>(run: () => Promise<T>): Promise<T> {
    this.transactions++;
    try {
      return await run();
    } finally {
      this.transactions--;
    }
  }
}

/** A view of `target` with some members replaced; the rest are bound to the target (PGlite has private fields). */
function overlay<T extends object>(target: T, overrides: Record<PropertyKey, unknown>): T {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property];
      const value = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      let fn = bound.get(property);
      if (!fn) {
        fn = (value as (...args: unknown[]) => unknown).bind(object);
        bound.set(property, fn);
      }
      return fn;
    },
  });
}

/**
 * The postgres.js client as Drizzle uses it (`unsafe`, `begin`, `savepoint`), timing every
 * statement. postgres.js starts a query one microtask after it is first awaited, after Drizzle
 * has chosen its result mode (`.values()`), so observing it here changes nothing.
 */
export function instrumentPostgres(client: postgres.Sql, stats: DatabaseStats, inTransaction = false): postgres.Sql {
  type Unsafe = (...args: unknown[]) => PromiseLike<unknown>;
  type Scoped = (...args: unknown[]) => Promise<unknown>;
  const unsafe = client.unsafe as unknown as Unsafe;
  const overrides: Record<string, unknown> = {
    unsafe: (...args: unknown[]) => stats.track(unsafe(...args), inTransaction),
  };
  const wrapScope = (method: Scoped) => {
    return (...args: unknown[]) => {
      const fn = args.pop() as (sql: postgres.Sql) => unknown;
      const scoped = (sql: postgres.Sql) => fn(instrumentPostgres(sql, stats, true));
      return inTransaction ? method(...args, scoped) : stats.transaction(() => method(...args, scoped));
    };
  };
  if (typeof client.begin === 'function') overrides.begin = wrapScope(client.begin as unknown as Scoped);
  const savepoint = (client as unknown as { savepoint?: Scoped }).savepoint;
  if (typeof savepoint === 'function') overrides.savepoint = wrapScope(savepoint);
  return overlay(client, overrides);
}

/**
 * Starts at most one statement per event-loop turn. PGlite runs a statement synchronously on the
 * main thread and hands its lock to the next waiting statement inside the same microtask queue,
 * so without this one turn of the loop runs every queued statement (about 100 ms at 50
 * connections). Since libuv 1.45 (Node 20) a listening socket accepts one connection per turn,
 * so a burst of new connections waited turns × that long (seconds) before being read at all.
 * Started from the check phase, each statement gets its own turn, and sockets are read and
 * connections accepted between statements. It never waits for a statement to finish, so it
 * cannot deadlock with PGlite's own transaction lock.
 */
export function oneStatementPerTurn(): <T>(start: () => Promise<T>) => Promise<T> {
  const queue: Array<() => void> = [];
  let scheduled = false;
  const pump = () => {
    queue.shift()?.();
    if (queue.length > 0) setImmediate(pump);
    else scheduled = false;
  };
  return <T>(start: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => start().then(resolve, reject));
      if (!scheduled) {
        scheduled = true;
        setImmediate(pump);
      }
    });
}

/** PGlite as Drizzle uses it (`query`, `transaction`, and `query` inside a transaction). */
export function instrumentPglite(client: PGlite, stats: DatabaseStats): PGlite {
  const gate = oneStatementPerTurn();
  const wrapTransaction = (tx: Transaction): Transaction =>
    overlay(tx, {
      query: (...args: Parameters<Transaction['query']>) =>
        stats.track(
          gate(() => tx.query(...args)),
          true,
        ),
    });
  return overlay(client, {
    query: (...args: Parameters<PGlite['query']>) =>
      stats.track(
        gate(() => client.query(...args)),
        false,
      ),
    transaction: <T>(fn: (tx: Transaction) => Promise<T>) =>
      stats.transaction(() => client.transaction((tx) => fn(wrapTransaction(tx)))),
  });
}
