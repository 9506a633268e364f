import type { AiKeyStatus } from '@habitual/shared';
import { AppError } from '../../platform/app-error.js';
import { aiKeyContext, UnreadableSecretError } from './ai-key-cipher.js';
import type { InsightsServiceDeps } from './deps.js';

/** The user's own AI key: stored encrypted, read in plain text only to call the provider. */
export function createOwnKeys(deps: Pick<InsightsServiceDeps, 'repository' | 'cipher' | 'now' | 'onWarning'>) {
  const repo = deps.repository;

  return {
    /** The user's own key in plain text, or null when they have none. */
    async plain(userId: string): Promise<string | null> {
      const row = await repo.findAiKey(userId);
      if (!row) return null;
      let plain: string;
      try {
        plain = deps.cipher.decrypt(row, aiKeyContext(userId));
      } catch (error) {
        if (!(error instanceof UnreadableSecretError)) throw error;
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'Your stored AI key cannot be read on this server (its encryption key is not configured); store it again with PUT /api/v1/me/ai-key, or delete it',
          { details: [{ reason: 'own_key_unreadable' }] },
        );
      }
      if (deps.cipher.isStale(row) && deps.cipher.canEncrypt) {
        // Rotation: move the row onto the current key while we hold the plain text anyway.
        const next = deps.cipher.encrypt(plain, aiKeyContext(userId));
        await repo.rewrapAiKey(userId, row.ciphertext, next).catch((error: unknown) => {
          deps.onWarning?.('could not re-encrypt an AI key under the current encryption key', error);
        });
      }
      return plain;
    },

    async aiKeyStatus(userId: string): Promise<AiKeyStatus> {
      const row = await repo.findAiKey(userId);
      return row
        ? { set: true, last4: row.last4, updatedAt: row.updatedAt.toISOString() }
        : { set: false, last4: null, updatedAt: null };
    },

    async setAiKey(userId: string, apiKey: string): Promise<AiKeyStatus> {
      if (!deps.cipher.canEncrypt) {
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'Storing your own AI key is not enabled on this server (it has no ENCRYPTION_KEY)',
          { details: [{ reason: 'encryption_not_configured' }] },
        );
      }
      const now = deps.now();
      const encrypted = deps.cipher.encrypt(apiKey, aiKeyContext(userId));
      const row = await repo.upsertAiKey({
        userId,
        ...encrypted,
        last4: apiKey.slice(-4),
        createdAt: now,
        updatedAt: now,
      });
      return { set: true, last4: row.last4, updatedAt: row.updatedAt.toISOString() };
    },

    async deleteAiKey(userId: string): Promise<void> {
      await repo.deleteAiKey(userId);
    },
  };
}
