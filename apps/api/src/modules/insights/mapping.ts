import type { Insight } from '@habitual/shared';
import type { InsightRow } from './repository.js';

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
