import type { SecretCipher } from './ai-key-cipher.js';
import type { InsightGenerator } from './insight-generator.js';
import type { InsightsSnapshot } from './insights-summary.js';
import type { InsightsRepository } from './repository.js';

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
