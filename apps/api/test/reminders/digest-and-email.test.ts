/**
 * The daily digest and email reminders, end to end: the tick writes to the mail outbox, a job sends
 * it over SMTP to a loopback server. Berlin, June 2026 (CEST, +2); 15 June is a Monday.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { FakePushService } from '../helpers/fake-push.js';
import { type FakeSmtp, startFakeSmtp } from '../helpers/fake-smtp.js';
import { clearReminders, outboxOf, reminderAppWithMail, reminderDatabase, reminderUser } from './context.js';

let push: FakePushService;
let smtp: FakeSmtp;
let database: DatabaseHandle;
let dispose: () => Promise<void>;
const apps: App[] = [];
beforeAll(async () => {
  push = await FakePushService.start();
  smtp = await startFakeSmtp();
  ({ database, dispose } = await reminderDatabase());
});
beforeEach(async () => {
  await clearReminders(database);
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await push.close();
  await smtp.close();
  await dispose();
});

async function start(at: string) {
  const made = await reminderAppWithMail(database, at, smtp.url);
  apps.push(made.app);
  return made;
}

describe('daily digest', () => {
  it("mails today's open habits, the streaks at risk and records once a day at the local time", async () => {
    const { app, clock } = await start('2026-06-15T04:00:00.000Z');
    const u = await reminderUser(app, push, { timezone: 'Europe/Berlin' });
    const gym = await u.api.create({ name: 'Gym', startDate: '2026-06-10' });
    // Done 10..14 June: a 5-day streak that is open today (at risk).
    for (const day of ['2026-06-10', '2026-06-11', '2026-06-12', '2026-06-13', '2026-06-14']) {
      await u.api.checkIn(gym.id, day, { status: 'done' });
    }
    const read = await u.api.create({ name: 'Read' });
    await u.api.checkIn(read.id, '2026-06-15', { status: 'done' });

    const put = await u.api.send('PUT', '/api/v1/me/digest', { enabled: true, time: '07:30' });
    expect(put.statusCode, put.body).toBe(200);
    // 07:30 CEST on 15 June.
    expect(put.json()).toEqual({ enabled: true, time: '07:30', nextSendAt: '2026-06-15T05:30:00.000Z' });

    clock.set('2026-06-15T05:29:00.000Z');
    await app.reminders.tick(new Date('2026-06-15T05:29:00.000Z'));
    expect(await outboxOf(database, 'digest')).toEqual([]);

    clock.set('2026-06-15T05:30:00.000Z');
    await Promise.all([
      app.reminders.tick(new Date('2026-06-15T05:30:00.000Z')),
      app.reminders.tick(new Date('2026-06-15T05:30:00.000Z')),
    ]);
    const digests = await outboxOf(database, 'digest');
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({
      to: u.user.email,
      subject: '1 habit to do today',
      dedupe_key: `digest:${u.user.id}:2026-06-15`,
    });
    expect(digests[0]?.text).toContain('Still to do today (1 of 2):\n  - Gym (streak: 5 days)');
    expect(digests[0]?.text).toContain('Streaks at risk (check in today to keep them):\n  - Gym: 5 days');
    // The mail job delivers it over SMTP.
    const sent = await smtp.waitFor((m) => m.to.includes(u.user.email) && m.subject === '1 habit to do today');
    expect(sent.body).toContain('Gym');

    const after = (await u.api.get('/api/v1/me/digest')).json();
    expect(after.nextSendAt).toBe('2026-06-16T05:30:00.000Z');

    expect((await u.api.send('PUT', '/api/v1/me/digest', { enabled: false })).json()).toEqual({
      enabled: false,
      time: null,
      nextSendAt: null,
    });
    const missingTime = await u.api.send('PUT', '/api/v1/me/digest', { enabled: true });
    expect(missingTime.statusCode).toBe(400);
    expect(missingTime.json().error.details[0]).toMatchObject({ path: 'time' });
  });
});

describe('email reminders', () => {
  it('go through the outbox once, with the one-tap link', async () => {
    const { app, clock } = await start('2026-06-15T05:00:00.000Z');
    const u = await reminderUser(app, push, { timezone: 'Europe/Berlin' });
    const habit = await u.api.create({ name: 'Stretch' });
    await u.setReminders(habit.id, [{ time: '09:00', weekdays: [1, 2, 3, 4, 5, 6, 7], channels: ['email'] }]);
    clock.set('2026-06-15T07:00:00.000Z');
    await app.reminders.tick(new Date('2026-06-15T07:00:00.000Z'));
    await app.reminders.tick(new Date('2026-06-15T07:05:00.000Z'));
    const mails = await outboxOf(database, 'reminder');
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      to: u.user.email,
      subject: 'Reminder: Stretch',
      dedupe_key: `reminder:${habit.id}:2026-06-15:540`,
    });
    // Delivered over SMTP by the mail job; the link in the message received is the one tapped.
    const sent = await smtp.waitFor((m) => m.to.includes(u.user.email) && m.subject === 'Reminder: Stretch');
    const token = /one-tap\?token=([A-Za-z0-9._~-]+)/.exec(sent.body)?.[1] as string;
    expect(token).toBeDefined();
    const tap = await app.inject({ method: 'POST', url: '/api/v1/check-ins/one-tap', payload: { token } });
    expect(tap.statusCode, tap.body).toBe(200);
    expect(tap.json()).toMatchObject({ habitId: habit.id, date: '2026-06-15', status: 'done' });
  });
});
