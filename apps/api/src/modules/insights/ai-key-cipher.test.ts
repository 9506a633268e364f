import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aiKeyContext, cipherFromConfig, SecretCipher, UnreadableSecretError } from './ai-key-cipher.js';

const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);
const SECRET = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';

describe('SecretCipher (AES-256-GCM)', () => {
  it('round-trips, with a fresh IV every time and no plain text in the ciphertext', () => {
    const cipher = new SecretCipher({ id: 'k1', key: KEY_A });
    const one = cipher.encrypt(SECRET, aiKeyContext('user-1'));
    const two = cipher.encrypt(SECRET, aiKeyContext('user-1'));
    expect(one.encryptionKeyId).toBe('k1');
    expect(one.ciphertext).not.toBe(two.ciphertext);
    expect(one.ciphertext).not.toContain(SECRET);
    expect(one.ciphertext).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(cipher.decrypt(one, aiKeyContext('user-1'))).toBe(SECRET);
  });

  it("another user's context does not decrypt (a row copied between users is useless)", () => {
    const cipher = new SecretCipher({ id: 'k1', key: KEY_A });
    const encrypted = cipher.encrypt(SECRET, aiKeyContext('user-1'));
    expect(() => cipher.decrypt(encrypted, aiKeyContext('user-2'))).toThrow(UnreadableSecretError);
  });

  it('detects tampering', () => {
    const cipher = new SecretCipher({ id: 'k1', key: KEY_A });
    const encrypted = cipher.encrypt(SECRET, 'ctx');
    const raw = Buffer.from(encrypted.ciphertext.slice(3), 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    expect(() => cipher.decrypt({ ...encrypted, ciphertext: `v1.${raw.toString('base64url')}` }, 'ctx')).toThrow(
      UnreadableSecretError,
    );
  });

  it('rotation: rows under a retired key still decrypt, are marked stale, and re-encrypt under the new key', () => {
    const before = new SecretCipher({ id: 'k1', key: KEY_A });
    const old = before.encrypt(SECRET, 'ctx');
    const after = new SecretCipher({ id: 'k2', key: KEY_B }, [{ id: 'k1', key: KEY_A }]);
    expect(after.decrypt(old, 'ctx')).toBe(SECRET);
    expect(after.isStale(old)).toBe(true);
    const rewrapped = after.encrypt(SECRET, 'ctx');
    expect(rewrapped.encryptionKeyId).toBe('k2');
    expect(after.isStale(rewrapped)).toBe(false);
    // Once the old key is dropped from the configuration, its rows are unreadable (not garbage).
    expect(() => new SecretCipher({ id: 'k2', key: KEY_B }).decrypt(old, 'ctx')).toThrow(/k1 is not configured/);
  });

  it('without a key nothing can be encrypted', () => {
    const cipher = cipherFromConfig({ ENCRYPTION_KEY: undefined, ENCRYPTION_KEY_ID: 'k1', ENCRYPTION_KEYS_OLD: [] });
    expect(cipher.canEncrypt).toBe(false);
  });

  it('reads hex and base64 keys from the configuration', () => {
    const hex = cipherFromConfig({
      ENCRYPTION_KEY: KEY_A.toString('hex'),
      ENCRYPTION_KEY_ID: 'k2',
      ENCRYPTION_KEYS_OLD: [{ id: 'k1', key: KEY_B.toString('base64') }],
    });
    const viaB = new SecretCipher({ id: 'k1', key: KEY_B }).encrypt(SECRET, 'ctx');
    expect(hex.decrypt(viaB, 'ctx')).toBe(SECRET);
    expect(hex.encrypt(SECRET, 'ctx').encryptionKeyId).toBe('k2');
  });
});
