import { z } from 'zod';

/**
 * The shapes of the better-auth endpoints we expose under /api/auth. The API validates every
 * request against these before better-auth sees it, and sends every 2xx body through them, so
 * what the spec shows is exactly what is accepted and returned.
 */

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
/** Sessions a user keeps: signing in once more signs the oldest beyond this many out. */
export const MAX_SESSIONS_PER_USER = 100;
/** Longest URL accepted anywhere in an auth request (callback and redirect URLs, image). */
export const AUTH_URL_MAX_LENGTH = 2048;

const Email = z.email().max(254).describe('An email address (at most 254 characters).');
const Password = z
  .string()
  .min(PASSWORD_MIN_LENGTH)
  .max(PASSWORD_MAX_LENGTH)
  .describe(`${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`);
const CallbackUrl = z
  .string()
  .min(1)
  .max(AUTH_URL_MAX_LENGTH)
  .describe('A path on this API or an absolute URL of a trusted origin (`CORS_ORIGINS`); others answer 403.');
const Token = (max: number, what: string) => z.string().min(1).max(max).describe(what);

export const SignUpEmail = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    email: Email,
    password: Password,
    image: z
      .url({ protocol: /^https?$/ })
      .max(AUTH_URL_MAX_LENGTH)
      .optional()
      .describe('An http(s) URL of a profile picture.'),
    callbackURL: CallbackUrl.optional().describe('Where the verification link leads after confirming.'),
    rememberMe: z.boolean().optional().describe('false: the session ends with the browser session.'),
  })
  .meta({
    id: 'SignUpEmail',
    examples: [{ name: 'Ada', email: 'ada@example.com', password: 'a long password' }],
  });
export type SignUpEmail = z.infer<typeof SignUpEmail>;

export const SignInEmail = z
  .strictObject({
    email: Email,
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
    callbackURL: CallbackUrl.optional(),
    rememberMe: z.boolean().optional().describe('false: the session ends with the browser session.'),
  })
  .meta({ id: 'SignInEmail', examples: [{ email: 'ada@example.com', password: 'a long password' }] });
export type SignInEmail = z.infer<typeof SignInEmail>;

/** The endpoints that take no input accept no body, or `{}`. */
export const EmptyBody = z.strictObject({}).meta({ id: 'EmptyBody', examples: [{}] });

export const SendVerificationEmail = z
  .strictObject({ email: Email, callbackURL: CallbackUrl.optional() })
  .meta({ id: 'SendVerificationEmail', examples: [{ email: 'ada@example.com' }] });

export const VerifyEmailQuery = z.object({
  token: Token(4096, 'The token from the mailed link.'),
  callbackURL: CallbackUrl.optional().describe('Where to redirect after verifying; without it the answer is JSON.'),
});

export const RequestPasswordReset = z
  .strictObject({
    email: Email,
    redirectTo: CallbackUrl.optional().describe(
      "The app's reset page; the mailed link redirects there with `?token=`.",
    ),
  })
  .meta({
    id: 'RequestPasswordReset',
    examples: [{ email: 'ada@example.com', redirectTo: 'https://app.example.com/reset' }],
  });

export const ResetPassword = z
  .strictObject({
    token: Token(256, 'The token from the reset link.'),
    newPassword: Password,
  })
  .meta({ id: 'ResetPassword', examples: [{ token: 'a1B2c3D4e5F6g7H8i9J0k1L2', newPassword: 'a new long password' }] });

export const ResetPasswordTokenParams = z.object({ token: Token(256, 'The token from the reset link.') });
export const ResetPasswordCallbackQuery = z.object({
  callbackURL: CallbackUrl.describe("The app's reset page, as given to request-password-reset."),
});

export const ChangePassword = z
  .strictObject({
    currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
    newPassword: Password,
    revokeOtherSessions: z.boolean().optional().describe('true: sign out every other session too.'),
  })
  .meta({
    id: 'ChangePassword',
    examples: [{ currentPassword: 'a long password', newPassword: 'a new long password', revokeOtherSessions: true }],
  });

export const RevokeSession = z
  .strictObject({ token: Token(256, 'The session token to end: the `token` of a sign-in or sign-up response.') })
  .meta({ id: 'RevokeSession' });

export const AuthUser = z
  .object({
    id: z.string(),
    email: z.string(),
    emailVerified: z.boolean(),
    name: z.string(),
    image: z.string().nullable(),
    role: z.string().nullable().describe('`user` or `admin`.'),
    timezone: z.string().nullable(),
    weekStartsOn: z.number().int().min(0).max(6).nullable(),
    dayStartHour: z.number().int().min(0).max(23).nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'AuthUser', description: 'The signed-in user, as the auth endpoints return it.' });

export const AuthSession = z
  .object({
    id: z.string().describe('Revoke it with `DELETE /api/v1/sessions/{sessionId}`.'),
    userId: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    ipAddress: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .meta({
    id: 'AuthSession',
    description: 'A session, without its token (a token is a credential; it is never listed).',
  });
export type AuthSession = z.infer<typeof AuthSession>;

export const SignedIn = z
  .object({
    redirect: z.boolean(),
    token: z.string().describe('The new session token (also in the `set-auth-token` header).'),
    url: z.string().nullable().optional(),
    user: AuthUser,
  })
  .meta({ id: 'SignedIn' });

export const SignedUp = z
  .object({
    token: z.string().nullable().describe('The new session token; null while the email must be verified first.'),
    user: AuthUser,
  })
  .meta({ id: 'SignedUp' });

export const CurrentSession = z
  .object({ session: AuthSession, user: AuthUser })
  .nullable()
  .meta({ id: 'CurrentSession', description: 'The session and its user; null when not signed in.' });

export const PasswordChanged = z
  .object({
    token: z.string().nullable().describe('The new session token when other sessions were revoked, else null.'),
    user: AuthUser,
  })
  .meta({ id: 'PasswordChanged' });

export const AuthStatus = z.object({ status: z.boolean() }).meta({ id: 'AuthStatus' });
export const AuthStatusMessage = z
  .object({ status: z.boolean(), message: z.string() })
  .meta({ id: 'AuthStatusMessage' });
export const SignedOut = z.object({ success: z.boolean() }).meta({ id: 'SignedOut' });
export const EmailVerified = z
  .object({ status: z.boolean(), user: AuthUser.nullable().optional() })
  .meta({ id: 'EmailVerified' });

/** `GET /api/v1/sessions`: the user's sessions, newest first, the caller's own marked. */
export const SessionInfo = AuthSession.omit({ updatedAt: true })
  .extend({ current: z.boolean().describe('The session this request is authenticated by.') })
  .meta({ id: 'SessionInfo' });
export type SessionInfo = z.infer<typeof SessionInfo>;
