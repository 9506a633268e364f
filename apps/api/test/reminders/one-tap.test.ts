/** The one-tap link of a reminder checks its own habit in for its own day, once, without a session. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { FakePushService } from '../helpers/fake-push.js';
import { clearReminders, pushData, reminderApp, reminderDatabase, reminderUser, tickAt } from './context.js';

let push: FakePushService;
let database: DatabaseHandle;
let dispose: () => Promise<void>;
beforeAll(async () => {
  push = await FakePushService.start();
  ({ database, dispose } = await reminderDatabase());
});
beforeEach(async () => {
  await clearReminders(database);
});
afterAll(async () => {
  await push.close();
  await dispose();
});

const everyDay = { weekdays: [1, 2, 3, 4, 5, 6, 7], onlyIfNotDone: true, channels: ['push'] };

describe('one-tap check-in', () => {
  it('works once, only for its own habit and day, without a session', async () => {
    // Berlin, Monday 15 June 2026, 20:00 CEST = 18:00Z.
    const { app, clock } = await reminderApp(database, '2026-06-15T12:00:00.000Z');
    const u = await reminderUser(app, push, { timezone: 'Europe/Berlin' });
    const gym = await u.api.create({ name: 'Gym' });
    const read = await u.api.create({ name: 'Read' });
    await u.setReminders(gym.id, [{ time: '20:00', ...everyDay }]);
    await tickAt(app, clock, '2026-06-15T18:00:00.000Z');
    const [received] = push.to(u.subscription);
    const data = pushData(received?.payload ?? null);
    expect(data).toMatchObject({ habitId: gym.id, day: '2026-06-15' });
    const token = data.oneTapToken as string;
    expect(typeof token).toBe('string');

    // The next morning (still within 36 h), from a lock screen: no cookie, no bearer.
    clock.set('2026-06-16T06:00:00.000Z');
    const tap = () => app.inject({ method: 'POST', url: '/api/v1/check-ins/one-tap', payload: { token } });
    const first = await tap();
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ habitId: gym.id, date: '2026-06-15', status: 'done' });

    const second = await tap();
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('CONFLICT');

    // Only Gym on 15 June was written: not Read, not 16 June.
    const gymDays = (await u.api.get(`/api/v1/habits/${gym.id}/checkins?from=2026-06-14&to=2026-06-16`)).json();
    expect(gymDays.data.map((c: { date: string }) => c.date)).toEqual(['2026-06-15']);
    const readDays = (await u.api.get(`/api/v1/habits/${read.id}/checkins?from=2026-06-14&to=2026-06-16`)).json();
    expect(readDays.data).toEqual([]);

    // Pointing the token at another habit breaks its signature.
    const [payload, signature] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = `${Buffer.from(JSON.stringify({ ...claims, h: read.id, i: 'other' })).toString('base64url')}.${signature}`;
    const refused = await app.inject({ method: 'POST', url: '/api/v1/check-ins/one-tap', payload: { token: forged } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details[0]).toMatchObject({ path: 'token', code: 'signature' });
  });

  it('a link past its 36 hours is refused, naming the token', async () => {
    const { app, clock } = await reminderApp(database, '2026-06-15T12:00:00.000Z');
    const u = await reminderUser(app, push, { timezone: 'Europe/Berlin' });
    const habit = await u.api.create({ name: 'Journal' });
    await u.setReminders(habit.id, [{ time: '20:00', ...everyDay }]);
    await tickAt(app, clock, '2026-06-15T18:00:00.000Z');
    const token = pushData(push.to(u.subscription)[0]?.payload ?? null).oneTapToken as string;

    // Fired at 18:00Z on 15 June: valid until 06:00Z on 17 June.
    clock.set('2026-06-17T06:00:00.000Z');
    const res = await app.inject({ method: 'POST', url: '/api/v1/check-ins/one-tap', payload: { token } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0]).toMatchObject({ path: 'token', code: 'expired' });
  });
});
