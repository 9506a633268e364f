import { describe, expect, it } from 'vitest';
import { setup } from '../helpers/setup.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('generates one per request and returns it in the header and the logs', async () => {
    const { app, logs } = await setup();
    const a = await app.inject({ method: 'GET', url: '/nowhere' });
    const b = await app.inject({ method: 'GET', url: '/nowhere' });
    const idA = a.headers['x-request-id'] as string;
    expect(idA).toMatch(UUID);
    expect(b.headers['x-request-id']).not.toBe(idA);
    expect(a.json().error.requestId).toBe(idA);
    const lines = logs.lines.filter((l) => l.requestId === idA);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  });

  it('keeps a well-formed incoming x-request-id', async () => {
    const { app } = await setup();
    const res = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'edge-42.abc:1' } });
    expect(res.headers['x-request-id']).toBe('edge-42.abc:1');
  });

  it('replaces an incoming id that could forge log lines', async () => {
    const { app } = await setup();
    for (const bad of ['a b', 'x'.repeat(200), '{"level":"fatal"}', '']) {
      const res = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': bad } });
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
  });
});
