import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openPostgres } from '../../src/platform/db/client.js';
import { mailOutbox } from '../../src/platform/mail/schema.js';
import { databaseKind, openTestDatabase, testDatabase } from '../helpers/setup.js';
import { eventually, stopAllJobs, testJobs } from './helpers.js';

afterAll(stopAllJobs);

/** A queue name of its own per test, so tests sharing the database never see each other's jobs. */
const queueName = (tag: string) => `test:${tag}-${randomUUID().slice(0, 8)}`;

describe(`job queue on ${databaseKind}`, () => {
  it('runs a job once; a second send with the same singleton key is a no-op', async () => {
    const jobs = testJobs(await testDatabase());
    const name = queueName('once');
    const seen: number[] = [];
    await jobs.work<{ n: number }>(name, async (data) => {
      seen.push(data.n);
    });
    await jobs.start();
    await jobs.send(name, { n: 1 }, { singletonKey: 'k' });
    await jobs.send(name, { n: 2 }, { singletonKey: 'k' });
    await jobs.send(name, { n: 3 });
    await eventually(() => seen.length >= 2, 'both jobs');
    // Let any duplicate show up: wait until the queue reports nothing ready or active.
    await eventually(async () => {
      const q = (await jobs.counts()).find((c) => c.name === name);
      return !q || q.ready + q.active === 0;
    }, 'an empty queue');
    expect(seen.sort()).toEqual([1, 3]);
  });

  it('a job sent in a transaction exists only if the transaction commits', async () => {
    const database = await testDatabase();
    const jobs = testJobs(database);
    const name = queueName('tx');
    const seen: string[] = [];
    await jobs.work<{ tag: string }>(name, async (data) => {
      seen.push(data.tag);
    });
    await jobs.start();
    await database.db.transaction(async (tx) => {
      await jobs.sendInTransaction(tx, name, { tag: 'committed' });
    });
    await expect(
      database.db.transaction(async (tx) => {
        await jobs.sendInTransaction(tx, name, { tag: 'rolled-back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await database.db.transaction(async (tx) => {
      await jobs.sendInTransaction(tx, name, { tag: 'last' });
    });
    await eventually(() => seen.includes('last') && seen.includes('committed'), 'the committed jobs');
    expect(seen).not.toContain('rolled-back');
  });

  it('retries a failing job with growing delays, then lists it as failed; a retry runs it again', async () => {
    const jobs = testJobs(await testDatabase(), { retry: { limit: 2, delaySeconds: 1, maxDelaySeconds: 4 } });
    const name = queueName('fail');
    const attempts: number[] = [];
    let healthy = false;
    await jobs.work<{ n: number }>(name, async () => {
      attempts.push(Date.now());
      if (!healthy) throw new Error('downstream is down');
    });
    await jobs.start();
    await jobs.send(name, { n: 1 });
    const failed = await eventually(
      async () => (await jobs.listFailed({ queue: name })).at(0),
      'the job to fail for good',
    );
    // retryLimit 2: the first attempt and two retries.
    expect(attempts).toHaveLength(3);
    expect(failed.attempts).toBe(3);
    expect(failed.data).toEqual({ n: 1 });
    expect((failed.error as { message?: string }).message).toBe('downstream is down');
    // Backoff: retry n waits retryDelay * 2^n / 2 at least (plus jitter up to as much again).
    const [a = 0, b = 0, c = 0] = attempts;
    expect(b - a).toBeGreaterThanOrEqual(1_000 - 50);
    expect(c - b).toBeGreaterThanOrEqual(2_000 - 50);

    healthy = true;
    expect(await jobs.retryFailed(name)).toBe(1);
    await eventually(() => attempts.length === 4, 'the retried attempt');
    await eventually(async () => (await jobs.listFailed({ queue: name })).length === 0, 'an empty failed list');
  });

  it('two job systems on one database: each job is done exactly once', async () => {
    const url = inject('databaseUrl');
    // PostgreSQL: two pools, as two API instances would have. PGlite is one process's database, so
    // the two job systems share its handle there.
    const first = await testDatabase();
    const second = url ? openPostgres({ url, poolMax: 4 }) : first;
    const a = testJobs(first, { instanceName: 'a' });
    const b = testJobs(second, { instanceName: 'b' });
    const name = queueName('two');
    const runs = new Map<number, string[]>();
    const handler = (who: string) => async (data: { n: number }) => {
      runs.set(data.n, [...(runs.get(data.n) ?? []), who]);
      await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await a.work(name, handler('a'), { concurrency: 2 });
    await b.work(name, handler('b'), { concurrency: 2 });
    await Promise.all([a.start(), b.start()]);
    const count = 60;
    for (let n = 0; n < count; n++) await (n % 2 ? a : b).send(name, { n });
    await eventually(() => runs.size === count, `all ${count} jobs`);
    await eventually(async () => {
      const q = (await a.counts()).find((c) => c.name === name);
      return !q || q.ready + q.active === 0;
    }, 'an empty queue');
    expect([...runs.values()].every((who) => who.length === 1)).toBe(true);
    if (url) {
      await Promise.all([a.stop(1_000), b.stop(1_000)]);
      await second.close();
    }
  });

  it('a job running when its worker stops gracefully finishes within the deadline and is not run again', async () => {
    const database = await testDatabase();
    const name = queueName('graceful');
    const jobs = testJobs(database);
    let release!: () => void;
    const finishing = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runs: string[] = [];
    await jobs.work<{ n: number }>(name, async () => {
      runs.push('started');
      await finishing;
      runs.push('finished');
    });
    await jobs.start();
    await jobs.send(name, { n: 1 });
    await eventually(() => runs.length === 1, 'the job to start');
    const stopping = jobs.stop(30_000);
    release();
    await stopping;
    expect(runs).toEqual(['started', 'finished']);
    const left = (await testJobs(database, { workers: false }).counts()).find((c) => c.name === name);
    expect(left ?? { ready: 0, deferred: 0, active: 0, failed: 0, name }).toMatchObject({
      ready: 0,
      deferred: 0,
      active: 0,
      failed: 0,
    });
  });

  it('a job running when its worker stops is returned to the queue and done by the next one', async () => {
    const database = await testDatabase();
    const name = queueName('restart');
    const before = testJobs(database, { instanceName: 'before' });
    let startedBefore = 0;
    await before.work<{ n: number }>(name, async () => {
      startedBefore++;
      await new Promise(() => {}); // never finishes: the process "dies" in the middle
    });
    await before.start();
    await before.send(name, { n: 7 });
    await eventually(() => startedBefore === 1, 'the first worker to take the job');
    await before.stop(1_000);

    const after = testJobs(database, { instanceName: 'after' });
    const done: number[] = [];
    await after.work<{ n: number }>(name, async (data) => {
      done.push(data.n);
    });
    await after.start();
    await eventually(() => done.length === 1, 'the job to be done after the restart');
    expect(done).toEqual([7]);
    expect(startedBefore).toBe(1);
  });
});

describe(`pg-boss's statements on ${databaseKind}`, () => {
  it('runs BEGIN ... COMMIT blocks with an advisory lock atomically next to our own transactions', async () => {
    const database = await openTestDatabase();
    try {
      const key = `lock-${randomUUID()}`;
      const block = (n: number) =>
        database.executeSql(
          `BEGIN; SELECT pg_advisory_xact_lock(hashtext('${key}')); INSERT INTO mail_outbox (kind, "to", subject, text, dedupe_key) VALUES ('t', 'x@example.com', 's', 't', '${key}-${n}'); SELECT ${n} AS n; COMMIT;`,
        );
      const ours = (n: number) =>
        database.db.transaction(async (tx) => {
          await tx
            .insert(mailOutbox)
            .values({ kind: 't', to: 'y@example.com', subject: 's', text: 't', dedupeKey: `${key}-tx-${n}` });
        });
      const results = await Promise.all([
        ...Array.from({ length: 10 }, (_, n) => block(n)),
        ...Array.from({ length: 5 }, (_, n) => ours(n)),
      ]);
      expect(results.slice(0, 10).map((r) => r?.rows.at(-1)?.n)).toEqual(Array.from({ length: 10 }, (_, n) => n));
      // A block that fails in the middle leaves nothing behind and does not poison the session.
      await expect(
        database.executeSql(
          `BEGIN; INSERT INTO mail_outbox (kind, "to", subject, text, dedupe_key) VALUES ('t', 'x', 's', 't', '${key}-bad'); SELECT 1/0; COMMIT;`,
        ),
      ).rejects.toThrow();
      const { rows } = await database.executeSql(
        'SELECT count(*)::int AS n FROM mail_outbox WHERE dedupe_key LIKE $1',
        [`${key}-%`],
      );
      expect(rows[0]?.n).toBe(15);
    } finally {
      await database.close();
    }
  });
});
