/**
 * What a due reminder does, through tick(now) with a test clock: onlyIfNotDone, deleted and
 * archived habits, time-zone changes, snooze, gone subscriptions, a restart after the claim.
 * The user is in Europe/Berlin (CEST, +2, in June); 15 June 2026 is a Monday.
 */

import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { habitReminders, reminderDeliveries } from '../../src/modules/reminders/schema.js';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { FakePushService } from '../helpers/fake-push.js';
import {
  clearReminders,
  daysPushed,
  pushData,
  reminderApp,
  reminderDatabase,
  reminderUser,
  tickAt,
} from './context.js';

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

const BERLIN = { timezone: 'Europe/Berlin' };
const nine = (onlyIfNotDone = true) => ({
  time: '09:00',
  weekdays: [1, 2, 3, 4, 5, 6, 7],
  onlyIfNotDone,
  channels: ['push'],
});
// 09:00 CEST on Monday 15 June.
const NINE_AM = '2026-06-15T07:00:00.000Z';

describe('onlyIfNotDone', () => {
  it('skips a day that is done, skipped or automatic, and reminds on an open day or when asked regardless', async () => {
    const { app, clock } = await reminderApp(database, '2026-06-15T05:00:00.000Z');
    const u = await reminderUser(app, push, BERLIN);
    const done = await u.api.create({ name: 'Done' });
    await u.api.checkIn(done.id, '2026-06-15', { status: 'done' });
    const skipped = await u.api.create({ name: 'Skipped' });
    await u.api.checkIn(skipped.id, '2026-06-15', { status: 'skipped' });
    // Once every 3 days, done yesterday: today is inside the window it opened, so `auto`.
    const automatic = await u.api.create({ name: 'Automatic', frequency: { times: 1, days: 3 } });
    await u.api.checkIn(automatic.id, '2026-06-14', { status: 'done' });
    const open = await u.api.create({ name: 'Open' });
    const always = await u.api.create({ name: 'Always' });
    await u.api.checkIn(always.id, '2026-06-15', { status: 'done' });
    for (const h of [done, skipped, automatic, open]) await u.setReminders(h.id, [nine()]);
    await u.setReminders(always.id, [nine(false)]);

    const result = await tickAt(app, clock, NINE_AM);

    expect(result).toMatchObject({ claimed: 5, sent: 2, skipped: 3 });
    const habits = push.to(u.subscription).map((r) => pushData(r.payload).habitId);
    expect(habits.sort()).toEqual([open.id, always.id].sort());
  });
});

describe('habits that are gone or archived', () => {
  it('a deleted habit is not reminded, and its reminders are removed', async () => {
    const { app, clock } = await reminderApp(database, '2026-06-15T05:00:00.000Z');
    const u = await reminderUser(app, push, BERLIN);
    const habit = await u.api.create({ name: 'Soon gone' });
    await u.setReminders(habit.id, [nine()]);
    expect((await u.api.send('DELETE', `/api/v1/habits/${habit.id}`)).statusCode).toBe(204);

    expect(await tickAt(app, clock, NINE_AM)).toMatchObject({ claimed: 1, sent: 0, skipped: 1 });
    expect(push.to(u.subscription)).toEqual([]);
    // Removed, so nothing is left to claim for it.
    expect(await database.db.select().from(habitReminders).where(eq(habitReminders.habitId, habit.id))).toEqual([]);
  });

  it('an archived habit is not reminded; restored, it is reminded again', async () => {
    const { app, clock } = await reminderApp(database, '2026-06-15T05:00:00.000Z');
    const u = await reminderUser(app, push, BERLIN);
    const habit = await u.api.create({ name: 'Paused' });
    await u.setReminders(habit.id, [nine()]);
    expect((await u.api.send('PATCH', `/api/v1/habits/${habit.id}`, { archived: true })).statusCode).toBe(200);
    const listed = await u.api.get(`/api/v1/habits/${habit.id}/reminders`);
    expect(listed.json().reminders[0]).toMatchObject({ time: '09:00', nextFireAt: null, nextFireDay: null });

    expect(await tickAt(app, clock, NINE_AM)).toMatchObject({ claimed: 1, sent: 0, skipped: 1 });
    expect(push.to(u.subscription)).toEqual([]);

    expect((await u.api.send('PATCH', `/api/v1/habits/${habit.id}`, { archived: false })).statusCode).toBe(200);
    await tickAt(app, clock, '2026-06-16T07:00:00.000Z');
    expect(daysPushed(push, u.subscription)).toEqual(['2026-06-16']);
  });
});

describe('time-zone change', () => {
  it('reschedules: an 08:00 reminder moves from 08:00Z (UTC) to 23:00Z the day before (Asia/Tokyo)', async () => {
    const { app, clock } = await reminderApp(database, '2026-06-15T00:00:00.000Z');
    const u = await reminderUser(app, push, { timezone: 'UTC' });
    const habit = await u.api.create({ name: 'Tea' });
    const set = await u.setReminders(habit.id, [
      { time: '08:00', weekdays: [1, 2, 3, 4, 5, 6, 7], channels: ['push'] },
    ]);
    expect(set.reminders[0]).toMatchObject({ nextFireAt: '2026-06-15T08:00:00.000Z', nextFireDay: '2026-06-15' });

    // PATCH /me with a new zone reschedules (the users module calls reminders on a clock change).
    await u.api.setProfile({ timezone: 'Asia/Tokyo' });
    // 00:00Z is 09:00 in Tokyo on 15 June: the next 08:00 there is 16 June, 23:00Z on the 15th.
    const listed = (await u.api.get(`/api/v1/habits/${habit.id}/reminders`)).json();
    expect(listed.reminders[0]).toMatchObject({ nextFireAt: '2026-06-15T23:00:00.000Z', nextFireDay: '2026-06-16' });

    await tickAt(app, clock, '2026-06-15T08:00:00.000Z');
    expect(daysPushed(push, u.subscription)).toEqual([]);
    await tickAt(app, clock, '2026-06-15T23:00:00.000Z');
    expect(daysPushed(push, u.subscription)).toEqual(['2026-06-16']);
  });
});

describe('snooze', () => {
  it("moves today's next reminder; once it has fired there is none left to snooze today", async () => {
    const { app, clock } = await reminderApp(database, '2026-06-15T05:00:00.000Z');
    const u = await reminderUser(app, push, BERLIN);
    const habit = await u.api.create({ name: 'Walk' });
    await u.setReminders(habit.id, [nine()]);

    const snoozed = await u.api.send('POST', `/api/v1/habits/${habit.id}/reminders/snooze`, { minutes: 10 });
    expect(snoozed.statusCode, snoozed.body).toBe(200);
    expect(snoozed.json()).toEqual({ time: '09:00', day: '2026-06-15', firesAt: '2026-06-15T07:10:00.000Z' });

    await tickAt(app, clock, NINE_AM);
    expect(daysPushed(push, u.subscription)).toEqual([]);
    await tickAt(app, clock, '2026-06-15T07:10:00.000Z');
    expect(daysPushed(push, u.subscription)).toEqual(['2026-06-15']);

    const again = await u.api.send('POST', `/api/v1/habits/${habit.id}/reminders/snooze`, { minutes: 10 });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CONFLICT');
    // The next day is back at 09:00.
    const listed = (await u.api.get(`/api/v1/habits/${habit.id}/reminders`)).json();
    expect(listed.reminders[0]).toMatchObject({ nextFireAt: '2026-06-16T07:00:00.000Z', nextFireDay: '2026-06-16' });
  });
});

describe('push subscriptions the push service reports gone', () => {
  it('a 410 removes that subscription; the other browser still gets the reminder', async () => {
    const { app, clock } = await reminderApp(database, '2026-06-15T05:00:00.000Z');
    const u = await reminderUser(app, push, BERLIN);
    const second = push.subscription();
    expect((await u.api.send('POST', '/api/v1/me/push-subscriptions', second)).statusCode).toBe(201);
    push.gone(second);
    const habit = await u.api.create({ name: 'Read' });
    await u.setReminders(habit.id, [nine()]);

    await tickAt(app, clock, NINE_AM);

    expect(daysPushed(push, u.subscription)).toEqual(['2026-06-15']);
    // Removed: deleting it now finds nothing.
    const del = await u.api.send('DELETE', '/api/v1/me/push-subscriptions', { endpoint: second.endpoint });
    expect(del.statusCode).toBe(404);
  });
});

describe('at most once, and not zero times', () => {
  it('a tick interrupted after its claim: another instance delivers it once after the lease', async () => {
    const first = await reminderApp(database, '2026-06-15T05:00:00.000Z');
    const u = await reminderUser(first.app, push, BERLIN);
    const habit = await u.api.create({ name: 'Meditate' });
    await u.setReminders(habit.id, [nine()]);

    // The claim commits, then the process dies before delivering.
    first.clock.set(NINE_AM);
    expect(await first.app.reminders.delivery.claimDue(new Date(NINE_AM))).toHaveLength(1);
    await first.app.close();

    const restarted = await reminderApp(database, NINE_AM);
    // Within the two-minute lease the delivery still belongs to the dead instance.
    await tickAt(restarted.app, restarted.clock, '2026-06-15T07:01:00.000Z');
    expect(daysPushed(push, u.subscription)).toEqual([]);
    await tickAt(restarted.app, restarted.clock, '2026-06-15T07:03:00.000Z');
    expect(daysPushed(push, u.subscription)).toEqual(['2026-06-15']);
    await tickAt(restarted.app, restarted.clock, '2026-06-15T07:06:00.000Z');
    expect(daysPushed(push, u.subscription)).toEqual(['2026-06-15']);
  });

  it('a push service failure is retried after the lease and delivered once', async () => {
    const { app, clock } = await reminderApp(database, '2026-06-15T05:00:00.000Z');
    const u = await reminderUser(app, push, BERLIN);
    const habit = await u.api.create({ name: 'Water' });
    await u.setReminders(habit.id, [nine()]);
    push.failing(u.subscription, 503);
    expect(await tickAt(app, clock, NINE_AM)).toMatchObject({ claimed: 1, retry: 1 });
    push.healthy(u.subscription);
    expect(await tickAt(app, clock, '2026-06-15T07:01:00.000Z')).toMatchObject({ claimed: 0 });
    expect(await tickAt(app, clock, '2026-06-15T07:02:00.000Z')).toMatchObject({ claimed: 1, sent: 1 });
    await tickAt(app, clock, '2026-06-15T07:05:00.000Z');
    expect(daysPushed(push, u.subscription)).toEqual(['2026-06-15']);
  });
});

describe('housekeeping', () => {
  it('drops finished deliveries whose fire is over 30 days old and keeps pending ones', async () => {
    const { app, clock } = await reminderApp(database, '2026-06-15T05:00:00.000Z');
    const u = await reminderUser(app, push, BERLIN);
    const habit = await u.api.create({ name: 'Daily' });
    await u.setReminders(habit.id, [nine()]);
    await tickAt(app, clock, NINE_AM);
    // The next day's delivery is claimed by an instance that dies and is never taken over.
    await app.reminders.delivery.claimDue(new Date('2026-06-16T07:00:00.000Z'));
    const rows = async () =>
      (await database.db.select().from(reminderDeliveries).where(eq(reminderDeliveries.userId, u.user.id)))
        .map((d) => [d.day, d.state])
        .sort();
    expect(await rows()).toEqual([
      ['2026-06-15', 'sent'],
      ['2026-06-16', 'pending'],
    ]);

    // 15 July 07:01Z: the 15 June fire (07:00Z) is more than 30 days old, the 16 June one is not.
    await app.reminders.delivery.cleanup(new Date('2026-07-15T07:01:00.000Z'));
    expect(await rows()).toEqual([['2026-06-16', 'pending']]);
  });
});
