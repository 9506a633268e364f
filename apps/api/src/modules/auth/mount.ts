import { type ErrorCode, errorCatalog } from '@habitual/shared';
import { fromNodeHeaders } from 'better-auth/node';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Auth, CLIENT_IP_HEADER } from './auth.js';

/** better-auth paths after which cached sessions/keys may be stale on this instance. */
const REVOKING_PATHS = [
  '/sign-out',
  '/revoke-session',
  '/revoke-sessions',
  '/revoke-other-sessions',
  '/reset-password',
  '/change-password',
  '/delete-user',
  '/admin/',
  '/api-key/',
];

function ourCode(status: number, authCode: string | undefined): ErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status >= 500) return 'INTERNAL';
  if (authCode?.includes('ALREADY_EXISTS') || status === 409) return 'CONFLICT';
  return 'VALIDATION_ERROR';
}

/**
 * better-auth at /api/auth/*, in its own scope: the exact request bytes go through (form posts
 * and empty bodies included), the client address Fastify resolved (honouring TRUST_PROXY) is
 * handed over in a header only we set, so its rate limits are per client. Its errors are
 * rewritten into our envelope, keeping its own `code` and `message` at the top level for the
 * better-auth client.
 */
export async function mountAuth(
  app: FastifyInstance,
  options: { auth: Auth; publicUrl: string; onRevocation: () => void },
): Promise<void> {
  const { auth, publicUrl } = options;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    scope.route({
      method: ['GET', 'POST'],
      url: '/api/auth/*',
      schema: { hide: true },
      handler: async (request, reply) => {
        const url = new URL(request.url, publicUrl);
        const headers = fromNodeHeaders(request.headers);
        headers.delete(CLIENT_IP_HEADER);
        headers.set(CLIENT_IP_HEADER, request.ip);
        // Browsers always send Sec-Fetch-Site, and Origin on every write. With neither, the caller
        // is a script, an app or curl (Node's fetch adds only `sec-fetch-mode: cors`), where
        // cross-site forgery cannot happen: it is treated as first-party, so better-auth's checks
        // for browsers neither refuse it for a missing Origin nor for a cookie it holds.
        if (!headers.has('origin') && !headers.has('sec-fetch-site')) {
          for (const name of ['sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user']) headers.delete(name);
          headers.set('origin', new URL(publicUrl).origin);
        }
        const body = request.body instanceof Buffer && request.body.length > 0 ? request.body : undefined;
        const response = await auth.handler(new Request(url, { method: request.method, headers, body }));

        const path = url.pathname.slice('/api/auth'.length);
        if (request.method === 'POST' && response.ok && REVOKING_PATHS.some((p) => path.startsWith(p))) {
          options.onRevocation();
        }
        return forward(reply, response, request.id);
      },
    });
  });
}

async function forward(reply: FastifyReply, response: Response, requestId: string) {
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && name !== 'content-length') reply.header(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) reply.header('set-cookie', cookies);
  reply.code(response.status);

  const buffer = Buffer.from(await response.arrayBuffer());
  if (response.status < 400) return reply.send(buffer);

  let original: { code?: string; message?: string } = {};
  try {
    original = JSON.parse(buffer.toString('utf8')) as typeof original;
  } catch {
    // Not JSON: keep the status, describe it ourselves.
  }
  const code = ourCode(response.status, original.code);
  const status = errorCatalog[code].status;
  const message = status >= 500 ? 'Internal server error' : (original.message ?? errorCatalog[code].description);
  const retryAfter = response.headers.get('x-retry-after');
  if (retryAfter) reply.header('retry-after', retryAfter);
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send(
      JSON.stringify({
        error: {
          code,
          message,
          ...(original.code ? { details: [{ authCode: original.code }] } : {}),
          requestId,
        },
        code: original.code,
        message,
      }),
    );
}
