import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/app-error.js';
import type { Database } from '../../platform/db/client.js';
import { apikey, session, user } from './schema.js';

export type AuthMethod = 'cookie' | 'bearer' | 'api_key';
export type Access = 'read' | 'write';

/** Who is calling, however they authenticated. */
export interface Actor {
  userId: string;
  role: 'user' | 'admin';
  via: AuthMethod;
  /** API keys may be read-only; sessions can always write. */
  permission: Access;
  sessionId: string | null;
  sessionCreatedAt: Date | null;
  apiKeyId: string | null;
  /** The key's own limit (requests per window), for the per-key rate limit. */
  rateLimit: { max: number; windowMs: number } | null;
}

/**
 * The actor of a route that declares `config.auth` (the guard has already answered 401 otherwise).
 * A function rather than a request decorator: `request.actor` stays honestly nullable (public
 * routes have none), and a route that forgot `config.auth` fails closed with a 401 here.
 */
export function actorOf(request: { actor: Actor | null }): Actor {
  if (!request.actor) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return request.actor;
}

export interface RouteAuth {
  /** `user`: any signed-in user; `admin`: role admin. */
  level: 'user' | 'admin';
  /** `write` routes refuse read-only API keys. Default `read`. */
  access?: Access;
  /** Refuse API keys (account and key management need a person's session). */
  sessionOnly?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Absent: the route is public. */
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

interface CachedCredential {
  actor: Omit<Actor, 'via'>;
  expiresAt: number;
  banned: boolean;
  banExpires: number | null;
  storedAt: number;
}

/** Hashes an API key the way better-auth's api-key plugin stores it (SHA-256, base64url). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

export interface GuardDeps {
  db: Database;
  secret: string;
  cookieName: string;
  cacheTtlMs: number;
  now: () => number;
}

/**
 * The one guard: resolves a cookie session, a bearer token or an API key to an Actor with one
 * indexed lookup, and keeps the result for at most `cacheTtlMs` (so revocation elsewhere takes
 * effect within that bound; `invalidate()` makes it immediate on this instance).
 */
export class AuthGuard {
  private readonly cache = new Map<string, CachedCredential>();
  private readonly maxEntries = 10_000;

  private readonly deps: GuardDeps;

  // Prepared once: the lookups run on every uncached request.
  private readonly sessionByToken;
  private readonly apiKeyByHash;

  constructor(deps: GuardDeps) {
    this.deps = deps;
    this.sessionByToken = deps.db
      .select({
        sessionId: session.id,
        userId: session.userId,
        expiresAt: session.expiresAt,
        createdAt: session.createdAt,
        role: user.role,
        banned: user.banned,
        banExpires: user.banExpires,
      })
      .from(session)
      .innerJoin(user, eq(user.id, session.userId))
      .where(eq(session.token, sql.placeholder('token')))
      .limit(1)
      .prepare('guard_session_by_token');
    this.apiKeyByHash = deps.db
      .select({
        id: apikey.id,
        userId: apikey.referenceId,
        enabled: apikey.enabled,
        expiresAt: apikey.expiresAt,
        permissions: apikey.permissions,
        rateLimitEnabled: apikey.rateLimitEnabled,
        rateLimitMax: apikey.rateLimitMax,
        rateLimitTimeWindow: apikey.rateLimitTimeWindow,
        role: user.role,
        banned: user.banned,
        banExpires: user.banExpires,
      })
      .from(apikey)
      .innerJoin(user, eq(user.id, apikey.referenceId))
      .where(and(eq(apikey.key, sql.placeholder('hashed')), eq(apikey.enabled, true)))
      .limit(1)
      .prepare('guard_api_key_by_hash');
  }

  invalidate(): void {
    this.cache.clear();
  }

  /** Credential lookups answered from memory and from the database (read by the metrics). */
  readonly cacheStats = { hits: 0, misses: 0, entries: () => this.cache.size };

  /** The caller's actor, or null when no credential was sent. Throws 401 for a bad one. */
  async resolve(request: FastifyRequest): Promise<Actor | null> {
    const key = header(request, 'x-api-key');
    if (key !== undefined) return this.fromApiKey(key);
    const authorization = header(request, 'authorization');
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Authorization must be `Bearer <token>`');
      return this.fromSessionToken(match[1], 'bearer', false);
    }
    const cookie = readCookie(request.headers.cookie, this.deps.cookieName);
    if (cookie !== undefined) return this.fromSessionToken(cookie, 'cookie', true);
    return null;
  }

  private verifySigned(value: string, requireSignature: boolean): string | null {
    const decoded = safeDecode(value);
    const dot = decoded.lastIndexOf('.');
    if (dot === -1) return requireSignature ? null : decoded;
    const token = decoded.slice(0, dot);
    const given = Buffer.from(decoded.slice(dot + 1), 'base64');
    const expected = createHmac('sha256', this.deps.secret).update(token).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return token;
  }

  private async fromSessionToken(value: string, via: AuthMethod, requireSignature: boolean): Promise<Actor> {
    const token = value.length <= 512 ? this.verifySigned(value, requireSignature) : null;
    if (!token) throw new AppError('UNAUTHENTICATED', 'The session token is invalid');
    const credential = await this.cached(`s:${token}`, () => this.loadSession(token));
    return this.admit(credential, via, 'The session has expired or was signed out');
  }

  private async fromApiKey(key: string): Promise<Actor> {
    if (key.length < 8 || key.length > 256) throw new AppError('UNAUTHENTICATED', 'The API key is invalid');
    const hashed = hashApiKey(key);
    const credential = await this.cached(`k:${hashed}`, () => this.loadApiKey(hashed));
    return this.admit(credential, 'api_key', 'The API key is invalid, expired or revoked');
  }

  private admit(credential: CachedCredential | null, via: AuthMethod, message: string): Actor {
    const now = this.deps.now();
    if (!credential || credential.expiresAt <= now) throw new AppError('UNAUTHENTICATED', message);
    if (credential.banned && (credential.banExpires === null || credential.banExpires > now)) {
      throw new AppError('UNAUTHENTICATED', 'This account is suspended');
    }
    return { ...credential.actor, via };
  }

  private async cached(id: string, load: () => Promise<CachedCredential | null>): Promise<CachedCredential | null> {
    const now = this.deps.now();
    const hit = this.cache.get(id);
    if (hit && now - hit.storedAt < this.deps.cacheTtlMs) {
      this.cacheStats.hits++;
      return hit;
    }
    this.cacheStats.misses++;
    const loaded = await load();
    if (loaded && this.deps.cacheTtlMs > 0) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(id, loaded);
    } else {
      this.cache.delete(id);
    }
    return loaded;
  }

  private async loadSession(token: string): Promise<CachedCredential | null> {
    const [row] = await this.sessionByToken.execute({ token });
    if (!row) return null;
    return {
      actor: {
        userId: row.userId,
        role: row.role === 'admin' ? 'admin' : 'user',
        permission: 'write',
        sessionId: row.sessionId,
        sessionCreatedAt: row.createdAt,
        apiKeyId: null,
        rateLimit: null,
      },
      expiresAt: row.expiresAt.getTime(),
      banned: row.banned === true,
      banExpires: row.banExpires?.getTime() ?? null,
      storedAt: this.deps.now(),
    };
  }

  private async loadApiKey(hashed: string): Promise<CachedCredential | null> {
    const [row] = await this.apiKeyByHash.execute({ hashed });
    if (!row) return null;
    return {
      actor: {
        userId: row.userId,
        role: row.role === 'admin' ? 'admin' : 'user',
        permission: permissionOf(row.permissions),
        sessionId: null,
        sessionCreatedAt: null,
        apiKeyId: row.id,
        rateLimit:
          row.rateLimitEnabled === false
            ? null
            : { max: row.rateLimitMax ?? 600, windowMs: row.rateLimitTimeWindow ?? 60_000 },
      },
      expiresAt: row.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
      banned: row.banned === true,
      banExpires: row.banExpires?.getTime() ?? null,
      storedAt: this.deps.now(),
    };
  }
}

/** Stored by better-auth as JSON, e.g. `{"api":["read","write"]}`. Anything unreadable is read-only. */
export function permissionOf(stored: string | null): Access {
  if (!stored) return 'read';
  try {
    const parsed = JSON.parse(stored) as { api?: unknown };
    return Array.isArray(parsed.api) && parsed.api.includes('write') ? 'write' : 'read';
  } catch {
    return 'read';
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function readCookie(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
