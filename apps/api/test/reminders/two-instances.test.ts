/**
 * Two API instances tick at the same instant on one database (on PostgreSQL each with its own
 * connection pool, as two servers would): every due reminder reaches its user exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { FakePushService } from '../helpers/fake-push.js';
import { daysPushed, reminderApp, reminderDatabase, reminderUser } from './context.js';

let push: FakePushService;
let database: DatabaseHandle;
let another: () => Promise<DatabaseHandle>;
let dispose: () => Promise<void>;
beforeAll(async () => {
  push = await FakePushService.start();
  ({ database, another, dispose } = await reminderDatabase());
});
afterAll(async () => {
  await push.close();
  await dispose();
});

const USERS = 12;

describe('two instances', () => {
  it('concurrent ticks deliver each due reminder once', async () => {
    const start = '2026-06-15T05:00:00.000Z';
    const one = await reminderApp(database, start);
    const two = await reminderApp(await another(), start);
    const users = [];
    for (let i = 0; i < USERS; i++) {
      const u = await reminderUser(i % 2 ? one.app : two.app, push, { timezone: 'Europe/Berlin' });
      // Two habits each, both at 09:00 CEST (07:00Z).
      for (const name of ['Run', 'Read']) {
        const habit = await u.api.create({ name });
        await u.setReminders(habit.id, [{ time: '09:00', weekdays: [1, 2, 3, 4, 5, 6, 7], channels: ['push'] }]);
      }
      users.push(u);
    }
    const at = new Date('2026-06-15T07:00:00.000Z');
    one.clock.set(at.toISOString());
    two.clock.set(at.toISOString());
    const results = await Promise.all([
      one.app.reminders.delivery.tick(at),
      two.app.reminders.delivery.tick(at),
      one.app.reminders.delivery.tick(at),
      two.app.reminders.delivery.tick(at),
    ]);

    expect(results.reduce((sum, r) => sum + r.claimed, 0)).toBe(USERS * 2);
    expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(USERS * 2);
    for (const u of users) expect(daysPushed(push, u.subscription)).toEqual(['2026-06-15', '2026-06-15']);
  });
});
