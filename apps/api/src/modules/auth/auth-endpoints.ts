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
import { z } from 'zod';

/** One better-auth endpoint we expose: everything else under /api/auth answers 404. */
export interface Endpoint {
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
