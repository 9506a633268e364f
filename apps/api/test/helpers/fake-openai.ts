/**
 * A local HTTP server on loopback that speaks OpenAI's chat-completions API, reached by the real
 * app through OPENAI_BASE_URL. Tests choose each answer; every request is recorded.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: {
    model?: string;
    messages?: Array<{ role: string; content: string }>;
    response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
  };
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON body; ignored when `raw` is set. */
  body?: unknown;
  raw?: string;
  /** Answer only after this long (the connection is dropped if the client gives up first). */
  delayMs?: number;
}

export type FakeHandler = (request: FakeRequest, index: number) => FakeReply;

/** The statistics JSON the app put into the prompt (between <statistics> markers). */
export function statisticsOf(request: FakeRequest): { habits: Array<{ habitId: string; name: string }> } {
  const user = request.body.messages?.find((m) => m.role === 'user')?.content ?? '';
  const start = user.indexOf('<statistics>');
  const end = user.lastIndexOf('</statistics>');
  return JSON.parse(user.slice(start + '<statistics>'.length, end));
}

export function chatCompletion(content: string, model = 'fake-model-1'): FakeReply {
  return {
    body: {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1_773_000_000,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 812, completion_tokens: 164, total_tokens: 976 },
    },
  };
}

/** A valid insight that points at the first habit of the statistics (and once at a foreign id). */
export const goodInsight: FakeHandler = (request) => {
  const first = statisticsOf(request).habits[0];
  return chatCompletion(
    JSON.stringify({
      title: 'Mornings are working',
      summary: 'You completed most days this month.',
      observations: [
        { text: `"${first?.name}" is your steadiest habit.`, habitId: first?.habitId ?? null },
        { text: 'Someone else’s habit.', habitId: '11111111-2222-3333-4444-555555555555' },
      ],
      suggestions: [{ text: 'Keep the streak going tomorrow.', habitId: null }],
    }),
  );
};

export function errorReply(status: number, message: string, headers: Record<string, string> = {}): FakeReply {
  return {
    status,
    // The SDK honours retry-after-ms, so its retries happen at once in tests.
    headers: { 'retry-after-ms': '0', ...headers },
    body: { error: { message, type: status === 429 ? 'requests' : 'server_error', code: null, param: null } },
  };
}

/**
 * The fake provider of this test file: listening from `beforeAll`, back to `goodInsight` with no
 * recorded requests before each test, closed when the file ends. Call it at the top of a file.
 */
export function useFakeOpenAI(): FakeOpenAI {
  const fake = new FakeOpenAI();
  beforeAll(() => fake.listen());
  beforeEach(() => fake.reset());
  afterAll(() => fake.close());
  return fake;
}

export class FakeOpenAI {
  readonly requests: FakeRequest[] = [];
  private handler: FakeHandler = goodInsight;
  private readonly server: Server = createServer((req, res) => {
    void this.handle(req, res);
  });
  private readonly timers = new Set<NodeJS.Timeout>();

  /** A fake that is already listening, for a test that wants one of its own. */
  static async start(): Promise<FakeOpenAI> {
    const fake = new FakeOpenAI();
    await fake.listen();
    return fake;
  }

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  /** The base URL to put into OPENAI_BASE_URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Chat-completion requests received so far. */
  get calls(): FakeRequest[] {
    return this.requests.filter((r) => r.path === '/v1/chat/completions');
  }

  respond(handler: FakeHandler): void {
    this.handler = handler;
  }

  reset(): void {
    this.requests.length = 0;
    this.handler = goodInsight;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      headers: req.headers,
      body: text ? JSON.parse(text) : {},
    };
    const index = this.requests.length;
    this.requests.push(request);
    if (request.path !== '/v1/chat/completions') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const reply = this.handler(request, index);
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.raw ?? JSON.stringify(reply.body ?? {}));
    };
    if (reply.delayMs) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, reply.delayMs);
      this.timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        this.timers.delete(timer);
      });
    } else {
      send();
    }
  }
}
