import type { Insight, InsightsSummary, PaginationQuery } from '@habitual/shared';
import { AppError } from '../../platform/app-error.js';
import { decodeCursor, keysetPage } from '../../platform/cursor.js';
import type { InsightsServiceDeps } from './deps.js';
import { createInsightGeneration } from './generation.js';
import { buildInsightsSummary } from './insights-summary.js';
import { toInsight } from './mapping.js';
import { createOwnKeys } from './own-key.js';
import type { Tx } from './repository.js';

export type { HabitsSnapshotSource, InsightEntitlements, InsightsServiceDeps } from './deps.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const insightNotFound = () => new AppError('NOT_FOUND', 'Insight not found');

/**
 * The insights service: the statistics summary, AI generation (generation.ts), stored insights,
 * and the user's own AI key (own-key.ts).
 */
export function createInsightsService(deps: InsightsServiceDeps) {
  const repo = deps.repository;
  const ownKeys = createOwnKeys(deps);
  const generation = createInsightGeneration(deps, ownKeys.plain);

  return {
    async summary(userId: string): Promise<InsightsSummary> {
      return buildInsightsSummary(await deps.habits.snapshot(userId));
    },

    generate: generation.generate,
    aiInsightsThisMonth: generation.aiInsightsThisMonth,
    aiKeyStatus: ownKeys.aiKeyStatus,
    setAiKey: ownKeys.setAiKey,
    deleteAiKey: ownKeys.deleteAiKey,

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
