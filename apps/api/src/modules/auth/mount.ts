import {
  AuthSession,
  AuthStatus,
  AuthStatusMessage,
  ChangePassword,
  CurrentSession,
  EmailVerified,
  EmptyBody,
  type ErrorCode,
  PasswordChanged,
  RequestPasswordReset,
  ResetPassword,
  ResetPasswordCallbackQuery,
  ResetPasswordTokenParams,
  RevokeSession,
  SendVerificationEmail,
  SignedIn,
  SignedOut,
  SignedUp,
  SignInEmail,
  SignUpEmail,
  VerifyEmailQuery,
} from '@habitual/shared';
import { fromNodeHeaders } from 'better-auth/node';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { AppError } from '../../platform/app-error.js';
import { codeForStatus } from '../../platform/error-handler.js';
import { type Auth, CLIENT_IP_HEADER } from './auth.js';

/** One better-auth endpoint we expose: everything else under /api/auth answers 404. */
interface Endpoint {
  method: 'GET' | 'POST';
  /** The path under /api/auth, in Fastify's syntax; better-auth gets the same path, filled in. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** Authenticated by the session (cookie or bearer); documents the 401. */
  session?: boolean;
  /** Error codes besides the standard ones. */
  errors?: ErrorCode[];
  body?: z.ZodType;
  querystring?: z.ZodType;
  params?: z.ZodType;
  response: Record<number, z.ZodType>;
  /** A successful call ends sessions or credentials: drop this instance's cached ones. */
  revokes?: boolean;
  /** A successful call may create a session (its body names the user). */
  signsIn?: boolean;
}

/** Takes no input: no body, or `{}` (DELETE-like POSTs from clients that always send JSON). */
const NoBody = EmptyBody.nullish();
const Redirect = (what: string) => ({ 302: z.undefined().describe(`${what} The \`Location\` header says where.`) });

/** The better-auth endpoints the product needs, and only those (see docs/operations.md). */
export const AUTH_ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'POST',
    path: '/sign-up/email',
    operationId: 'signUpEmail',
    summary: 'Sign up with email and password',
    description:
      'Creates the account. With email verification off it signs in at once: a session cookie for browsers, and the token in the `set-auth-token` header for other clients (send it as `Authorization: Bearer`). With verification on, a link is mailed and `token` is null.',
    errors: ['CONFLICT', 'FORBIDDEN'],
    body: SignUpEmail,
    response: { 200: SignedUp.describe('The account, and a session when no verification is required.') },
    signsIn: true,
  },
  {
    method: 'POST',
    path: '/sign-in/email',
    operationId: 'signInEmail',
    summary: 'Sign in with email and password',
    description:
      'Sets the session cookie, and returns the token in the `set-auth-token` header (for `Authorization: Bearer`). A wrong password and an unknown email get the same 401; an unverified email or a banned account 403.',
    errors: ['UNAUTHENTICATED', 'FORBIDDEN'],
    body: SignInEmail,
    response: { 200: SignedIn.describe('Signed in.') },
    signsIn: true,
  },
  {
    method: 'POST',
    path: '/sign-out',
    operationId: 'signOut',
    summary: 'Sign out',
    description: 'Ends the session of the cookie or bearer token sent, and clears the cookie.',
    errors: ['FORBIDDEN'],
    body: NoBody,
    response: { 200: SignedOut.describe('Signed out (also when there was no session).') },
    revokes: true,
  },
  {
    method: 'GET',
    path: '/get-session',
    operationId: 'getSession',
    summary: 'Get the current session',
    description: 'The session and user of the cookie or bearer token sent, or `null`. Tokens are never included.',
    response: { 200: CurrentSession.describe('The session, or null when not signed in.') },
  },
  {
    method: 'GET',
    path: '/verify-email',
    operationId: 'verifyEmail',
    summary: 'Confirm an email address (the mailed link)',
    description:
      'The link in the verification mail. With `callbackURL` it redirects there (adding `?error=` when the token is invalid); without it it answers JSON. It signs the user in.',
    errors: ['UNAUTHENTICATED', 'FORBIDDEN'],
    querystring: VerifyEmailQuery,
    response: { 200: EmailVerified.describe('Verified.'), ...Redirect('Verified (or not: see `?error=`).') },
  },
  {
    method: 'POST',
    path: '/send-verification-email',
    operationId: 'sendVerificationEmail',
    summary: 'Send the verification mail again',
    errors: ['FORBIDDEN'],
    body: SendVerificationEmail,
    response: { 200: AuthStatus.describe('Sent, if the address belongs to an unverified account.') },
  },
  {
    method: 'POST',
    path: '/request-password-reset',
    operationId: 'requestPasswordReset',
    summary: 'Mail a password-reset link',
    description: 'Answers the same whether or not the address has an account.',
    errors: ['FORBIDDEN'],
    body: RequestPasswordReset,
    response: { 200: AuthStatusMessage.describe('Mailed, if the address has an account.') },
  },
  {
    method: 'GET',
    path: '/reset-password/:token',
    operationId: 'resetPasswordCallback',
    summary: 'Open a password-reset link (the mailed link)',
    description:
      'Redirects to `callbackURL` with `?token=` for the app to show its form, or with `?error=INVALID_TOKEN`.',
    errors: ['FORBIDDEN'],
    params: ResetPasswordTokenParams,
    querystring: ResetPasswordCallbackQuery,
    response: Redirect('To the app.'),
  },
  {
    method: 'POST',
    path: '/reset-password',
    operationId: 'resetPassword',
    summary: 'Set a new password with a reset token',
    description: 'Every session of the user ends.',
    errors: ['FORBIDDEN'],
    body: ResetPassword,
    response: { 200: AuthStatus.describe('The password is changed.') },
    revokes: true,
  },
  {
    method: 'POST',
    path: '/change-password',
    operationId: 'changePassword',
    summary: 'Change the password',
    session: true,
    errors: ['FORBIDDEN'],
    body: ChangePassword,
    response: { 200: PasswordChanged.describe('The password is changed.') },
    revokes: true,
  },
  {
    method: 'GET',
    path: '/list-sessions',
    operationId: 'listAuthSessions',
    summary: "List the user's sessions",
    description: 'Without tokens: revoke one by id with `DELETE /api/v1/sessions/{sessionId}`.',
    session: true,
    response: { 200: z.array(AuthSession).describe('Every unexpired session of the user.') },
  },
  {
    method: 'POST',
    path: '/revoke-session',
    operationId: 'revokeSessionByToken',
    summary: 'End a session by its token',
    description:
      "For a token the client holds; to end another device's session use `DELETE /api/v1/sessions/{sessionId}`.",
    session: true,
    errors: ['FORBIDDEN'],
    body: RevokeSession,
    response: { 200: AuthStatus.describe('Ended (also when the token matched no session of the user).') },
    revokes: true,
  },
  {
    method: 'POST',
    path: '/revoke-sessions',
    operationId: 'revokeSessions',
    summary: 'End every session, this one included',
    session: true,
    errors: ['FORBIDDEN'],
    body: NoBody,
    response: { 200: AuthStatus.describe('Every session is ended.') },
    revokes: true,
  },
  {
    method: 'POST',
    path: '/revoke-other-sessions',
    operationId: 'revokeOtherSessions',
    summary: 'End every other session',
    session: true,
    errors: ['FORBIDDEN'],
    body: NoBody,
    response: { 200: AuthStatus.describe('Every other session is ended.') },
    revokes: true,
  },
];

const BASE = '/api/auth';

/**
 * better-auth at /api/auth, behind our own allowlist: each endpoint above is a route of ours,
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
        const headers = forwardHeaders(request);
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
function forwardHeaders(request: FastifyRequest): Headers {
  const headers = fromNodeHeaders(request.headers);
  headers.delete(CLIENT_IP_HEADER);
  headers.set(CLIENT_IP_HEADER, request.ip);
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
