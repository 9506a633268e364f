import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { AccountPart } from '../../platform/account.js';
import type { Database } from '../../platform/db/client.js';
import { cipherFromConfig } from './ai-key-cipher.js';
import { createInsightGenerator, openAiCompatibleModel } from './insight-generator.js';
import { createInsightsRepository } from './repository.js';
import { insightsRoutes } from './routes.js';
import { createInsightsService, type HabitsSnapshotSource, type InsightEntitlements } from './service.js';

export type { HabitsSnapshotSource, InsightEntitlements, InsightsService } from './service.js';

export type InsightsConfig = Pick<
  Config,
  | 'OPENAI_API_KEY'
  | 'OPENAI_BASE_URL'
  | 'AI_MODEL'
  | 'AI_TIMEOUT_MS'
  | 'AI_MAX_RETRIES'
  | 'AI_RATE_LIMIT_PER_HOUR'
  | 'AI_INSIGHTS_MONTHLY_CAP'
  | 'ENCRYPTION_KEY'
  | 'ENCRYPTION_KEY_ID'
  | 'ENCRYPTION_KEYS_OLD'
>;

/**
 * The insights module: statistics summary, AI generation (provider from config), stored
 * insights, users' own keys. Returns its service (billing reads `aiInsightsThisMonth`), its part
 * in an account's export and deletion, and its routes.
 */
export function createInsightsModule(deps: {
  db: Database;
  config: InsightsConfig;
  habits: HabitsSnapshotSource;
  entitlements: InsightEntitlements;
  now: () => Date;
  /** Where generation warnings go (a stored insight that failed to parse, a stale generation). */
  log: Pick<FastifyBaseLogger, 'warn'>;
}) {
  const { config } = deps;
  const generator = createInsightGenerator({
    model: openAiCompatibleModel({
      serverApiKey: config.OPENAI_API_KEY,
      baseURL: config.OPENAI_BASE_URL,
      modelName: config.AI_MODEL,
    }),
    modelName: config.AI_MODEL,
    timeoutMs: config.AI_TIMEOUT_MS,
    maxRetries: config.AI_MAX_RETRIES,
  });
  const service = createInsightsService({
    repository: createInsightsRepository(deps.db),
    habits: deps.habits,
    entitlements: deps.entitlements,
    generator,
    serverProvider: config.OPENAI_API_KEY !== undefined || config.OPENAI_BASE_URL !== undefined,
    cipher: cipherFromConfig(config),
    monthlyCap: config.AI_INSIGHTS_MONTHLY_CAP ?? null,
    rateLimitPerHour: config.AI_RATE_LIMIT_PER_HOUR,
    // A generation cannot outlive its timeout and retries by much; after this it is abandoned.
    pendingStaleMs: Math.max(10 * 60_000, 4 * config.AI_TIMEOUT_MS),
    now: deps.now,
    onWarning: (message, error) => deps.log.warn({ err: error }, message),
  });
  const account: AccountPart = {
    exportSections: { insights: (userId) => service.exportInsights(userId) },
    deleteAccount: (userId, tx) => service.deleteAllForUser(userId, tx),
  };
  const routes: FastifyPluginAsyncZod = async (app) => {
    await app.register(insightsRoutes, { insights: service });
  };
  return { service, account, routes };
}
