/**
 * No endpoint's number of SQL statements grows with the number of habits or check-ins: the
 * same requests for a user with 1 habit and for a user with 50 habits (each with history) send
 * the same number of statements, with a cold cache and with a warm one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { fixedClock, habitsApi } from '../helpers/habits.js';
import { openTestDatabase, setup } from '../helpers/setup.js';
import { signUp, type TestUser } from '../helpers/users.js';

const TODAY = '2026-03-10';
const DAYS = ['2026-03-01', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-08', '2026-03-09'];

let statements = 0;
let database: DatabaseHandle;

afterAll(async () => {
  await database?.close();
});

async function seed(app: App, habitCount: number) {
  const user = await signUp(app);
  const api = habitsApi(app, user);
  const ids: string[] = [];
  for (let i = 0; i < habitCount; i++) {
    const measurable = i % 3 === 2;
    const habit = await api.create({
      name: `Habit ${i}`,
      frequency: { times: measurable ? 1 : (i % 3) + 1, days: measurable ? 7 : 7 },
      ...(measurable ? { type: 'measurable', target: { value: 10, unit: 'km', direction: 'at_least' } } : {}),
    });
    ids.push(habit.id);
  }
  const checkIns = ids.flatMap((habitId, i) =>
    DAYS.map((date) => (i % 3 === 2 ? { habitId, date, value: 3 } : { habitId, date, status: 'done' })),
  );
  const res = await api.send('POST', '/api/v1/checkins/batch', { checkIns });
  expect(res.statusCode, res.body).toBe(200);
  return { user, ids };
}

/** The statements each request of a fixed script sends, for one user. */
async function script(app: App, user: TestUser, ids: string[]) {
  const api = habitsApi(app, user);
  const first = ids[0] as string;
  const counts: Record<string, number> = {};
  const measure = async (name: string, call: () => Promise<{ statusCode: number; body: string }>, status = 200) => {
    const before = statements;
    const res = await call();
    expect(res.statusCode, `${name}: ${res.body}`).toBe(status);
    counts[name] = statements - before;
  };
  await measure('GET /today (cold)', () => api.get('/api/v1/today'));
  await measure('GET /today (warm)', () => api.get('/api/v1/today'));
  await measure('GET /habits', () => api.get('/api/v1/habits?limit=100'));
  await measure('GET /habits/{id}', () => api.get(`/api/v1/habits/${first}`));
  await measure('GET calendar', () => api.get(`/api/v1/habits/${first}/calendar?from=2025-03-10&to=${TODAY}`));
  await measure('GET streaks', () => api.get(`/api/v1/habits/${first}/streaks`));
  await measure('GET stats', () => api.get(`/api/v1/habits/${first}/stats`));
  await measure('GET checkins', () => api.get(`/api/v1/habits/${first}/checkins`));
  await measure('PUT checkin', () => api.send('PUT', `/api/v1/habits/${first}/checkins/${TODAY}`, { status: 'done' }));
  await measure('GET /today (after a write)', () => api.get('/api/v1/today'));
  await measure('DELETE checkin', () => api.send('DELETE', `/api/v1/habits/${first}/checkins/${TODAY}`), 204);
  await measure('PATCH habit', () => api.send('PATCH', `/api/v1/habits/${first}`, { name: 'Renamed' }));
  await measure('POST batch (every habit)', () =>
    api.send('POST', '/api/v1/checkins/batch', {
      checkIns: ids.flatMap((habitId, i) => [
        i % 3 === 2 ? { habitId, date: TODAY, value: 4 } : { habitId, date: TODAY, status: 'skipped' },
        { habitId, date: '2026-03-01', delete: true },
      ]),
    }),
  );
  let created = '';
  await measure(
    'POST /habits',
    async () => {
      const res = await api.send('POST', '/api/v1/habits', { name: 'One more' });
      created = res.json().id;
      return res;
    },
    201,
  );
  await measure('PUT order (every habit)', () =>
    api.send('PUT', '/api/v1/habits/order', { habitIds: [created, ...ids] }),
  );
  await measure('GET /me/export', () => api.get('/api/v1/me/export'));
  await measure('DELETE habit', () => api.send('DELETE', `/api/v1/habits/${first}`), 204);
  return counts;
}

describe('statements per request', () => {
  for (const cache of ['2000', '0']) {
    it(`do not grow with habits or check-ins (HABIT_CACHE_SIZE=${cache})`, async () => {
      database ??= await openTestDatabase({ onQuery: () => statements++ });
      const clock = fixedClock('2026-03-10T12:00:00.000Z');
      const env = { HABIT_CACHE_SIZE: cache };
      const seeding = await setup({ database, env, deps: { clock } });
      const one = await seed(seeding.app, 1);
      const fifty = await seed(seeding.app, 50);
      // Fresh apps: cold caches (habits and credentials) for both users.
      const forOne = await script((await setup({ database, env, deps: { clock } })).app, one.user, one.ids);
      const forFifty = await script((await setup({ database, env, deps: { clock } })).app, fifty.user, fifty.ids);
      expect(forFifty).toEqual(forOne);
      // The home screen, once the credential and the histories are cached, is one statement.
      if (cache !== '0') expect(forOne['GET /today (warm)']).toBe(1);
      // A check-in is the habit lookup and one write; a whole batch the ownership read and one write.
      if (cache !== '0') expect(forOne['PUT checkin']).toBe(2);
      expect(forOne['POST batch (every habit)']).toBe(2);
    });
  }
});
