import type { AiKeyStatus, Insight, InsightsSummary, PaginationQuery } from '@habitual/shared';
import { AppError } from '../../platform/app-error.js';
import { decodeCursor, keysetPage } from '../../platform/cursor.js';
import { aiKeyContext, type SecretCipher, UnreadableSecretError } from './ai-key-cipher.js';
import type { InsightGenerator } from './insight-generator.js';
import { sanitizeInsight } from './insight-prompt.js';
import { buildInsightsSummary, type InsightsSnapshot, statisticsHash } from './insights-summary.js';
import type { InsightRow, InsightsRepository, Tx } from './repository.js';

/** The same statistics within this window return the stored insight (unless `refresh`). */
export const REUSE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** The per-user generation rate limit counts attempts in this window. */
export const RATE_WINDOW_MS = 60 * 60 * 1000;

/** Plan entitlements as the payments module answers them; null is unlimited. */
export interface InsightEntitlements {
  entitlements(userId: string): Promise<{ aiInsightsPerMonth: number | null }>;
}

/** One read of the user's habits with everything computed (the habits module's `snapshot`). */
export interface HabitsSnapshotSource {
  snapshot(userId: string): Promise<InsightsSnapshot>;
}

export interface InsightsServiceDeps {
  repository: InsightsRepository;
  habits: HabitsSnapshotSource;
  entitlements: InsightEntitlements;
  generator: InsightGenerator;
  /** True when the server has its own provider (OPENAI_API_KEY or OPENAI_BASE_URL). */
  serverProvider: boolean;
  cipher: SecretCipher;
  /** AI_INSIGHTS_MONTHLY_CAP: an operator cap on server-paid insights per month, on top of the plan. */
  monthlyCap: number | null;
  /** AI_RATE_LIMIT_PER_HOUR: generation attempts per user per hour, whatever the key. */
  rateLimitPerHour: number;
  /** A pending generation older than this is treated as abandoned (its request died). */
  pendingStaleMs: number;
  now: () => Date;
  onWarning?: (message: string, error: unknown) => void;
}

/** The calendar month (UTC) that `now` falls in: quotas reset at 00:00 UTC on the 1st. */
export function quotaPeriod(now: Date): { start: Date; resetsAt: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return { start: new Date(Date.UTC(year, month, 1)), resetsAt: new Date(Date.UTC(year, month + 1, 1)) };
}

export function toInsight(row: InsightRow): Insight {
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    observations: row.observations.map((o) => ({ text: o.text, habitId: o.habitId })),
    suggestions: row.suggestions.map((s) => ({ text: s.text, habitId: s.habitId })),
    model: row.model,
    source: row.source,
    usage: { inputTokens: row.inputTokens, outputTokens: row.outputTokens, totalTokens: row.totalTokens },
    latencyMs: row.latencyMs,
    basedOn: { today: row.statsToday, habitCount: row.habitCount },
    createdAt: row.createdAt.toISOString(),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const insightNotFound = () => new AppError('NOT_FOUND', 'Insight not found');

function effectiveLimit(plan: number | null, cap: number | null): number | null {
  if (plan === null) return cap;
  if (cap === null) return plan;
  return Math.min(plan, cap);
}

export function createInsightsService(deps: InsightsServiceDeps) {
  const repo = deps.repository;

  function staleBefore(now: Date): Date {
    return new Date(now.getTime() - deps.pendingStaleMs);
  }

  /** The user's own key in plain text, or null when they have none. */
  async function ownKey(userId: string): Promise<string | null> {
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
  }

  /**
   * Reserves one generation for the user, atomically (per-user advisory lock): the rate limit,
   * the monthly quota (server-paid only) and "the same statistics are being written right now".
   */
  async function reserve(
    userId: string,
    input: { statsHash: string; billed: boolean; limit: number | null; refresh: boolean },
  ): Promise<{ generationId: string } | { reuse: InsightRow }> {
    return repo.transaction(async (tx: Tx) => {
      await repo.lockUser(userId, tx);
      const now = deps.now();
      if (!input.refresh) {
        const recent = await repo.findRecentByHash(
          userId,
          input.statsHash,
          new Date(now.getTime() - REUSE_WINDOW_MS),
          tx,
        );
        if (recent) return { reuse: recent };
        if (await repo.pendingWithHash(userId, input.statsHash, staleBefore(now), tx)) {
          throw new AppError(
            'CONFLICT',
            'An insight for these same statistics is being written right now; retry in a few seconds',
            { headers: { 'retry-after': '5' }, details: [{ reason: 'generation_in_progress', retryAfterSeconds: 5 }] },
          );
        }
      }
      if (input.billed && input.limit !== null) {
        const period = quotaPeriod(now);
        const used = await repo.billedSince(userId, period.start, staleBefore(now), tx);
        if (used >= input.limit) {
          throw new AppError(
            'QUOTA_EXCEEDED',
            `You have used all ${input.limit} AI insights of this month; the quota resets on ${period.resetsAt.toISOString()}`,
            {
              details: [
                {
                  quota: 'aiInsightsPerMonth',
                  limit: input.limit,
                  used,
                  resetsAt: period.resetsAt.toISOString(),
                },
              ],
            },
          );
        }
      }
      const windowStart = new Date(now.getTime() - RATE_WINDOW_MS);
      const attempts = await repo.attemptsSince(userId, windowStart, tx);
      if (attempts.count >= deps.rateLimitPerHour) {
        const oldest = attempts.oldest ?? now;
        const seconds = Math.max(1, Math.ceil((oldest.getTime() + RATE_WINDOW_MS - now.getTime()) / 1000));
        throw new AppError(
          'RATE_LIMITED',
          `At most ${deps.rateLimitPerHour} AI insights can be generated per hour; retry in ${seconds} s`,
          {
            // The hourly limit is the one that applied, so its numbers replace the per-address ones.
            headers: {
              'retry-after': String(seconds),
              'x-ratelimit-limit': String(deps.rateLimitPerHour),
              'x-ratelimit-remaining': '0',
              'x-ratelimit-reset': String(seconds),
            },
            details: [
              { limit: deps.rateLimitPerHour, windowSeconds: RATE_WINDOW_MS / 1000, retryAfterSeconds: seconds },
            ],
          },
        );
      }
      const generationId = await repo.insertGeneration(
        { userId, statsHash: input.statsHash, billed: input.billed, createdAt: now },
        tx,
      );
      return { generationId };
    });
  }

  return {
    async summary(userId: string): Promise<InsightsSummary> {
      return buildInsightsSummary(await deps.habits.snapshot(userId));
    },

    /** Generates (or, for the same statistics within 24 h, returns) an AI insight. */
    async generate(userId: string, options: { refresh: boolean }): Promise<{ insight: Insight; created: boolean }> {
      const snapshot = await deps.habits.snapshot(userId);
      if (snapshot.habits.length === 0) {
        throw new AppError(
          'CONFLICT',
          'There is nothing to write an insight about yet: create a habit and check in first',
          { details: [{ reason: 'no_habits' }] },
        );
      }
      const summary = buildInsightsSummary(snapshot);
      const statsHash = statisticsHash(summary);
      if (!options.refresh) {
        const recent = await repo.findRecentByHash(userId, statsHash, new Date(deps.now().getTime() - REUSE_WINDOW_MS));
        if (recent) return { insight: toInsight(recent), created: false };
      }

      const apiKey = await ownKey(userId);
      if (apiKey === null && !deps.serverProvider) {
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'AI insights are not configured on this server (no OPENAI_API_KEY or OPENAI_BASE_URL), and you have not stored your own key (PUT /api/v1/me/ai-key). GET /api/v1/insights/summary works without AI.',
          { details: [{ reason: 'ai_not_configured' }] },
        );
      }
      const billed = apiKey === null;
      const limit = billed
        ? effectiveLimit((await deps.entitlements.entitlements(userId)).aiInsightsPerMonth, deps.monthlyCap)
        : null;

      const reservation = await reserve(userId, { statsHash, billed, limit, refresh: options.refresh });
      if ('reuse' in reservation) return { insight: toInsight(reservation.reuse), created: false };
      const { generationId } = reservation;

      let generated: Awaited<ReturnType<InsightGenerator['generate']>>;
      try {
        generated = await deps.generator.generate(summary, apiKey);
      } catch (error) {
        // Nothing is stored and the quota slot is given back.
        await repo
          .finishGeneration(userId, generationId, { status: 'failed', insightId: null, finishedAt: deps.now() })
          .catch((e: unknown) => deps.onWarning?.('could not release an insight generation', e));
        throw error;
      }

      const content = sanitizeInsight(generated.content, new Set(summary.habits.map((h) => h.habitId)));
      try {
        const row = await repo.transaction(async (tx) => {
          const inserted = await repo.insertInsight(
            {
              userId,
              title: content.title,
              summary: content.summary,
              observations: content.observations,
              suggestions: content.suggestions,
              model: generated.model,
              source: billed ? 'server' : 'own_key',
              inputTokens: generated.usage.inputTokens,
              outputTokens: generated.usage.outputTokens,
              totalTokens: generated.usage.totalTokens,
              latencyMs: generated.latencyMs,
              statsHash,
              statistics: summary,
              statsToday: summary.today,
              habitCount: summary.habitCount,
              createdAt: deps.now(),
            },
            tx,
          );
          await repo.finishGeneration(
            userId,
            generationId,
            { status: 'succeeded', insightId: inserted.id, finishedAt: deps.now() },
            tx,
          );
          return inserted;
        });
        return { insight: toInsight(row), created: true };
      } catch (error) {
        await repo
          .finishGeneration(userId, generationId, { status: 'failed', insightId: null, finishedAt: deps.now() })
          .catch((e: unknown) => deps.onWarning?.('could not release an insight generation', e));
        throw error;
      }
    },

    async list(userId: string, query: PaginationQuery): Promise<{ data: Insight[]; nextCursor: string | null }> {
      let after: { createdAt: Date; id: string } | null = null;
      if (query.cursor) {
        const [createdAt, id] = decodeCursor(query.cursor, ['string', 'string'] as const);
        const at = new Date(createdAt);
        if (Number.isNaN(at.getTime()) || !UUID.test(id)) {
          throw new AppError('VALIDATION_ERROR', 'querystring.cursor: not a cursor this list returned', {
            details: [
              {
                location: 'querystring',
                path: 'cursor',
                message: 'Not a cursor this list returned',
                code: 'invalid_cursor',
              },
            ],
          });
        }
        after = { createdAt: at, id };
      }
      const rows = await repo.listInsights(userId, query.limit + 1, after);
      return keysetPage(rows, query.limit, {
        map: toInsight,
        cursorOf: (last) => [last.createdAt.toISOString(), last.id],
      });
    },

    async get(userId: string, insightId: string): Promise<Insight> {
      const row = await repo.findInsight(userId, insightId);
      if (!row) throw insightNotFound();
      return toInsight(row);
    },

    async remove(userId: string, insightId: string): Promise<void> {
      if (!(await repo.deleteInsight(userId, insightId))) throw insightNotFound();
    },

    /** Server-paid insights of the current month (for the payments module's usage display). */
    async aiInsightsThisMonth(userId: string): Promise<number> {
      const now = deps.now();
      return repo.billedSince(userId, quotaPeriod(now).start, staleBefore(now));
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

    /** The export section: every insight with the statistics it was written from; never the key. */
    async *exportInsights(userId: string) {
      for (const row of await repo.exportInsights(userId)) {
        yield { ...toInsight(row), statistics: row.statistics };
      }
    },

    async deleteAllForUser(userId: string, tx: Tx): Promise<void> {
      await repo.deleteAllForUser(userId, tx);
    },
  };
}

export type InsightsService = ReturnType<typeof createInsightsService>;
