/**
 * "Today" is the user's local day in their IANA zone, shifted by their day-start hour; check-ins
 * after it are rejected, and a DST change neither loses nor duplicates a day.
 */
import { HabitCalendar, HabitStreaks, Today } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import { fixedClock, habitsApi } from '../helpers/habits.js';
import { setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

async function userIn(timezone: string, at: string, dayStartHour = 0) {
  const clock = fixedClock(at);
  const { app } = await setup({ deps: { clock } });
  const api = habitsApi(app, await signUp(app));
  await api.setProfile({ timezone, dayStartHour });
  const habit = await api.create({ name: 'Daily', startDate: '2026-01-01' });
  const today = async () => Today.parse((await api.get('/api/v1/today')).json()).date;
  const put = (date: string) =>
    api.send('PUT', `/api/v1/habits/${habit.id}/checkins/${date}`, { status: 'done' }).then((r) => r.statusCode);
  return { clock, api, habit, today, put };
}

describe('time zones', () => {
  it('Honolulu (UTC−10) and Kiritimati (UTC+14) at the same instant are a day apart', async () => {
    const at = '2026-03-10T09:30:00.000Z';
    const honolulu = await userIn('Pacific/Honolulu', at); // 2026-03-09 23:30
    const kiritimati = await userIn('Pacific/Kiritimati', at); // 2026-03-10 23:30
    expect(await honolulu.today()).toBe('2026-03-09');
    expect(await kiritimati.today()).toBe('2026-03-10');
    expect(await honolulu.put('2026-03-10')).toBe(400);
    expect(await kiritimati.put('2026-03-10')).toBe(200);
    expect(await kiritimati.put('2026-03-11')).toBe(400);

    // An hour later Honolulu reaches 03-10 and Kiritimati 03-11 (where 03-10 is now yesterday).
    honolulu.clock.set('2026-03-10T10:30:00.000Z');
    kiritimati.clock.set('2026-03-10T10:30:00.000Z');
    expect(await honolulu.today()).toBe('2026-03-10');
    expect(await honolulu.put('2026-03-10')).toBe(200);
    expect(await kiritimati.today()).toBe('2026-03-11');
    const streaks = HabitStreaks.parse(
      (await kiritimati.api.get(`/api/v1/habits/${kiritimati.habit.id}/streaks`)).json(),
    );
    // Today (03-11) is still open, so yesterday's streak is current.
    expect(streaks.current).toEqual({ start: '2026-03-10', end: '2026-03-10', length: 1 });
  });

  it('Europe/Berlin across the spring DST change: three nights, three days, one streak', async () => {
    const berlin = await userIn('Europe/Berlin', '2026-03-28T12:00:00.000Z');
    expect(await berlin.put('2026-03-28')).toBe(200);
    berlin.clock.set('2026-03-28T23:30:00.000Z'); // 00:30 CET on 03-29
    expect(await berlin.today()).toBe('2026-03-29');
    expect(await berlin.put('2026-03-29')).toBe(200);
    expect(await berlin.put('2026-03-30')).toBe(400);
    berlin.clock.set('2026-03-29T22:30:00.000Z'); // 00:30 CEST on 03-30: the day had 23 hours
    expect(await berlin.today()).toBe('2026-03-30');
    expect(await berlin.put('2026-03-30')).toBe(200);
    const calendar = HabitCalendar.parse(
      (await berlin.api.get(`/api/v1/habits/${berlin.habit.id}/calendar?from=2026-03-28`)).json(),
    );
    expect(calendar.days.map((d) => [d.date, d.status])).toEqual([
      ['2026-03-28', 'done'],
      ['2026-03-29', 'done'],
      ['2026-03-30', 'done'],
    ]);
    const streaks = HabitStreaks.parse((await berlin.api.get(`/api/v1/habits/${berlin.habit.id}/streaks`)).json());
    expect(streaks.current).toEqual({ start: '2026-03-28', end: '2026-03-30', length: 3 });
  });

  it('Europe/Berlin across the autumn DST change: the 25-hour day is one day', async () => {
    const berlin = await userIn('Europe/Berlin', '2026-10-24T22:30:00.000Z'); // 00:30 CEST on 10-25
    expect(await berlin.today()).toBe('2026-10-25');
    berlin.clock.set('2026-10-25T22:30:00.000Z'); // 23:30 CET, still 10-25 (25 hours long)
    expect(await berlin.today()).toBe('2026-10-25');
    berlin.clock.set('2026-10-25T23:30:00.000Z'); // 00:30 CET on 10-26
    expect(await berlin.today()).toBe('2026-10-26');
  });

  it('a day-start hour of 4: 01:30 in Tokyo still belongs to yesterday', async () => {
    const owl = await userIn('Asia/Tokyo', '2026-03-10T16:30:00.000Z', 4); // 01:30 on 03-11
    expect(await owl.today()).toBe('2026-03-10');
    expect(await owl.put('2026-03-10')).toBe(200);
    expect(await owl.put('2026-03-11')).toBe(400);
    owl.clock.set('2026-03-10T19:00:00.000Z'); // 04:00 on 03-11
    expect(await owl.today()).toBe('2026-03-11');
    expect(await owl.put('2026-03-11')).toBe(200);
  });
});
