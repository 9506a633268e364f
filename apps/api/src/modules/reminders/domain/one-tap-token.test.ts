import { describe, expect, it } from 'vitest';
import { createOneTapToken, deriveOneTapKey, verifyOneTapToken } from './one-tap-token.js';

const key = deriveOneTapKey('a-test-secret-of-at-least-thirty-two-characters');
const claims = {
  userId: 'user-1',
  habitId: '0b9c7f0e-8d3a-4f6e-9a1c-2d5e8f7a6b4c',
  day: '2026-11-30',
  expiresAt: Date.parse('2026-12-01T20:00:00Z'),
};

describe('one-tap tokens', () => {
  it('verifies its own claims before expiry', () => {
    const verdict = verifyOneTapToken(
      key,
      createOneTapToken(key, { ...claims, id: 'abc' }),
      new Date('2026-11-30T08:00:00Z'),
    );
    expect(verdict).toEqual({ ok: true, claims: { ...claims, id: 'abc' } });
  });

  it('refuses an expired token', () => {
    const token = createOneTapToken(key, claims);
    expect(verifyOneTapToken(key, token, new Date('2026-12-01T20:00:00Z'))).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token whose payload was changed (another habit) or signed with another key', () => {
    const token = createOneTapToken(key, claims);
    const [payload, signature] = token.split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...body, h: 'another-habit' })).toString('base64url');
    const now = new Date('2026-11-30T08:00:00Z');
    expect(verifyOneTapToken(key, `${forged}.${signature}`, now)).toEqual({ ok: false, reason: 'signature' });
    const other = deriveOneTapKey('another-secret-of-at-least-thirty-two-characters');
    expect(verifyOneTapToken(other, token, now)).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses garbage', () => {
    const now = new Date();
    expect(verifyOneTapToken(key, 'nonsense', now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyOneTapToken(key, 'a.b.c', now)).toEqual({ ok: false, reason: 'malformed' });
  });
});
