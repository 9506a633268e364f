/**
 * Bad input on the habits API: each case answers a 4xx envelope that names the field, and
 * nothing of the request is stored.
 */
import { ErrorEnvelope } from '@habitual/shared';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { fixedClock, habitsApi } from '../helpers/habits.js';
import { setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

const TODAY = '2026-03-10';

async function start() {
  const { app, database } = await setup({ deps: { clock: fixedClock('2026-03-10T12:00:00.000Z') } });
  const user = await signUp(app);
  const api = habitsApi(app, user);
  const boolean = await api.create({ name: 'Read' });
  const measurable = await api.create({
    name: 'Run',
    type: 'measurable',
    target: { value: 5, unit: 'km', direction: 'at_least' },
  });
  /** Everything stored for the user, to prove a rejected request wrote nothing. */
  const stored = async () =>
    database.rows(
      sql`select (select count(*) from habits where user_id = ${user.id})::int as habits,
                 (select count(*) from check_ins where user_id = ${user.id})::int as check_ins,
                 (select coalesce(sum(revision), 0) from habits where user_id = ${user.id})::int as revisions`,
    );
  return { app, user, api, boolean, measurable, stored };
}

function expectError(res: { statusCode: number; json(): unknown }, status: number, location: string, path: string) {
  expect(res.statusCode).toBe(status);
  const { error } = ErrorEnvelope.parse(res.json());
  expect(error.details, JSON.stringify(error)).toEqual(
    expect.arrayContaining([expect.objectContaining({ location, path })]),
  );
}

describe('habits: bad input', () => {
  it('rejects bad habit definitions, naming the field', async () => {
    const { api, stored } = await start();
    const before = await stored();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: '   ' }, 'name'],
      [{}, 'name'],
      [{ name: 'A', color: 'red' }, 'color'],
      [{ name: 'A', color: '#12345' }, 'color'],
      [{ name: 'A', frequency: { times: 4, days: 3 } }, 'frequency.times'],
      [{ name: 'A', frequency: { times: 0, days: 3 } }, 'frequency.times'],
      [{ name: 'A', frequency: { times: 1.5, days: 3 } }, 'frequency.times'],
      [{ name: 'A', frequency: { times: 1, days: 3, every: 2 } }, 'frequency'],
      [
        {
          name: 'A',
          type: 'measurable',
          frequency: { times: 2, days: 7 },
          target: { value: 5, unit: 'km', direction: 'at_least' },
        },
        'frequency.times',
      ],
      [{ name: 'A', type: 'measurable' }, 'target'],
      [{ name: 'A', target: { value: 5, unit: 'km', direction: 'at_least' } }, 'target'],
      [{ name: 'A', type: 'measurable', target: { value: -1, unit: 'km', direction: 'at_least' } }, 'target.value'],
      [{ name: 'A', type: 'measurable', target: { value: 1, unit: 'km', direction: 'about' } }, 'target.direction'],
      [{ name: 'A', type: 'habit' }, 'type'],
      [{ name: 'A', startDate: '2025-02-30' }, 'startDate'],
      [{ name: 'A', startDate: '2026-03-11' }, 'startDate'],
      [{ name: 'A', userId: 'someone-else' }, ''],
      [{ name: 'A', description: 'd'.repeat(1001) }, 'description'],
    ];
    for (const [payload, path] of cases) {
      const res = await api.send('POST', '/api/v1/habits', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      const { error } = ErrorEnvelope.parse(res.json());
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(
        error.details?.some((d) => 'path' in d && d.path === path),
        `${JSON.stringify(payload)} → ${JSON.stringify(error.details)}`,
      ).toBe(true);
    }
    expect(await stored()).toEqual(before);
  });

  it('rejects changes that do not fit the habit', async () => {
    const { api, boolean, measurable, stored } = await start();
    const before = await stored();
    expectError(
      await api.send('PATCH', `/api/v1/habits/${boolean.id}`, {
        target: { value: 1, unit: 'x', direction: 'at_least' },
      }),
      400,
      'body',
      'target',
    );
    expectError(
      await api.send('PATCH', `/api/v1/habits/${measurable.id}`, { frequency: { times: 2, days: 7 } }),
      400,
      'body',
      'frequency.times',
    );
    expectError(await api.send('PATCH', `/api/v1/habits/${boolean.id}`, { type: 'measurable' }), 400, 'body', '');
    expectError(await api.send('PATCH', `/api/v1/habits/${boolean.id}`, { archived: 'yes' }), 400, 'body', 'archived');
    expectError(await api.send('PATCH', `/api/v1/habits/not-a-uuid`, { name: 'B' }), 400, 'params', 'habitId');
    expect(await stored()).toEqual(before);
  });

  it('rejects check-ins that do not fit the habit or the calendar', async () => {
    const { api, boolean, measurable, stored } = await start();
    const before = await stored();
    const put = (id: string, date: string, payload: unknown) =>
      api.send('PUT', `/api/v1/habits/${id}/checkins/${date}`, payload);
    expectError(await put(boolean.id, '2025-02-30', { status: 'done' }), 400, 'params', 'date');
    expectError(await put(boolean.id, '2026-13-01', { status: 'done' }), 400, 'params', 'date');
    expectError(await put(boolean.id, 'yesterday', { status: 'done' }), 400, 'params', 'date');
    expectError(await put(boolean.id, '2026-03-11', { status: 'done' }), 400, 'params', 'date');
    expectError(await put(boolean.id, TODAY, { status: 'done', value: 1 }), 400, 'body', 'value');
    expectError(await put(boolean.id, TODAY, {}), 400, 'body', 'status');
    expectError(await put(boolean.id, TODAY, { status: 'finished' }), 400, 'body', 'status');
    expectError(await put(boolean.id, TODAY, { status: 'done', note: 'n'.repeat(2001) }), 400, 'body', 'note');
    expectError(await put(boolean.id, TODAY, { status: 'done', mood: 'great' }), 400, 'body', '');
    expectError(await put(measurable.id, TODAY, { status: 'done' }), 400, 'body', 'status');
    expectError(await put(measurable.id, TODAY, { status: 'missed', value: 1 }), 400, 'body', 'status');
    expectError(await put(measurable.id, TODAY, { note: 'no value' }), 400, 'body', 'value');
    expectError(await put(measurable.id, TODAY, { value: '5' }), 400, 'body', 'value');
    expect(await stored()).toEqual(before);
    // Notes of exactly 2,000 characters are fine.
    expect((await put(boolean.id, TODAY, { status: 'done', note: 'n'.repeat(2000) })).statusCode).toBe(200);
  });

  it('rejects bad ranges', async () => {
    const { api, boolean } = await start();
    for (const endpoint of ['checkins', 'calendar', 'stats']) {
      const url = `/api/v1/habits/${boolean.id}/${endpoint}`;
      expectError(await api.get(`${url}?from=2026-03-10&to=2026-03-01`), 400, 'querystring', 'from');
      expectError(await api.get(`${url}?from=2021-03-01&to=2026-03-10`), 400, 'querystring', 'to');
      expectError(await api.get(`${url}?from=2026-02-30`), 400, 'querystring', 'from');
      expectError(await api.get(`${url}?to=20260310`), 400, 'querystring', 'to');
      // Exactly five years (1,827 days) is the longest range accepted.
      expect((await api.get(`${url}?from=2021-03-10&to=2026-03-10`)).statusCode).toBe(200);
    }
    expectError(await api.get(`/api/v1/habits/${boolean.id}/streaks?limit=0`), 400, 'querystring', 'limit');
    expectError(await api.get('/api/v1/habits?archived=maybe'), 400, 'querystring', 'archived');
    expectError(await api.get('/api/v1/habits?cursor=not-a-cursor'), 400, 'querystring', 'cursor');
  });

  it('rejects bad batches whole', async () => {
    const { api, boolean, measurable, stored } = await start();
    const before = await stored();
    const item = { habitId: boolean.id, date: TODAY, status: 'done' };
    const over = Array.from({ length: 501 }, (_, i) => ({
      habitId: boolean.id,
      date: `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
      status: 'done',
    }));
    expectError(await api.send('POST', '/api/v1/checkins/batch', { checkIns: over }), 400, 'body', 'checkIns');
    expectError(await api.send('POST', '/api/v1/checkins/batch', { checkIns: [] }), 400, 'body', 'checkIns');
    expectError(
      await api.send('POST', '/api/v1/checkins/batch', { checkIns: [item, { ...item, date: '2026-03-11' }] }),
      400,
      'body',
      'checkIns.1.date',
    );
    expectError(
      await api.send('POST', '/api/v1/checkins/batch', {
        checkIns: [
          item,
          { habitId: measurable.id, date: TODAY, value: 3 },
          { habitId: boolean.id, date: '2026-03-09', value: 3 },
        ],
      }),
      400,
      'body',
      'checkIns.2.value',
    );
    expectError(
      await api.send('POST', '/api/v1/checkins/batch', { checkIns: [item, { ...item, habitId: 'nope' }] }),
      400,
      'body',
      'checkIns.1.habitId',
    );
    expectError(
      await api.send('POST', '/api/v1/checkins/batch', { checkIns: [item, { ...item, date: '2025-02-29' }] }),
      400,
      'body',
      'checkIns.1.date',
    );
    expectError(
      await api.send('POST', '/api/v1/checkins/batch', { checkIns: [item, { ...item, habitId: crypto.randomUUID() }] }),
      404,
      'body',
      'checkIns.1.habitId',
    );
    expect(await stored()).toEqual(before);
    // 500 is the most a batch takes.
    const full = Array.from({ length: 500 }, (_, i) => ({
      habitId: boolean.id,
      date: new Date(Date.UTC(2026, 2, 10) - i * 86_400_000).toISOString().slice(0, 10),
      status: 'done',
    }));
    const ok = await api.send('POST', '/api/v1/checkins/batch', { checkIns: full });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().written).toHaveLength(500);
  });
});
