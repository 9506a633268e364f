/**
 * The shared security suite: every authenticated route of the spec is called without
 * credentials (401), with another user's resource ids (404), and with malformed input (400);
 * none may answer 500. New routes join automatically: the list comes from the OpenAPI document.
 */
import { type CreateHabit, ErrorEnvelope, type PutCheckIn } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

interface Operation {
  method: string;
  path: string;
  secured: boolean;
  hasBody: boolean;
  hasPathParams: boolean;
}

async function securedOperations(app: App) {
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown }>>;
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [method, op] of Object.entries(methods)) {
      ops.push({
        method: method.toUpperCase(),
        path,
        secured: Array.isArray(op.security) && op.security.length > 0,
        hasBody: op.requestBody !== undefined,
        hasPathParams: path.includes('{'),
      });
    }
  }
  return ops;
}

const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, value);

/**
 * The public /api/v1 routes: Stripe calls its webhook, authenticated by the signature over the
 * body; a reminder's one-tap link carries its own signed, single-use token.
 */
const PUBLIC_OPERATIONS = ['POST /api/v1/webhooks/stripe', 'POST /api/v1/check-ins/one-tap'];

describe('security suite', async () => {
  // One app for the suite: every test signs up users of its own (or sends no credentials).
  const { app } = await setup();
  const all = await securedOperations(app);
  const ops = all.filter((o) => o.secured);

  it('covers every /api/v1 route, and every one of them but the Stripe webhook requires credentials', () => {
    expect(ops.length).toBeGreaterThan(5);
    expect(all.filter((o) => !o.secured).map((o) => `${o.method} ${o.path}`)).toEqual(PUBLIC_OPERATIONS);
  });

  it.each(ops.map((o) => [`${o.method} ${o.path}`, o] as const))('%s: no credentials → 401', async (_name, op) => {
    const res = await app.inject({
      method: op.method as 'GET',
      url: fill(op.path, 'some-id'),
      ...(op.hasBody ? { payload: {} } : {}),
    });
    expect(res.statusCode).toBe(401);
    expect(ErrorEnvelope.parse(res.json()).error.code).toBe('UNAUTHENTICATED');
  });

  it.each(ops.filter((o) => o.hasPathParams).map((o) => [`${o.method} ${o.path}`, o] as const))(
    "%s: another user's id → 404",
    async (_name, op) => {
      const owner = await signUp(app);
      const intruder = await signUp(app);
      // The ids that exist for the owner: their API key, their user id and their habit (with a
      // day that has a check-in). Typed parameters get an owned id of their kind; any other
      // parameter is tried with every owned id.
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: { cookie: owner.cookie },
        payload: { name: 'owned' },
      });
      const habit = await app.inject({
        method: 'POST',
        url: '/api/v1/habits',
        headers: { cookie: owner.cookie },
        payload: { name: 'owned', startDate: '2026-01-01' } satisfies CreateHabit,
      });
      const habitId = habit.json().id as string;
      const checkIn = await app.inject({
        method: 'PUT',
        url: `/api/v1/habits/${habitId}/checkins/2026-01-01`,
        headers: { cookie: owner.cookie },
        payload: { status: 'done' } satisfies PutCheckIn,
      });
      expect(checkIn.statusCode).toBe(200);
      const ownedIds = [created.json().id as string, owner.id, habitId];
      const byName: Record<string, string[]> = { habitId: [habitId], date: ['2026-01-01'] };
      const urls = new Set<string>();
      for (const id of ownedIds) {
        urls.add(
          op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => (byName[name] ? (byName[name][0] as string) : id)),
        );
      }
      for (const url of urls) {
        const res = await app.inject({
          method: op.method as 'GET',
          url,
          headers: { cookie: intruder.cookie },
          ...(op.hasBody ? { payload: {} } : {}),
        });
        // Admin routes answer 403 to a non-admin before any lookup; owner-scoped routes answer 404.
        const expected = op.path.startsWith('/api/v1/admin/') ? 'FORBIDDEN' : 'NOT_FOUND';
        expect(ErrorEnvelope.parse(res.json()).error.code, `${op.method} ${url}`).toBe(expected);
      }
    },
  );

  it.each(ops.filter((o) => o.hasBody).map((o) => [`${o.method} ${o.path}`, o] as const))(
    '%s: malformed input → 400, never 500',
    async (_name, op) => {
      const user = await signUp(app);
      const bodies: Array<{ payload: string; type: string }> = [
        { payload: '{"unterminated": ', type: 'application/json' },
        { payload: '[]', type: 'application/json' },
        { payload: '"just a string"', type: 'application/json' },
        { payload: '{"__proto__": {"admin": true}, "name": 42}', type: 'application/json' },
        {
          payload: JSON.stringify({ name: 'x'.repeat(20_000), unexpected: { deeply: [1, 2, { nested: null }] } }),
          type: 'application/json',
        },
      ];
      for (const body of bodies) {
        const res = await app.inject({
          method: op.method as 'POST',
          url: fill(op.path, 'some-id'),
          headers: { cookie: user.cookie, 'content-type': body.type },
          payload: body.payload,
        });
        expect(
          res.statusCode,
          `${body.payload.slice(0, 40)} → ${res.statusCode} ${res.body.slice(0, 200)}`,
        ).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
      }
    },
  );
});
