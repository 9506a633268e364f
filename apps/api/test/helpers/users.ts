import { randomBytes, randomInt } from 'node:crypto';
import type { SignInEmail, SignUpEmail } from '@habitual/shared';
import { expect } from 'vitest';
import type { App } from '../../src/app.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  /** `name=value` of the session cookie, ready for a Cookie header. */
  cookie: string;
  /** The bearer token from `set-auth-token`. */
  token: string;
  /** The client address this user's requests come from (auth rate limits are per address). */
  ip: string;
}

/** A fresh client address, so tests never share an auth rate-limit bucket by accident. */
export function randomIp(): string {
  return `10.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomBytes(6).toString('hex')}@example.com`;
}

export function sessionCookie(setCookie: string | string[] | undefined): string {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const session = cookies.find((c) => /session_token=/.test(c) && !/session_token=;/.test(c));
  if (!session) throw new Error(`no session cookie in ${JSON.stringify(cookies)}`);
  return session.split(';')[0] as string;
}

/** Signs up through better-auth's real endpoint (verification off, as in tests by default). */
export async function signUp(
  app: App,
  overrides: { email?: string; password?: string; name?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const ip = randomIp();
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/sign-up/email',
    remoteAddress: ip,
    payload: { email, password, name: overrides.name ?? 'Test User' } satisfies SignUpEmail,
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { user: { id: string } };
  return {
    id: body.user.id,
    email,
    password,
    cookie: sessionCookie(res.headers['set-cookie']),
    token: res.headers['set-auth-token'] as string,
    ip,
  };
}

export async function signIn(app: App, email: string, password: string, ip = randomIp()) {
  return app.inject({
    method: 'POST',
    url: '/api/auth/sign-in/email',
    remoteAddress: ip,
    payload: { email, password } satisfies SignInEmail,
  });
}

/** Creates an API key for a user through the API. */
export async function createApiKey(app: App, user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: { cookie: user.cookie },
    payload: { name: 'test key', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { key: string }).key;
}
