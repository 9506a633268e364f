/**
 * Encryption of users' own AI keys at rest: AES-256-GCM (node:crypto), a fresh 96-bit IV per
 * encryption, the user id as additional authenticated data (a ciphertext copied onto another
 * user's row does not decrypt), and the id of the encryption key stored next to the ciphertext.
 *
 * Rotation: set a new ENCRYPTION_KEY with a new ENCRYPTION_KEY_ID and move the old pair to
 * ENCRYPTION_KEYS_OLD (`id:key`). New writes use the current key; rows under an old key are still
 * read, and re-encrypted under the current key the next time they are used.
 */

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import { decodeEncryptionKey } from '../../config.js';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptedSecret {
  encryptionKeyId: string;
  ciphertext: string;
}

/** The stored key was written under a key this server no longer has, or it was tampered with. */
export class UnreadableSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableSecretError';
  }
}

export class SecretCipher {
  private readonly current: { id: string; key: Buffer } | null;
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(current: { id: string; key: Buffer } | null, old: ReadonlyArray<{ id: string; key: Buffer }> = []) {
    for (const k of [...(current ? [current] : []), ...old]) {
      if (k.key.length !== 32) throw new RangeError(`Encryption key ${k.id} must be 32 bytes`);
    }
    this.current = current;
    this.keys = new Map([
      ...old.map((k) => [k.id, k.key] as const),
      ...(current ? [[current.id, current.key] as const] : []),
    ]);
  }

  /** False when no ENCRYPTION_KEY is configured: nothing can be stored. */
  get canEncrypt(): boolean {
    return this.current !== null;
  }

  /** True when a row should be re-encrypted under the current key. */
  isStale(secret: EncryptedSecret): boolean {
    return this.current !== null && secret.encryptionKeyId !== this.current.id;
  }

  encrypt(plaintext: string, context: string): EncryptedSecret {
    if (!this.current) throw new Error('No encryption key configured');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return {
      encryptionKeyId: this.current.id,
      ciphertext: `${FORMAT}.${Buffer.concat([iv, tag, body]).toString('base64url')}`,
    };
  }

  decrypt(secret: EncryptedSecret, context: string): string {
    const key = this.keys.get(secret.encryptionKeyId);
    if (!key) throw new UnreadableSecretError(`Encryption key ${secret.encryptionKeyId} is not configured`);
    const [format, encoded] = secret.ciphertext.split('.');
    if (format !== FORMAT || !encoded) throw new UnreadableSecretError('Unknown ciphertext format');
    const raw = Buffer.from(encoded, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new UnreadableSecretError('Ciphertext too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new UnreadableSecretError('The stored secret does not decrypt (wrong key or tampered)');
    }
  }
}

export function cipherFromConfig(
  config: Pick<Config, 'ENCRYPTION_KEY' | 'ENCRYPTION_KEY_ID' | 'ENCRYPTION_KEYS_OLD'>,
): SecretCipher {
  const decode = (value: string) => {
    const key = decodeEncryptionKey(value);
    if (!key) throw new RangeError('Invalid encryption key');
    return key;
  };
  const current = config.ENCRYPTION_KEY ? { id: config.ENCRYPTION_KEY_ID, key: decode(config.ENCRYPTION_KEY) } : null;
  return new SecretCipher(
    current,
    config.ENCRYPTION_KEYS_OLD.map((old) => ({ id: old.id, key: decode(old.key) })),
  );
}

/** The additional authenticated data of a user's AI key. */
export function aiKeyContext(userId: string): string {
  return `habitual:user-ai-key:${userId}`;
}
