/**
 * One-tap check-in links: `<payload>.<signature>`, both base64url. The payload names the user,
 * the habit and the local day, when the link expires and a random id (so each link can be used
 * once); the signature is HMAC-SHA-256 with a key used for nothing else.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface OneTapClaims {
  /** Random id of this link (the consumed-links table is keyed by it). */
  id: string;
  userId: string;
  habitId: string;
  /** The local day the check-in is for, `YYYY-MM-DD`. */
  day: string;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

export type OneTapVerdict =
  | { ok: true; claims: OneTapClaims }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/** Derives the one-tap signing key from the server secret (HKDF, its own label). */
export function deriveOneTapKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'habitual', 'one-tap check-in link v1', 32));
}

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function createOneTapToken(key: Buffer, claims: Omit<OneTapClaims, 'id'> & { id?: string }): string {
  const body = {
    v: 1,
    i: claims.id ?? randomBytes(12).toString('base64url'),
    u: claims.userId,
    h: claims.habitId,
    d: claims.day,
    e: Math.floor(claims.expiresAt / 1000),
  };
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${sign(key, payload)}`;
}

export function verifyOneTapToken(key: Buffer, token: string, now: Date): OneTapVerdict {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(sign(key, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature' };
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { v, i, u, h, d, e } = body;
  if (v !== 1 || typeof i !== 'string' || typeof u !== 'string' || typeof h !== 'string' || typeof d !== 'string') {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof e !== 'number' || !Number.isFinite(e)) return { ok: false, reason: 'malformed' };
  if (e * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { id: i, userId: u, habitId: h, day: d, expiresAt: e * 1000 } };
}
