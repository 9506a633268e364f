import type { ErrorCode } from '@habitual/shared';
import { fromNodeHeaders } from 'better-auth/node';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/app-error.js';
import type { App } from '../../platform/app-types.js';
import { codeForStatus } from '../../platform/error-handler.js';
import { type Auth, CLIENT_IP_HEADER } from './auth.js';
import { AUTH_ENDPOINTS } from './auth-endpoints.js';

const BASE = '/api/auth';

/**
 * better-auth at /api/auth, behind our own allowlist: each of AUTH_ENDPOINTS is a route of ours,
 * validated against the shared schemas before better-auth sees it and answered through the
 * declared response schema (so undeclared fields, such as session tokens, never leave). It is
 * called on the canonical path of the matched route, never on the URL as sent, so path tricks
 * (`//admin/...`, encodings) cannot reach anything else; every other path answers 404.
 */
export async function mountAuth(
  app: App,
  options: {
    auth: Auth;
    publicUrl: string;
    onRevocation: () => void;
    /** After a sign-in or sign-up that made a session (to cap the user's sessions). */
    onSignIn: (userId: string) => Promise<void>;
  },
): Promise<void> {
  const { auth, publicUrl } = options;

  for (const endpoint of AUTH_ENDPOINTS) {
    app.route({
      method: endpoint.method,
      url: `${BASE}${endpoint.path}`,
      config: { errors: [...(endpoint.session ? (['UNAUTHENTICATED'] as const) : []), ...(endpoint.errors ?? [])] },
      schema: {
        operationId: endpoint.operationId,
        tags: ['Auth'],
        summary: endpoint.summary,
        ...(endpoint.description ? { description: endpoint.description } : {}),
        ...(endpoint.session ? { security: [{ cookieAuth: [] }, { bearerAuth: [] }] } : {}),
        ...(endpoint.body ? { body: endpoint.body } : {}),
        ...(endpoint.querystring ? { querystring: endpoint.querystring } : {}),
        ...(endpoint.params ? { params: endpoint.params } : {}),
        response: endpoint.response,
      },
      handler: async (request, reply) => {
        const url = new URL(`${BASE}${fillPath(endpoint.path, request.params)}`, publicUrl);
        // Only the validated parameters go through; anything else in the query string is dropped.
        if (endpoint.querystring) {
          for (const [name, value] of Object.entries(request.query as Record<string, unknown>)) {
            if (value !== undefined) url.searchParams.set(name, String(value));
          }
        }
        const headers = forwardHeaders(request, publicUrl);
        let body: string | undefined;
        if (endpoint.method === 'POST') {
          body = JSON.stringify(request.body ?? {});
          headers.set('content-type', 'application/json');
        }
        const response = await auth.handler(new Request(url, { method: endpoint.method, headers, body }));
        if (endpoint.revokes && response.ok) options.onRevocation();
        return answer(reply, response, endpoint.signsIn ? options.onSignIn : undefined);
      },
    });
  }

  // Everything else under /api/auth, whatever the method and body, is not there.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: `${BASE}/*`,
      schema: { hide: true },
      handler: async (request) => {
        throw new AppError('NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`);
      },
    });
  });
}

function fillPath(path: string, params: unknown): string {
  const values = (params ?? {}) as Record<string, string>;
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => encodeURIComponent(values[name] ?? ''));
}

/**
 * The caller's headers, minus what must not reach better-auth as sent: the client address
 * header is ours alone (set from what Fastify resolved, honouring TRUST_PROXY), and the body is
 * re-encoded, so its length is recomputed.
 */
function forwardHeaders(request: FastifyRequest, publicUrl: string): Headers {
  const headers = fromNodeHeaders(request.headers);
  headers.delete(CLIENT_IP_HEADER);
  headers.set(CLIENT_IP_HEADER, request.ip);
  // Browsers always send Sec-Fetch-Site, and Origin on every write. With neither, the caller is a
  // script, an app or curl (Node's fetch adds only `sec-fetch-mode: cors`), where cross-site
  // forgery cannot happen: it is treated as first-party, so better-auth's checks for browsers
  // neither refuse it for a missing Origin nor for a cookie it holds.
  if (!headers.has('origin') && !headers.has('sec-fetch-site')) {
    for (const name of ['sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user']) headers.delete(name);
    headers.set('origin', new URL(publicUrl).origin);
  }
  headers.delete('content-length');
  headers.delete('content-type');
  return headers;
}

async function answer(reply: FastifyReply, response: Response, onSignIn?: (userId: string) => Promise<void>) {
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && name !== 'content-length' && name !== 'content-type') reply.header(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) reply.header('set-cookie', cookies);

  if (response.status >= 400) throw await authError(response);
  reply.code(response.status);
  const text = await response.text();
  if (response.status >= 300 || text === '') return reply.send();
  const body = JSON.parse(text) as { token?: unknown; user?: { id?: unknown } } | null;
  if (onSignIn && typeof body?.token === 'string' && typeof body.user?.id === 'string') await onSignIn(body.user.id);
  // Sent as a value, so the route's response schema checks it and strips undeclared fields.
  return reply.send(body);
}

/** better-auth's error as ours: the envelope alone, its own code kept in `details`. */
async function authError(response: Response): Promise<AppError> {
  let original: { code?: unknown; message?: unknown } = {};
  try {
    original = (await response.json()) as typeof original;
  } catch {
    // Not JSON: the status says enough.
  }
  const authCode = typeof original.code === 'string' ? original.code : undefined;
  const code: ErrorCode = authCode?.endsWith('ALREADY_EXISTS_USE_ANOTHER_EMAIL')
    ? 'CONFLICT'
    : codeForStatus(response.status);
  const retryAfter = response.headers.get('x-retry-after');
  return new AppError(code, typeof original.message === 'string' ? original.message : 'The request was refused', {
    ...(authCode ? { details: [{ authCode }] } : {}),
    ...(retryAfter ? { headers: { 'retry-after': retryAfter } } : {}),
  });
}
