import type { Config } from '../../config.js';
import type { App } from '../../platform/app-types.js';
import type { Database } from '../../platform/db/client.js';
import type { UsersService } from '../users/index.js';
import { cipherFromConfig } from './ai-key-cipher.js';
import { createInsightGenerator, openAiCompatibleModel } from './insight-generator.js';
import { createInsightsRepository } from './repository.js';
import { insightsRoutes } from './routes.js';
import { createInsightsService, type HabitsSnapshotSource, type InsightEntitlements } from './service.js';

export type { InsightsSnapshot } from './insights-summary.js';
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
 * Wires insights: statistics summary, AI generation (provider from config), stored insights,
 * users' own keys; adds insights to the account export and deletion.
 */
export async function registerInsightsModule(
  app: App,
  deps: {
    db: Database;
    config: InsightsConfig;
    users: Pick<UsersService, 'registerCleanup' | 'registerExportSection'>;
    habits: HabitsSnapshotSource;
    entitlements: InsightEntitlements;
    now: () => Date;
  },
) {
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
    onWarning: (message, error) => app.log.warn({ err: error }, message),
  });

  deps.users.registerCleanup((userId, tx) => service.deleteAllForUser(userId, tx));
  deps.users.registerExportSection({ name: 'insights', rows: (userId) => service.exportInsights(userId) });

  await app.register(insightsRoutes, { prefix: '/api/v1', insights: service });
  return service;
}
