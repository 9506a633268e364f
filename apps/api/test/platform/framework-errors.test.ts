/**
 * Errors raised by Fastify's router and by Node's HTTP parser (before any route runs) answer
 * with the same error envelope as everything else, and never echo the request back.
 */
import { connect } from 'node:net';
import { ErrorEnvelope } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../src/app.js';
import { setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte sent to the connection closing. */
  elapsedMs: number;
}

/** Sends raw bytes and reads until the server closes the connection. */
function raw(port: number, bytes: string | Buffer, options: { end?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let started = 0;
    socket.on('connect', () => {
      started = performance.now();
      socket.write(bytes);
      if (options.end) socket.end();
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server destroys the connection after answering; a reset after a full answer is fine.
      if (err.code !== 'ECONNRESET' || chunks.length === 0) reject(err);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body,
        elapsedMs: performance.now() - started,
      });
    });
  });
}

async function listening() {
  const { app } = await setup();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { app, port };
}

function expectEnvelope(res: { body: string; headers: Record<string, unknown> }, code: string) {
  const parsed = ErrorEnvelope.parse(JSON.parse(res.body));
  expect(parsed.error.code).toBe(code);
  expect(res.headers['x-request-id']).toBe(parsed.error.requestId);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  return parsed;
}

describe('framework errors', () => {
  it('a path parameter over 200 characters: 414 URI_TOO_LONG, without echoing the URL', async () => {
    const { app } = await setup();
    const user = await signUp(app);
    const id = 'x'.repeat(201);
    const res = await app.inject({ method: 'GET', url: `/api/v1/habits/${id}`, headers: { cookie: user.cookie } });
    expect(res.statusCode).toBe(414);
    const parsed = expectEnvelope(res, 'URI_TOO_LONG');
    expect(res.body).not.toContain(id);
    expect(parsed.error.message).toContain('200');
    // The limit itself is allowed: 200 characters reach the route, whose schema wants a UUID.
    const atLimit = await app.inject({
      method: 'GET',
      url: `/api/v1/habits/${'x'.repeat(200)}`,
      headers: { cookie: user.cookie },
    });
    expect(atLimit.statusCode).toBe(400);
    expect(ErrorEnvelope.parse(atLimit.json()).error.details?.[0]).toMatchObject({
      location: 'params',
      path: 'habitId',
    });
  });

  it('a malformed percent-encoding in the path: 400 in the envelope', async () => {
    const { app } = await setup();
    const res = await app.inject({ method: 'GET', url: '/api/v1/habits/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expectEnvelope(res, 'VALIDATION_ERROR');
  });

  it('headers over 16 KiB: 431 REQUEST_HEADERS_TOO_LARGE and the connection closed', async () => {
    const { port } = await listening();
    const res = await raw(port, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers.connection).toBe('close');
    expectEnvelope(res, 'REQUEST_HEADERS_TOO_LARGE');
  });

  it('bytes that are not HTTP: 400 VALIDATION_ERROR', async () => {
    const { port } = await listening();
    const res = await raw(port, 'HELLO THERE\r\n\r\n');
    expect(res.status).toBe(400);
    const parsed = expectEnvelope(res, 'VALIDATION_ERROR');
    expect(parsed.error.message).toContain('not valid HTTP');
  });

  it('a request whose headers never finish (slow loris): 408 REQUEST_TIMEOUT after the headers timeout', async () => {
    const { port } = await listening();
    const res = await raw(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n');
    expect(res.status).toBe(408);
    expectEnvelope(res, 'REQUEST_TIMEOUT');
    // Closed by the headers timeout, not by the longer request timeout or the socket timeout.
    expect(res.elapsedMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(res.elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS);
  }, 60_000);

  it('a valid request on the same server is unaffected', async () => {
    const { port } = await listening();
    const res = await raw(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
  });
});
