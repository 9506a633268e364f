import {
  type AdminUser,
  type ApiKey,
  type CreateApiKey,
  type CreatedApiKey,
  MAX_API_KEYS_PER_USER,
  MAX_SESSIONS_PER_USER,
  type SessionInfo,
} from '@habitual/shared';
import { AppError } from '../../platform/app-error.js';
import { decodeCursor, keysetPage } from '../../platform/cursor.js';
import type { Auth } from './auth.js';
import { type Actor, permissionOf } from './guard.js';
import type { AuthRepository } from './repository.js';

type KeyRow = Awaited<ReturnType<AuthRepository['listApiKeys']>>[number];

function toApiKey(row: KeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name ?? '',
    start: row.start,
    permission: permissionOf(row.permissions),
    rateLimitPerMinute:
      row.rateLimitEnabled === false || row.rateLimitMax === null
        ? null
        : Math.round((row.rateLimitMax * 60_000) / (row.rateLimitTimeWindow ?? 60_000)),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

export function createAuthService(deps: {
  auth: Auth;
  repository: AuthRepository;
  /** Drops cached credentials on this instance, so a revocation is immediate here. */
  invalidate: () => void;
  now: () => Date;
}) {
  const { auth, repository } = deps;

  return {
    /** After something outside this module removed credentials (an account deletion). */
    invalidateCredentials(): void {
      deps.invalidate();
    },

    async verifyPassword(userId: string, password: string): Promise<boolean> {
      const hash = await repository.passwordHash(userId);
      if (!hash) return false;
      const context = await auth.$context;
      return context.password.verify({ hash, password });
    },

    async createApiKey(userId: string, input: CreateApiKey): Promise<CreatedApiKey> {
      const tooMany = (usage: number) =>
        new AppError('CONFLICT', `A user may hold at most ${MAX_API_KEYS_PER_USER} API keys; revoke one first`, {
          details: [{ resource: 'apiKeys', limit: MAX_API_KEYS_PER_USER, usage }],
        });
      const before = await repository.countApiKeys(userId);
      if (before >= MAX_API_KEYS_PER_USER) throw tooMany(before);
      const created = await auth.api.createApiKey({
        body: {
          userId,
          name: input.name,
          expiresIn: input.expiresInDays * 24 * 60 * 60,
          permissions: { api: input.permission === 'write' ? ['read', 'write'] : ['read'] },
          rateLimitEnabled: true,
          rateLimitTimeWindow: 60_000,
          rateLimitMax: input.rateLimitPerMinute,
        },
      });
      // better-auth inserts on its own connection, so no lock can span the count and the insert.
      // Instead each new key checks its place among the user's keys: the oldest MAX stay, a key
      // beyond them is taken back. Racing requests thus fill the cap exactly, never more.
      if ((await repository.apiKeyRank(userId, created.id)) > MAX_API_KEYS_PER_USER) {
        await repository.deleteApiKey(userId, created.id);
        throw tooMany(MAX_API_KEYS_PER_USER);
      }
      return {
        id: created.id,
        name: created.name ?? input.name,
        start: created.start ?? null,
        permission: input.permission,
        rateLimitPerMinute: input.rateLimitPerMinute,
        expiresAt: created.expiresAt ? new Date(created.expiresAt).toISOString() : null,
        createdAt: new Date(created.createdAt).toISOString(),
        key: created.key,
      };
    },

    async listApiKeys(userId: string): Promise<ApiKey[]> {
      return (await repository.listApiKeys(userId)).map(toApiKey);
    },

    async revokeApiKey(userId: string, keyId: string): Promise<void> {
      if (!(await repository.deleteApiKey(userId, keyId))) throw new AppError('NOT_FOUND', 'API key not found');
      deps.invalidate();
    },

    /** The user's unexpired sessions, newest first, without tokens; the caller's own marked. */
    async listSessions(actor: Actor): Promise<SessionInfo[]> {
      const rows = await repository.listSessions(actor.userId, deps.now());
      return rows.map((row) => ({
        id: row.id,
        userId: row.userId,
        createdAt: row.createdAt.toISOString(),
        expiresAt: row.expiresAt.toISOString(),
        ipAddress: row.ipAddress,
        userAgent: row.userAgent,
        current: row.id === actor.sessionId,
      }));
    },

    /** After a sign-in: the oldest sessions beyond the cap are signed out, so none piles up. */
    async pruneSessions(userId: string): Promise<void> {
      if ((await repository.pruneSessions(userId, MAX_SESSIONS_PER_USER)) > 0) deps.invalidate();
    },

    async revokeSession(userId: string, sessionId: string): Promise<void> {
      if (!(await repository.deleteSession(userId, sessionId))) throw new AppError('NOT_FOUND', 'Session not found');
      deps.invalidate();
    },

    async setRole(adminId: string, userId: string, role: 'user' | 'admin'): Promise<void> {
      // An admin demoting themselves could leave nobody able to undo it over the API.
      if (adminId === userId && role !== 'admin') {
        throw new AppError('CONFLICT', 'Admins cannot remove their own admin role; ask another admin', {
          details: [{ location: 'params', path: 'userId', message: 'is the caller' }],
        });
      }
      if (!(await repository.setRole(userId, role))) throw new AppError('NOT_FOUND', 'User not found');
      deps.invalidate();
    },

    async listUsers(query: { email?: string | undefined; limit: number; cursor?: string | undefined }) {
      const after = query.cursor ? decodeCursor(query.cursor, ['string', 'string'] as const) : undefined;
      const rows = await repository.listUsers({
        limit: query.limit,
        ...(query.email ? { email: query.email } : {}),
        ...(after ? { after: { createdAt: new Date(after[0]), id: after[1] } } : {}),
      });
      return keysetPage(rows, query.limit, {
        cursorOf: (last) => [last.createdAt.toISOString(), last.id],
        map: (row): AdminUser => ({
          id: row.id,
          email: row.email,
          name: row.name,
          role: row.role === 'admin' ? 'admin' : 'user',
          emailVerified: row.emailVerified,
          banned: row.banned === true,
          banReason: row.banReason,
          banExpiresAt: row.banExpires?.toISOString() ?? null,
          createdAt: row.createdAt.toISOString(),
        }),
      });
    },

    async banUser(
      adminId: string,
      userId: string,
      ban: { reason?: string | undefined; expiresInSeconds?: number | undefined },
    ) {
      if (adminId === userId) throw new AppError('CONFLICT', 'Admins cannot ban themselves');
      const expires = ban.expiresInSeconds ? new Date(deps.now().getTime() + ban.expiresInSeconds * 1000) : null;
      if (!(await repository.setBan(userId, { reason: ban.reason ?? null, expires }))) {
        throw new AppError('NOT_FOUND', 'User not found');
      }
      deps.invalidate();
    },

    async unbanUser(userId: string) {
      if (!(await repository.setBan(userId, null))) throw new AppError('NOT_FOUND', 'User not found');
      deps.invalidate();
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
