import { type CreateHabit, HabitWithSummary, type PutCheckIn, type UpdateMe } from '@habitual/shared';
import { expect } from 'vitest';
import type { App, Clock } from '../../src/app.js';
import type { TestUser } from './users.js';

/** A clock the test moves by hand. */
export function fixedClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return {
    now: () => new Date(now),
    set(next: string) {
      now = new Date(next);
    },
  };
}

/**
 * Small typed calls for the habits API as one user: `create`, `checkIn` and `setProfile` take the
 * shared request types, so a test body that drifts from the contract fails to compile; `send`
 * takes anything, for tests of invalid input.
 */
export function habitsApi(app: App, user: TestUser) {
  const headers = { cookie: user.cookie };
  return {
    async create(payload: CreateHabit) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/habits', headers, payload });
      expect(res.statusCode, res.body).toBe(201);
      return HabitWithSummary.parse(res.json());
    },
    async checkIn(habitId: string, date: string, payload: PutCheckIn) {
      const res = await app.inject({
        method: 'PUT',
        url: `/api/v1/habits/${habitId}/checkins/${date}`,
        headers,
        payload,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    },
    get(url: string) {
      return app.inject({ method: 'GET', url, headers });
    },
    send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
      return app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    },
    async setProfile(payload: UpdateMe) {
      const res = await app.inject({ method: 'PATCH', url: '/api/v1/me', headers, payload });
      expect(res.statusCode, res.body).toBe(200);
    },
  };
}

/** Strength multiplier of DESIGN §5: m = 0.5^(sqrt(times/days)/13). */
export const multiplier = (times: number, days: number) => 0.5 ** (Math.sqrt(times / days) / 13);
