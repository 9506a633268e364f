/**
 * Clients that are not browsers (Node's fetch, the typed client, curl, mobile apps) sign up and
 * sign in with no extra header; a browser's cross-site request is still refused; in development
 * the API trusts its own origin under every loopback name; Swagger UI uses only the credentials
 * of its Authorize dialog.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createHabitualClient } from '@habitual/client';
import { ErrorEnvelope } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { setup } from '../helpers/setup.js';
import { randomIp, uniqueEmail } from '../helpers/users.js';

async function listening(env: Record<string, string> = {}): Promise<{ app: App; base: string; port: number }> {
  const { app } = await setup({ env });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${port}`, port };
}

const credentials = () => ({ name: 'Honest Client', email: uniqueEmail('honest'), password: 'a long enough password' });

/**
 * Sign-up is limited to 10 a minute per client address, counted per process, and every call here
 * comes from 127.0.0.1. Apps built with `behindProxy` trust loopback as a proxy, so `proxied`
 * calls arrive from an address of their own, as through a load balancer.
 */
const behindProxy = { TRUST_PROXY: 'loopback' };
const proxied = () => ({ 'x-forwarded-for': randomIp() });

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('honest clients', () => {
  it("Node's fetch (sec-fetch-mode: cors, no Origin) signs up, signs in and uses the bearer token", async () => {
    const { base } = await listening();
    const user = credentials();
    const signUp = await post(base, '/api/auth/sign-up/email', user);
    expect(signUp.status, await signUp.clone().text()).toBe(200);
    const signIn = await post(base, '/api/auth/sign-in/email', { email: user.email, password: user.password });
    expect(signIn.status, await signIn.clone().text()).toBe(200);
    const token = signIn.headers.get('set-auth-token');
    expect(token).toBeTruthy();
    const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string }).email).toBe(user.email);
    // A script that keeps the cookie instead can sign out with it, still without an Origin.
    const cookie = signIn.headers.getSetCookie().find((c) => c.includes('session_token='));
    const signOut = await post(base, '/api/auth/sign-out', {}, { cookie: (cookie ?? '').split(';')[0] as string });
    expect(signOut.status, await signOut.clone().text()).toBe(200);
  });

  it('the typed client signs up and signs in with no Origin', async () => {
    const { base } = await listening();
    const client = createHabitualClient({ baseUrl: base });
    const user = credentials();
    const signUp = await client.POST('/api/auth/sign-up/email', { body: user });
    expect(signUp.response.status).toBe(200);
    const signIn = await client.POST('/api/auth/sign-in/email', {
      body: { email: user.email, password: user.password },
    });
    expect(signIn.response.status).toBe(200);
    const token = signIn.response.headers.get('set-auth-token') ?? '';
    const me = await createHabitualClient({ baseUrl: base, bearerToken: token }).GET('/api/v1/me');
    expect(me.data?.email).toBe(user.email);
  });

  it("a browser's cross-site sign-up or sign-in is refused", async () => {
    const { base } = await listening(behindProxy);
    const user = credentials();
    const browser = {
      origin: 'http://evil.example',
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'cors',
      ...proxied(),
    };
    const signUp = await post(base, '/api/auth/sign-up/email', user, browser);
    expect(signUp.status).toBe(403);
    expect(ErrorEnvelope.parse(await signUp.json()).error.code).toBe('FORBIDDEN');
    // No account was made: the same email signs up from a first-party client.
    expect((await post(base, '/api/auth/sign-up/email', user, proxied())).status).toBe(200);
    const signIn = await post(base, '/api/auth/sign-in/email', { email: user.email, password: user.password }, browser);
    expect(signIn.status).toBe(403);
    // Without an Origin a browser still says where the request came from.
    const navigation = await post(
      base,
      '/api/auth/sign-in/email',
      { email: user.email, password: user.password },
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', ...proxied() },
    );
    expect(navigation.status).toBe(403);
  });

  it('in development the API trusts its own origin at localhost, 127.0.0.1 and [::1] on its port', async () => {
    const { base, port } = await listening({ NODE_ENV: 'development', LOG_LEVEL: 'warn', ...behindProxy });
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      const origin = `http://${host}:${port}`;
      const signUp = await post(base, '/api/auth/sign-up/email', credentials(), {
        origin,
        'sec-fetch-site': 'same-origin',
        'sec-fetch-mode': 'cors',
        host: `${host}:${port}`,
        ...proxied(),
      });
      expect(signUp.status, `${origin}: ${await signUp.clone().text()}`).toBe(200);
    }
    // Another port on the same machine is another origin.
    const other = await post(base, '/api/auth/sign-up/email', credentials(), {
      origin: `http://127.0.0.1:${port + 1}`,
      'sec-fetch-site': 'same-site',
      'sec-fetch-mode': 'cors',
      ...proxied(),
    });
    expect(other.status).toBe(403);
  });

  it('in production only PUBLIC_URL and CORS_ORIGINS are trusted', async () => {
    const { base, port } = await listening({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
      SMTP_URL: 'smtp://127.0.0.1:2525',
      REQUIRE_EMAIL_VERIFICATION: 'false',
      PUBLIC_URL: 'https://api.habitual.test',
      CORS_ORIGINS: 'https://app.habitual.test',
      ...behindProxy,
    });
    const browser = (origin: string) => ({
      origin,
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'cors',
      ...proxied(),
    });
    expect(
      (await post(base, '/api/auth/sign-up/email', credentials(), browser('https://app.habitual.test'))).status,
    ).toBe(200);
    expect(
      (await post(base, '/api/auth/sign-up/email', credentials(), browser('https://api.habitual.test'))).status,
    ).toBe(200);
    const loopback = await post(base, '/api/auth/sign-up/email', credentials(), browser(`http://127.0.0.1:${port}`));
    expect(loopback.status).toBe(403);
  });

  it("Swagger UI sends only the Authorize dialog's credentials, and its sign-up example works", async () => {
    const { app, base } = await listening(behindProxy);
    const initializer = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).toMatch(
      /"requestInterceptor":\s*\(?request\)?\s*=>\s*\{\s*request\.credentials\s*=\s*["']omit["'];\s*return request;/,
    );

    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, { post: { requestBody: { content: { 'application/json': { example?: unknown } } } } }>;
    };
    const example = spec.paths['/api/auth/sign-up/email']?.post.requestBody.content['application/json'].example as
      | Record<string, string>
      | undefined;
    expect(example).toBeDefined();
    expect(Object.keys(example ?? {})).not.toContain('callbackURL');
    // As Swagger UI sends it from the page: same-origin, with an Origin.
    const signUp = await post(base, '/api/auth/sign-up/email', example, {
      origin: base,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'cors',
      ...proxied(),
    });
    expect(signUp.status, await signUp.clone().text()).toBe(200);
  });
});
