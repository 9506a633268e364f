import {
  AiKeyStatus,
  GenerateInsightQuery,
  Insight,
  InsightList,
  InsightsSummary,
  PaginationQuery,
  SetAiKey,
} from '@habitual/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth/index.js';
import type { InsightsService } from './service.js';

const InsightParams = z.object({
  insightId: z.string().min(1).max(100).describe('The insight id.'),
});

export const insightsRoutes: FastifyPluginAsyncZod<{ insights: InsightsService }> = async (app, { insights }) => {
  app.get(
    '/insights/summary',
    {
      config: { auth: { level: 'user', access: 'read' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'getInsightsSummary',
        tags: ['Insights'],
        summary: 'Statistics-based insights (no AI)',
        description:
          "Computed from the user's own check-ins in their time zone, with no AI: per habit the best and worst weekday (last 12 weeks), the trend (last 4 weeks against the 4 before), streaks at risk today and records just reached; overall the strongest and weakest habit, and the same facts as short sentences in `highlights`. Always available, also on servers without an AI provider.",
        response: { 200: InsightsSummary.describe('The statistics summary.') },
      },
    },
    async (request) => insights.summary(actorOf(request).userId),
  );

  app.post(
    '/insights',
    {
      config: {
        auth: { level: 'user', access: 'write' },
        errors: [
          'CONFLICT',
          'NOT_FOUND',
          'QUOTA_EXCEEDED',
          'UPSTREAM_ERROR',
          'UPSTREAM_RATE_LIMITED',
          'UPSTREAM_TIMEOUT',
        ],
      },
      schema: {
        operationId: 'generateInsight',
        tags: ['Insights'],
        summary: 'Generate an AI insight',
        description: [
          'Asks the AI provider for an insight written from the statistics of `GET /api/v1/insights/summary` (and nothing else), validates the structured answer and stores it with the model, token usage and latency.',
          '',
          '- The same statistics within 24 hours answer **200** with the stored insight (no new generation, no quota used) unless `?refresh=true`; a new insight answers **201**.',
          "- Server-paid insights count against the plan's monthly quota (UTC calendar month): over it, **429 `QUOTA_EXCEEDED`** with `resetsAt` in `details`. With the user's own key (`PUT /api/v1/me/ai-key`) there is no quota.",
          '- At most `AI_RATE_LIMIT_PER_HOUR` generations per user per hour: **429 `RATE_LIMITED`** with `Retry-After`.',
          '- No habits: **409 `CONFLICT`** (no AI call). A generation for the same statistics already running: **409** with `Retry-After`.',
          '- No provider configured and no own key: **503 `SERVICE_UNAVAILABLE`**. Provider timeout: **504 `UPSTREAM_TIMEOUT`**. Provider rate limiting: **503 `UPSTREAM_RATE_LIMITED`** with `Retry-After`. Provider failure, rejected key or an answer that does not match the schema: **502 `UPSTREAM_ERROR`** (`details[0].reason` says which). Failed generations store nothing and use no quota.',
        ].join('\n'),
        querystring: GenerateInsightQuery,
        response: {
          200: Insight.describe('The insight stored for the same statistics within the last 24 hours.'),
          201: Insight.describe('A new insight.'),
        },
      },
    },
    async (request, reply) => {
      const { insight, created } = await insights.generate(actorOf(request).userId, {
        refresh: request.query.refresh,
      });
      return reply.code(created ? 201 : 200).send(insight);
    },
  );

  app.get(
    '/insights',
    {
      config: { auth: { level: 'user', access: 'read' } },
      schema: {
        operationId: 'listInsights',
        tags: ['Insights'],
        summary: 'List my AI insights',
        description: 'Newest first, paginated with `?limit=` and the opaque `?cursor=` of the previous page.',
        querystring: PaginationQuery,
        response: { 200: InsightList.describe('A page of insights.') },
      },
    },
    async (request) => insights.list(actorOf(request).userId, request.query),
  );

  app.get(
    '/insights/:insightId',
    {
      config: { auth: { level: 'user', access: 'read' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'getInsight',
        tags: ['Insights'],
        summary: 'Get one AI insight',
        description: "Another user's insight answers 404, as does an id that does not exist.",
        params: InsightParams,
        response: { 200: Insight.describe('The insight.') },
      },
    },
    async (request) => insights.get(actorOf(request).userId, request.params.insightId),
  );

  app.delete(
    '/insights/:insightId',
    {
      config: { auth: { level: 'user', access: 'write' }, errors: ['NOT_FOUND'] },
      schema: {
        operationId: 'deleteInsight',
        tags: ['Insights'],
        summary: 'Delete an AI insight',
        description: 'Deleting an insight does not give its quota back: the quota counts generations.',
        params: InsightParams,
        response: { 204: z.undefined().describe('Deleted.') },
      },
    },
    async (request, reply) => {
      await insights.remove(actorOf(request).userId, request.params.insightId);
      return reply.code(204).send();
    },
  );

  app.get(
    '/me/ai-key',
    {
      config: { auth: { level: 'user', access: 'read', sessionOnly: true } },
      schema: {
        operationId: 'getAiKey',
        tags: ['Insights'],
        summary: 'Whether I stored my own AI key',
        description: 'Answers only whether a key is stored, its last 4 characters and when. The key is never returned.',
        response: { 200: AiKeyStatus.describe('The key status.') },
      },
    },
    async (request) => insights.aiKeyStatus(actorOf(request).userId),
  );

  app.put(
    '/me/ai-key',
    {
      config: { auth: { level: 'user', access: 'write', sessionOnly: true } },
      schema: {
        operationId: 'setAiKey',
        tags: ['Insights'],
        summary: 'Store my own AI key',
        description:
          "Stores (or replaces) the user's own key for the server's AI provider, encrypted with AES-256-GCM; it is never returned or logged. AI insights generated with it do not count against the plan's quota. The key is sent to the provider the server is configured for (`OPENAI_BASE_URL`, OpenAI by default): a base URL cannot be supplied. Needs `ENCRYPTION_KEY` on the server (else 503). The key is checked on first use, not here.",
        body: SetAiKey,
        response: { 200: AiKeyStatus.describe('The key is stored.') },
      },
    },
    async (request) => insights.setAiKey(actorOf(request).userId, request.body.apiKey),
  );

  app.delete(
    '/me/ai-key',
    {
      config: { auth: { level: 'user', access: 'write', sessionOnly: true } },
      schema: {
        operationId: 'deleteAiKey',
        tags: ['Insights'],
        summary: 'Delete my own AI key',
        description: 'Removes the stored key (idempotent). Later insights use the server provider and the quota.',
        response: { 204: z.undefined().describe('No key is stored any more.') },
      },
    },
    async (request, reply) => {
      await insights.deleteAiKey(actorOf(request).userId);
      return reply.code(204).send();
    },
  );
};
