import type { Insight } from '@habitual/shared';
import { AppError } from '../../platform/app-error.js';
import type { InsightsServiceDeps } from './deps.js';
import type { InsightGenerator } from './insight-generator.js';
import { sanitizeInsight } from './insight-prompt.js';
import { buildInsightsSummary, statisticsHash } from './insights-summary.js';
import { toInsight } from './mapping.js';
import type { InsightRow, Tx } from './repository.js';

/** The same statistics within this window return the stored insight (unless `refresh`). */
export const REUSE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** The per-user generation rate limit counts attempts in this window. */
export const RATE_WINDOW_MS = 60 * 60 * 1000;

/** The calendar month (UTC) that `now` falls in: quotas reset at 00:00 UTC on the 1st. */
export function quotaPeriod(now: Date): { start: Date; resetsAt: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return { start: new Date(Date.UTC(year, month, 1)), resetsAt: new Date(Date.UTC(year, month + 1, 1)) };
}

function effectiveLimit(plan: number | null, cap: number | null): number | null {
  if (plan === null) return cap;
  if (cap === null) return plan;
  return Math.min(plan, cap);
}

/**
 * Writing an AI insight: reuse within 24 h, the reservation (rate limit, monthly quota, one
 * generation per statistics at a time), the provider call, and storing what it wrote.
 */
export function createInsightGeneration(deps: InsightsServiceDeps, ownKey: (userId: string) => Promise<string | null>) {
  const repo = deps.repository;

  function staleBefore(now: Date): Date {
    return new Date(now.getTime() - deps.pendingStaleMs);
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

  /** Gives the reserved slot back after a failed generation (nothing was stored). */
  async function release(userId: string, generationId: string): Promise<void> {
    await repo
      .finishGeneration(userId, generationId, { status: 'failed', insightId: null, finishedAt: deps.now() })
      .catch((e: unknown) => deps.onWarning?.('could not release an insight generation', e));
  }

  /** Stores what the provider wrote and marks the reservation done, in one transaction. */
  async function store(
    userId: string,
    generationId: string,
    input: {
      statsHash: string;
      summary: ReturnType<typeof buildInsightsSummary>;
      billed: boolean;
      generated: Awaited<ReturnType<InsightGenerator['generate']>>;
      content: ReturnType<typeof sanitizeInsight>;
    },
  ): Promise<InsightRow> {
    const { statsHash, summary, billed, generated, content } = input;
    return repo.transaction(async (tx) => {
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
  }

  return {
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
        await release(userId, generationId);
        throw error;
      }

      const content = sanitizeInsight(generated.content, new Set(summary.habits.map((h) => h.habitId)));
      try {
        const row = await store(userId, generationId, { statsHash, summary, billed, generated, content });
        return { insight: toInsight(row), created: true };
      } catch (error) {
        await release(userId, generationId);
        throw error;
      }
    },

    /** Server-paid insights of the current month (for the payments module's usage display). */
    async aiInsightsThisMonth(userId: string): Promise<number> {
      const now = deps.now();
      return repo.billedSince(userId, quotaPeriod(now).start, staleBefore(now));
    },
  };
}
