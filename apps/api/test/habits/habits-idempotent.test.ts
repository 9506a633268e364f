/**
 * Idempotent means identical: writing what is already stored changes nothing — the same body,
 * the same `updatedAt`, no revision bump (so no cached history is dropped), on PostgreSQL with
 * real concurrency (a pool of several connections) and on the embedded database.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { sql } from '../../src/platform/db/client.js';
import { fixedClock, habitsApi } from '../helpers/habits.js';
import { openTestDatabase, setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

const TODAY = '2026-03-10';
let statements = 0;
let database: DatabaseHandle;

afterAll(async () => {
  await database?.close();
});

async function start() {
  database ??= await openTestDatabase({ onQuery: () => statements++ });
  const { app } = await setup({ database, deps: { clock: fixedClock(`${TODAY}T12:00:00.000Z`) } });
  const user = await signUp(app);
  return { app, api: habitsApi(app, user), user };
}

async function revisionOf(habitId: string): Promise<number> {
  const [row] = await database.rows<{ revision: number }>(sql`select revision from habits where id = ${habitId}`);
  return Number(row?.revision);
}

async function rowCount(habitId: string, date: string): Promise<number> {
  const [row] = await database.rows<{ n: number }>(
    sql`select count(*)::int as n from check_ins where habit_id = ${habitId} and date = ${date}`,
  );
  return Number(row?.n);
}

describe('idempotent check-in writes', () => {
  it('the same PUT sent 10 times at once stores one row, answers 10 identical bodies, bumps the revision once', async () => {
    const { api } = await start();
    const habit = await api.create({ name: 'Read' });
    const before = await revisionOf(habit.id);
    const url = `/api/v1/habits/${habit.id}/checkins/${TODAY}`;
    const body = { status: 'done', note: 'before breakfast' };

    const responses = await Promise.all(Array.from({ length: 10 }, () => api.send('PUT', url, body)));
    for (const res of responses) expect(res.statusCode, res.body).toBe(200);
    const bodies = new Set(responses.map((res) => res.body));
    expect(bodies.size).toBe(1);
    expect(await rowCount(habit.id, TODAY)).toBe(1);
    expect(await revisionOf(habit.id)).toBe(before + 1);
    expect(responses[0]?.json().checkIn).toMatchObject({ date: TODAY, status: 'done', note: 'before breakfast' });
  });

  it('10 concurrent PUTs replacing a different stored entry change it once', async () => {
    const { api } = await start();
    const habit = await api.create({ name: 'Stretch' });
    const url = `/api/v1/habits/${habit.id}/checkins/${TODAY}`;
    const first = await api.send('PUT', url, { status: 'missed' });
    expect(first.statusCode, first.body).toBe(200);
    const before = await revisionOf(habit.id);

    const responses = await Promise.all(Array.from({ length: 10 }, () => api.send('PUT', url, { status: 'done' })));
    for (const res of responses) expect(res.statusCode, res.body).toBe(200);
    expect(new Set(responses.map((res) => res.body)).size).toBe(1);
    expect(responses[0]?.json().checkIn.status).toBe('done');
    expect(await rowCount(habit.id, TODAY)).toBe(1);
    expect(await revisionOf(habit.id)).toBe(before + 1);
  });

  it('a PUT replayed later keeps updatedAt, the revision and the cached history; a different one changes them', async () => {
    const { api } = await start();
    const habit = await api.create({
      name: 'Run',
      type: 'measurable',
      target: { value: 5, unit: 'km', direction: 'at_least' },
    });
    const url = `/api/v1/habits/${habit.id}/checkins/2026-03-09`;
    const first = await api.send('PUT', url, { value: 7.5 });
    expect(first.statusCode, first.body).toBe(200);
    const revision = await revisionOf(habit.id);
    expect((await api.get('/api/v1/today')).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const replay = await api.send('PUT', url, { value: 7.5 });
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.body).toBe(first.body);
    expect(await revisionOf(habit.id)).toBe(revision);
    // The history cached by /today is still current: the home screen is one statement again.
    const counted = statements;
    expect((await api.get('/api/v1/today')).statusCode).toBe(200);
    expect(statements - counted).toBe(1);

    const changed = await api.send('PUT', url, { value: 8 });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().checkIn.value).toBe(8);
    expect(changed.json().checkIn.updatedAt > first.json().checkIn.updatedAt).toBe(true);
    expect(await revisionOf(habit.id)).toBe(revision + 1);
  });

  it('a note cleared to null is a change; the same null again is not', async () => {
    const { api } = await start();
    const habit = await api.create({ name: 'Journal' });
    const url = `/api/v1/habits/${habit.id}/checkins/${TODAY}`;
    expect((await api.send('PUT', url, { status: 'done', note: 'x' })).statusCode).toBe(200);
    const revision = await revisionOf(habit.id);
    const cleared = await api.send('PUT', url, { status: 'done' });
    expect(cleared.json().checkIn.note).toBeNull();
    expect(await revisionOf(habit.id)).toBe(revision + 1);
    const again = await api.send('PUT', url, { status: 'done' });
    expect(again.body).toBe(cleared.body);
    expect(await revisionOf(habit.id)).toBe(revision + 1);
  });

  it('a batch that changes nothing bumps no revision and answers the stored rows', async () => {
    const { api } = await start();
    const read = await api.create({ name: 'Read' });
    const walk = await api.create({ name: 'Walk' });
    const batch = {
      checkIns: [
        { habitId: read.id, date: '2026-03-08', status: 'done' },
        { habitId: read.id, date: '2026-03-09', status: 'skipped', note: 'travel' },
        { habitId: walk.id, date: TODAY, status: 'done' },
        { habitId: walk.id, date: '2026-03-01', delete: true },
      ],
    };
    const first = await api.send('POST', '/api/v1/checkins/batch', batch);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().written).toHaveLength(3);
    // Nothing stored on 2026-03-01, so nothing was deleted.
    expect(first.json().deleted).toEqual([]);
    const revisions = [await revisionOf(read.id), await revisionOf(walk.id)];

    const again = await api.send('POST', '/api/v1/checkins/batch', batch);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.body).toBe(first.body);
    expect([await revisionOf(read.id), await revisionOf(walk.id)]).toEqual(revisions);

    // One real change among equal entries bumps only its own habit.
    const mixed = await api.send('POST', '/api/v1/checkins/batch', {
      checkIns: [...batch.checkIns.slice(0, 2), { habitId: walk.id, date: TODAY, status: 'missed' }],
    });
    expect(mixed.statusCode, mixed.body).toBe(200);
    expect(mixed.json().written.map((c: { status: string }) => c.status)).toEqual(['done', 'skipped', 'missed']);
    expect([await revisionOf(read.id), await revisionOf(walk.id)]).toEqual([revisions[0], (revisions[1] ?? 0) + 1]);
  });

  it('deleting a day that has no entry bumps no revision', async () => {
    const { api } = await start();
    const habit = await api.create({ name: 'Floss' });
    const revision = await revisionOf(habit.id);
    const res = await api.send('DELETE', `/api/v1/habits/${habit.id}/checkins/${TODAY}`);
    expect(res.statusCode).toBe(204);
    expect(await revisionOf(habit.id)).toBe(revision);
  });
});
