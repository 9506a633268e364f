import { ErrorEnvelope, errorCatalog } from '@habitual/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { App } from '../../src/app.js';
import { AppError } from '../../src/platform/app-error.js';
import { setup } from '../helpers/setup.js';

/** Test-only routes that exercise the platform the way feature routes will. */
function probeRoutes(app: App) {
  app.post(
    '/probe/items',
    {
      schema: {
        body: z.object({
          name: z.string().min(1).max(10),
          frequency: z.object({ times: z.number().int().min(1), days: z.number().int().min(1) }),
        }),
        response: { 201: z.object({ name: z.string() }) },
      },
    },
    async (request, reply) => reply.code(201).send(request.body),
  );
  app.get(
    '/probe/items',
    {
      schema: {
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: z.object({ limit: z.number() }) },
      },
    },
    async (request) => ({ limit: request.query.limit }),
  );
  app.get('/probe/secret', { schema: { response: { 200: z.object({ id: z.string() }) } } }, async () => ({
    id: 'u1',
    passwordHash: 'must-never-leave',
  }));
  app.get('/probe/boom', async () => {
    throw new Error('database password is hunter2');
  });
  app.get('/probe/conflict', async () => {
    throw new AppError('CONFLICT', 'Already exists', { details: [{ existingId: 'h1' }] });
  });
  app.get('/probe/bad-response', { schema: { response: { 200: z.object({ n: z.number() }) } } }, async () => ({
    n: 'not a number' as unknown as number,
  }));
}

function expectEnvelope(body: unknown, code: keyof typeof errorCatalog, requestId: string) {
  const parsed = ErrorEnvelope.parse(body);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.requestId).toBe(requestId);
  return parsed.error;
}

describe('the error envelope', () => {
  // One app for the tests that only send requests; the body limit and the log capture get their own.
  let app: App;
  beforeAll(async () => {
    ({ app } = await setup({ routes: probeRoutes }));
  });

  it('names every invalid body field with its path', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/probe/items',
      payload: { name: 'x'.repeat(11), frequency: { times: 0, days: 'seven' } },
    });
    expect(res.statusCode).toBe(400);
    const error = expectEnvelope(res.json(), 'VALIDATION_ERROR', res.headers['x-request-id'] as string);
    const paths = (error.details ?? []).map((d) => `${d.location}:${d.path}`).sort();
    expect(paths).toEqual(['body:frequency.days', 'body:frequency.times', 'body:name']);
    expect(error.message).toMatch(/^body\./);
  });

  it('rejects a querystring that does not fit, naming the parameter', async () => {
    for (const url of ['/probe/items?limit=abc', '/probe/items?limit=1000', '/probe/items?limit=1&limit=2']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      const error = expectEnvelope(res.json(), 'VALIDATION_ERROR', res.headers['x-request-id'] as string);
      expect(error.details?.[0]).toMatchObject({ location: 'querystring', path: 'limit' });
    }
    const ok = await app.inject({ method: 'GET', url: '/probe/items' });
    expect(ok.json()).toEqual({ limit: 20 });
  });

  it('answers absurd query strings with 4xx, never 500', async () => {
    const urls = [
      `/probe/items?limit=${'9'.repeat(5000)}`,
      '/probe/items?__proto__[limit]=1',
      '/probe/items?constructor[prototype][x]=1&limit=5',
      '/probe/items?limit=%E0%A4%A',
      `/probe/items?${'a=1&'.repeat(2000)}`,
    ];
    for (const url of urls) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBeLessThan(500);
      if (res.statusCode >= 400) ErrorEnvelope.parse(res.json());
    }
  });

  it('answers malformed JSON with 400 MALFORMED_BODY', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/probe/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "a",',
    });
    expect(res.statusCode).toBe(400);
    expectEnvelope(res.json(), 'MALFORMED_BODY', res.headers['x-request-id'] as string);
  });

  it('answers an empty JSON body with 400 MALFORMED_BODY', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/probe/items',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expectEnvelope(res.json(), 'MALFORMED_BODY', res.headers['x-request-id'] as string);
  });

  it('answers a wrong content type with 415', async () => {
    for (const type of ['text/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await app.inject({
        method: 'POST',
        url: '/probe/items',
        headers: { 'content-type': type },
        payload: 'name=a',
      });
      expect(res.statusCode, type).toBe(415);
      expectEnvelope(res.json(), 'UNSUPPORTED_MEDIA_TYPE', res.headers['x-request-id'] as string);
    }
  });

  it('answers a body over the limit with 413', async () => {
    const { app: limited } = await setup({ routes: probeRoutes, env: { BODY_LIMIT_BYTES: '2048' } });
    const res = await limited.inject({
      method: 'POST',
      url: '/probe/items',
      payload: { name: 'a', frequency: { times: 1, days: 1 }, padding: 'x'.repeat(4096) },
    });
    expect(res.statusCode).toBe(413);
    expectEnvelope(res.json(), 'PAYLOAD_TOO_LARGE', res.headers['x-request-id'] as string);
  });

  it('answers an unknown route with 404 and a known path with another method with 405 and Allow', async () => {
    const missing = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expectEnvelope(missing.json(), 'NOT_FOUND', missing.headers['x-request-id'] as string);

    const wrongMethod = await app.inject({ method: 'DELETE', url: '/probe/items' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD, POST');
    expectEnvelope(wrongMethod.json(), 'METHOD_NOT_ALLOWED', wrongMethod.headers['x-request-id'] as string);
  });

  it('masks unexpected errors as 500 INTERNAL and logs the cause under the request id', async () => {
    const { app: own, logs } = await setup({ routes: probeRoutes });
    const res = await own.inject({ method: 'GET', url: '/probe/boom' });
    expect(res.statusCode).toBe(500);
    const error = expectEnvelope(res.json(), 'INTERNAL', res.headers['x-request-id'] as string);
    expect(error.message).toBe('Internal server error');
    expect(res.body).not.toContain('hunter2');
    const logged = logs.lines.find((l) => l.requestId === error.requestId && l.level === 'error');
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('turns a response that breaks its own schema into a masked 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/probe/bad-response' });
    expect(res.statusCode).toBe(500);
    expectEnvelope(res.json(), 'INTERNAL', res.headers['x-request-id'] as string);
  });

  it('carries structured details of an AppError with the status from the table', async () => {
    const res = await app.inject({ method: 'GET', url: '/probe/conflict' });
    expect(res.statusCode).toBe(errorCatalog.CONFLICT.status);
    expect(expectEnvelope(res.json(), 'CONFLICT', res.headers['x-request-id'] as string).details).toEqual([
      { existingId: 'h1' },
    ]);
  });

  it('never lets an undeclared field leave the server', async () => {
    const res = await app.inject({ method: 'GET', url: '/probe/secret' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'u1' });
  });
});
