/**
 * Talks to the AI provider through the Vercel AI SDK: `generateText` with `Output.object` (the
 * structured-output way of AI SDK 7), a total timeout, bounded retries, and one mapping of every
 * failure to our error codes, so no provider problem ever surfaces as a 500.
 */

import { createOpenAI } from '@ai-sdk/openai';
import { InsightContent, type InsightsSummary } from '@habitual/shared';
import {
  APICallError,
  generateText,
  JSONParseError,
  type LanguageModel,
  NoContentGeneratedError,
  NoObjectGeneratedError,
  NoOutputGeneratedError,
  Output,
  RetryError,
  TypeValidationError,
} from 'ai';
import { AppError } from '../../platform/app-error.js';
import { buildInsightPrompt } from './insight-prompt.js';

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

export interface GeneratedInsight {
  content: InsightContent;
  /** The model as the provider reported it, else the configured name. */
  model: string;
  usage: { inputTokens: number | null; outputTokens: number | null; totalTokens: number | null };
  latencyMs: number;
}

export interface InsightGenerator {
  /** `apiKey`: the user's own key, or null for the server's provider key. */
  generate(summary: InsightsSummary, apiKey: string | null): Promise<GeneratedInsight>;
}

export interface GeneratorOptions {
  /** Builds the language model for one call; the key is the user's own or null (the server's). */
  model: (apiKey: string | null) => LanguageModel;
  modelName: string;
  timeoutMs: number;
  /** 0..2; the SDK backs off exponentially and honours the provider's retry-after headers. */
  maxRetries: number;
  /** Milliseconds from a monotonic clock (for the latency). */
  monotonicNow?: () => number;
}

/** An OpenAI or OpenAI-compatible server, through its chat-completions API (not Responses). */
export function openAiCompatibleModel(options: {
  serverApiKey: string | undefined;
  baseURL: string | undefined;
  modelName: string;
}): (apiKey: string | null) => LanguageModel {
  const baseURL = options.baseURL ?? DEFAULT_OPENAI_BASE_URL;
  return (apiKey) => {
    // Local servers (Ollama, llama.cpp) need no key, but the SDK always sends one.
    const key = apiKey ?? options.serverApiKey ?? 'no-key';
    return createOpenAI({ apiKey: key, baseURL, name: 'openai' }).chat(options.modelName);
  };
}

function count(value: number | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null;
}

export function createInsightGenerator(options: GeneratorOptions): InsightGenerator {
  const monotonicNow = options.monotonicNow ?? (() => performance.now());
  return {
    async generate(summary, apiKey) {
      const { instructions, prompt } = buildInsightPrompt(summary);
      const started = monotonicNow();
      try {
        const result = await generateText({
          model: options.model(apiKey),
          output: Output.object({
            schema: InsightContent,
            name: 'habit_insight',
            description: 'An insight about the user’s habits, grounded in their statistics.',
          }),
          instructions,
          prompt,
          temperature: 0.4,
          maxOutputTokens: 1500,
          maxRetries: options.maxRetries,
          timeout: options.timeoutMs,
        });
        const usage = result.totalUsage;
        return {
          content: result.output,
          model: result.response.modelId || options.modelName,
          usage: {
            inputTokens: count(usage.inputTokens),
            outputTokens: count(usage.outputTokens),
            totalTokens: count(usage.totalTokens),
          },
          latencyMs: Math.max(0, Math.round(monotonicNow() - started)),
        };
      } catch (error) {
        throw providerError(error, { timeoutMs: options.timeoutMs, secrets: apiKey ? [apiKey] : [] });
      }
    },
  };
}

function isTimeout(error: unknown): boolean {
  return (
    (error instanceof Error || (typeof DOMException === 'function' && error instanceof DOMException)) &&
    (error.name === 'TimeoutError' || error.name === 'AbortError')
  );
}

/** A short, secret-free description of a provider failure for the log (never the raw SDK error). */
function describeForLog(error: unknown, secrets: readonly string[]): Error {
  const name = error instanceof Error ? error.name : typeof error;
  let message = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) if (secret) message = message.split(secret).join('[redacted]');
  const described = new Error(`${name}: ${message.slice(0, 300)}`);
  described.name = 'AiProviderError';
  if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    (described as Error & { upstreamStatus?: number }).upstreamStatus = error.statusCode;
  }
  return described;
}

function retryAfterSeconds(error: APICallError): number {
  const headers = error.responseHeaders ?? {};
  const ms = Number.parseFloat(headers['retry-after-ms'] ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.min(3600, Math.max(1, Math.ceil(ms / 1000)));
  const seconds = Number.parseFloat(headers['retry-after'] ?? '');
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(3600, Math.max(1, Math.ceil(seconds)));
  return 30;
}

/**
 * Maps anything `generateText` throws to our codes: timeout → 504 UPSTREAM_TIMEOUT; provider
 * 429 → 503 UPSTREAM_RATE_LIMITED (with Retry-After); everything else the provider got wrong
 * (5xx, unreachable, rejected key, malformed or off-schema output) → 502 UPSTREAM_ERROR.
 */
export function providerError(error: unknown, context: { timeoutMs: number; secrets: readonly string[] }): AppError {
  const last = RetryError.isInstance(error) ? error.lastError : error;
  const cause = describeForLog(last, context.secrets);
  if (isTimeout(last)) {
    return new AppError('UPSTREAM_TIMEOUT', `The AI provider did not answer within ${context.timeoutMs} ms`, {
      details: [{ reason: 'timeout', timeoutMs: context.timeoutMs }],
      cause,
    });
  }
  if (APICallError.isInstance(last)) {
    const status = last.statusCode;
    if (status === 429) {
      const seconds = retryAfterSeconds(last);
      return new AppError('UPSTREAM_RATE_LIMITED', 'The AI provider is rate limiting this server; try again later', {
        details: [{ reason: 'provider_rate_limited', upstreamStatus: 429, retryAfterSeconds: seconds }],
        headers: { 'retry-after': String(seconds) },
        cause,
      });
    }
    if (status === 401 || status === 403) {
      return new AppError('UPSTREAM_ERROR', 'The AI provider rejected the API key', {
        details: [{ reason: 'provider_rejected_key', upstreamStatus: status }],
        cause,
      });
    }
    if (status !== undefined && status >= 500) {
      return new AppError('UPSTREAM_ERROR', `The AI provider failed (HTTP ${status})`, {
        details: [{ reason: 'provider_error', upstreamStatus: status }],
        cause,
      });
    }
    if (status === undefined) {
      return new AppError('UPSTREAM_ERROR', 'The AI provider could not be reached', {
        details: [{ reason: 'provider_unreachable' }],
        cause,
      });
    }
    return new AppError('UPSTREAM_ERROR', `The AI provider refused the request (HTTP ${status})`, {
      details: [{ reason: 'provider_refused', upstreamStatus: status }],
      cause,
    });
  }
  if (
    NoObjectGeneratedError.isInstance(last) ||
    NoOutputGeneratedError.isInstance(last) ||
    NoContentGeneratedError.isInstance(last) ||
    JSONParseError.isInstance(last) ||
    TypeValidationError.isInstance(last)
  ) {
    return new AppError('UPSTREAM_ERROR', 'The AI provider answered with something that is not a valid insight', {
      details: [{ reason: 'invalid_output' }],
      cause,
    });
  }
  return new AppError('UPSTREAM_ERROR', 'The AI provider failed', { details: [{ reason: 'provider_error' }], cause });
}
