/**
 * Reminders fire at the user's local time, end to end: PUT the reminder, move the test clock,
 * run `tick(now)`, and read what the (fake) push service received. Expected instants are derived
 * by hand from the zones' rules (2026: Berlin springs forward on 29 March at 01:00Z and falls back
 * on 25 October at 01:00Z; New York on 8 March at 07:00Z and 1 November at 06:00Z).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { FakePushService } from '../helpers/fake-push.js';
import { clearReminders, daysPushed, reminderApp, reminderDatabase, reminderUser, tickAt } from './context.js';

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

interface Case {
  name: string;
  timezone: string;
  dayStartHour?: number;
  time: string;
  weekdays?: number[];
  start: string;
  /** Each tick instant and the local days pushed so far. */
  ticks: Array<[string, string[]]>;
}

const cases: Case[] = [
  {
    name: 'Berlin, spring forward: 02:30 fires once at 03:00 CEST (01:00Z), then 02:30 the next night',
    timezone: 'Europe/Berlin',
    time: '02:30',
    start: '2026-03-28T12:00:00.000Z',
    ticks: [
      ['2026-03-29T00:59:00.000Z', []],
      ['2026-03-29T01:00:00.000Z', ['2026-03-29']],
      ['2026-03-29T02:30:00.000Z', ['2026-03-29']],
      ['2026-03-30T00:30:00.000Z', ['2026-03-29', '2026-03-30']],
    ],
  },
  {
    name: 'Berlin, fall back: 02:30 fires at the first 02:30 (00:30Z) and not at the second (01:30Z)',
    timezone: 'Europe/Berlin',
    time: '02:30',
    start: '2026-10-24T12:00:00.000Z',
    ticks: [
      ['2026-10-25T00:29:00.000Z', []],
      ['2026-10-25T00:30:00.000Z', ['2026-10-25']],
      ['2026-10-25T01:30:00.000Z', ['2026-10-25']],
      ['2026-10-26T01:30:00.000Z', ['2026-10-25', '2026-10-26']],
    ],
  },
  {
    name: 'New York, spring forward: 02:15 fires once at 03:00 EDT (07:00Z)',
    timezone: 'America/New_York',
    time: '02:15',
    start: '2026-03-07T12:00:00.000Z',
    ticks: [
      ['2026-03-08T06:59:00.000Z', []],
      ['2026-03-08T07:00:00.000Z', ['2026-03-08']],
      ['2026-03-08T07:15:00.000Z', ['2026-03-08']],
    ],
  },
  {
    name: 'New York, fall back: 01:30 fires at 01:30 EDT (05:30Z) only, then 01:30 EST the next day (06:30Z)',
    timezone: 'America/New_York',
    time: '01:30',
    start: '2026-10-31T12:00:00.000Z',
    ticks: [
      ['2026-11-01T05:30:00.000Z', ['2026-11-01']],
      ['2026-11-01T06:30:00.000Z', ['2026-11-01']],
      ['2026-11-02T06:30:00.000Z', ['2026-11-01', '2026-11-02']],
    ],
  },
  {
    name: 'Pacific/Kiritimati (UTC+14): 08:00 on 15 June is 18:00Z on 14 June',
    timezone: 'Pacific/Kiritimati',
    time: '08:00',
    start: '2026-06-14T12:00:00.000Z',
    ticks: [
      ['2026-06-14T17:59:00.000Z', []],
      ['2026-06-14T18:00:00.000Z', ['2026-06-15']],
    ],
  },
  {
    name: 'Pacific/Honolulu (UTC−10): 21:00 on 15 June is 07:00Z on 16 June',
    timezone: 'Pacific/Honolulu',
    time: '21:00',
    start: '2026-06-15T08:00:00.000Z',
    ticks: [
      ['2026-06-16T06:59:00.000Z', []],
      ['2026-06-16T07:00:00.000Z', ['2026-06-15']],
    ],
  },
  {
    name: 'day-start hour 4: a Friday 01:00 reminder belongs to Friday and fires in the night to Saturday (23:00Z)',
    timezone: 'Europe/Berlin',
    dayStartHour: 4,
    time: '01:00',
    weekdays: [5],
    start: '2026-06-19T10:00:00.000Z',
    ticks: [
      ['2026-06-19T22:59:00.000Z', []],
      ['2026-06-19T23:00:00.000Z', ['2026-06-19']],
      ['2026-06-20T23:00:00.000Z', ['2026-06-19']],
    ],
  },
];

describe('reminders at local time, through tick(now)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { app, clock } = await reminderApp(database, c.start);
      const u = await reminderUser(app, push, { timezone: c.timezone, dayStartHour: c.dayStartHour ?? 0 });
      const habit = await u.api.create({ name: 'Stretch' });
      await u.setReminders(habit.id, [
        { time: c.time, weekdays: c.weekdays ?? [1, 2, 3, 4, 5, 6, 7], onlyIfNotDone: true, channels: ['push'] },
      ]);
      for (const [at, days] of c.ticks) {
        await tickAt(app, clock, at);
        expect(daysPushed(push, u.subscription), `after the tick at ${at}`).toEqual(days);
      }
    });
  }
});
