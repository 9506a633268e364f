/** The reminders routes: shapes, validation naming the field, owner scoping, push subscriptions. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { FakePushService } from '../helpers/fake-push.js';
import { habitsApi } from '../helpers/habits.js';
import { setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';
import { reminderApp, reminderDatabase, reminderUser } from './context.js';

let push: FakePushService;
let database: DatabaseHandle;
let dispose: () => Promise<void>;
beforeAll(async () => {
  push = await FakePushService.start();
  ({ database, dispose } = await reminderDatabase());
});
afterAll(async () => {
  await push.close();
  await dispose();
});

const weekdays = [1, 2, 3, 4, 5];

describe('GET/PUT /habits/{habitId}/reminders', () => {
  it('stores the reminders in time order with their next fire, and replaces them', async () => {
    // Monday 15 June 2026, 10:00 in Berlin (08:00Z).
    const { app } = await reminderApp(database, '2026-06-15T08:00:00.000Z');
    const u = await reminderUser(app, push, { timezone: 'Europe/Berlin' });
    const habit = await u.api.create({ name: 'Gym' });

    const put = await u.setReminders(habit.id, [
      { time: '21:30', weekdays: [6, 7], channels: ['push', 'email'] },
      { time: '08:00', weekdays, onlyIfNotDone: false, channels: ['push'] },
    ]);
    expect(put.reminders).toEqual([
      // 08:00 today has passed: Tuesday 16 June 08:00 CEST.
      {
        time: '08:00',
        weekdays,
        onlyIfNotDone: false,
        channels: ['push'],
        nextFireAt: '2026-06-16T06:00:00.000Z',
        nextFireDay: '2026-06-16',
      },
      // Saturday 20 June 21:30 CEST; onlyIfNotDone defaults to true.
      {
        time: '21:30',
        weekdays: [6, 7],
        onlyIfNotDone: true,
        channels: ['push', 'email'],
        nextFireAt: '2026-06-20T19:30:00.000Z',
        nextFireDay: '2026-06-20',
      },
    ]);
    const got = await u.api.get(`/api/v1/habits/${habit.id}/reminders`);
    expect(got.json()).toEqual(put);

    const cleared = await u.setReminders(habit.id, []);
    expect(cleared.reminders).toEqual([]);
  });

  it('names the field of every invalid reminder', async () => {
    const { app } = await reminderApp(database, '2026-06-15T08:00:00.000Z');
    const user = await signUp(app);
    const api = habitsApi(app, user);
    const habit = await api.create({ name: 'Gym' });
    const url = `/api/v1/habits/${habit.id}/reminders`;
    const bad: Array<[unknown, string]> = [
      [{ reminders: [{ time: '24:00', weekdays, channels: ['push'] }] }, 'reminders.0.time'],
      [{ reminders: [{ time: '8:00', weekdays, channels: ['push'] }] }, 'reminders.0.time'],
      [{ reminders: [{ time: '08:00', weekdays: [0], channels: ['push'] }] }, 'reminders.0.weekdays.0'],
      [{ reminders: [{ time: '08:00', weekdays: [], channels: ['push'] }] }, 'reminders.0.weekdays'],
      [{ reminders: [{ time: '08:00', weekdays: [1, 1], channels: ['push'] }] }, 'reminders.0.weekdays'],
      [{ reminders: [{ time: '08:00', weekdays, channels: ['sms'] }] }, 'reminders.0.channels.0'],
      [{ reminders: [{ time: '08:00', weekdays, channels: [] }] }, 'reminders.0.channels'],
      [{ reminders: [{ time: '08:00', weekdays, channels: ['push'], extra: 1 }] }, 'reminders.0'],
      [
        {
          reminders: [
            { time: '08:00', weekdays, channels: ['push'] },
            { time: '08:00', weekdays: [6], channels: ['push'] },
          ],
        },
        'reminders',
      ],
      [
        {
          reminders: Array.from({ length: 11 }, (_, i) => ({
            time: `0${i % 10}:1${i % 10}`,
            weekdays,
            channels: ['push'],
          })),
        },
        'reminders',
      ],
    ];
    for (const [payload, path] of bad) {
      const res = await api.send('PUT', url, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      const details = res.json().error.details as Array<{ path: string }>;
      expect(details.map((d) => d.path)).toContain(path);
    }
  });

  it("another user's habit is 404, and no session is 401", async () => {
    const { app } = await reminderApp(database, '2026-06-15T08:00:00.000Z');
    const owner = habitsApi(app, await signUp(app));
    const habit = await owner.create({ name: 'Private' });
    const other = habitsApi(app, await signUp(app));
    expect((await other.get(`/api/v1/habits/${habit.id}/reminders`)).statusCode).toBe(404);
    const put = await other.send('PUT', `/api/v1/habits/${habit.id}/reminders`, { reminders: [] });
    expect(put.statusCode).toBe(404);
    const snooze = await other.send('POST', `/api/v1/habits/${habit.id}/reminders/snooze`, { minutes: 5 });
    expect(snooze.statusCode).toBe(404);
    const anonymous = await app.inject({ method: 'GET', url: `/api/v1/habits/${habit.id}/reminders` });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('push subscriptions', () => {
  it('serves the VAPID key, stores and removes a subscription', async () => {
    const { app } = await reminderApp(database, '2026-06-15T08:00:00.000Z');
    const api = habitsApi(app, await signUp(app));
    const key = await api.get('/api/v1/me/push/vapid-public-key');
    expect(key.statusCode).toBe(200);
    expect(key.json().publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);

    const sub = push.subscription();
    const created = await api.send('POST', '/api/v1/me/push-subscriptions', sub);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().endpoint).toBe(sub.endpoint);
    // Sending it again (the browser re-subscribes on every start) is fine.
    expect((await api.send('POST', '/api/v1/me/push-subscriptions', sub)).statusCode).toBe(201);
    expect((await api.send('DELETE', '/api/v1/me/push-subscriptions', { endpoint: sub.endpoint })).statusCode).toBe(
      204,
    );
    expect((await api.send('DELETE', '/api/v1/me/push-subscriptions', { endpoint: sub.endpoint })).statusCode).toBe(
      404,
    );
  });

  it('refuses endpoints that are not https on a public host, naming body.endpoint', async () => {
    const { app } = await reminderApp(database, '2026-06-15T08:00:00.000Z');
    const api = habitsApi(app, await signUp(app));
    const keys = push.subscription().keys;
    for (const endpoint of [
      'http://push.example.com/x',
      'https://10.0.0.8/push',
      'https://169.254.169.254/latest/meta-data',
      'https://[::ffff:192.168.1.1]/x',
      'https://intranet/x',
      'not a url',
    ]) {
      const res = await api.send('POST', '/api/v1/me/push-subscriptions', { endpoint, keys });
      expect(res.statusCode, endpoint).toBe(400);
      expect(res.json().error.details[0]).toMatchObject({ path: 'endpoint' });
    }
  });

  it('without VAPID keys the push routes answer 503 and reminders still work', async () => {
    const { app } = await setup({ database });
    const api = habitsApi(app, await signUp(app));
    const key = await api.get('/api/v1/me/push/vapid-public-key');
    expect(key.statusCode).toBe(503);
    expect(key.json().error.code).toBe('SERVICE_UNAVAILABLE');
    const sub = await api.send('POST', '/api/v1/me/push-subscriptions', push.subscription());
    expect(sub.statusCode).toBe(503);
    const loopback = await api.send('POST', '/api/v1/me/push-subscriptions', { endpoint: 'x', keys: {} });
    expect(loopback.statusCode).toBe(400);
  });
});
