/**
 * What an integrator reads in the spec: an example of each error code under its own status, the
 * response headers every answer carries, no fake integer bounds, and booleans in query strings
 * declared (and accepted) as booleans.
 */
import { ErrorEnvelope, errorCatalog } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import { setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

type Media = { schema?: unknown; example?: unknown; examples?: Record<string, { value: unknown }> };
type Response = { headers?: Record<string, unknown>; content?: Record<string, Media> };
type Operation = { responses: Record<string, Response>; parameters?: Array<{ name: string; schema: unknown }> };
type Spec = { paths: Record<string, Record<string, Operation>>; components: { headers?: Record<string, unknown> } };

async function spec(): Promise<Spec> {
  const { app } = await setup();
  return (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Spec;
}

function* responses(document: Spec) {
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        yield { where: `${method.toUpperCase()} ${path} ${status}`, path, operation, status: Number(status), response };
      }
    }
  }
}

describe('the spec, as an integrator reads it', async () => {
  const document = await spec();

  it('shows under every error status an example of each of its own codes, never another status’s', () => {
    let checked = 0;
    for (const { where, status, response } of responses(document)) {
      if (status < 400) continue;
      const media = response.content?.['application/json'];
      // The readiness probe answers 503 with its own report, not the error envelope.
      if ((media?.schema as { $ref?: string } | undefined)?.$ref !== '#/components/schemas/Error') {
        expect(where).toBe('GET /health/ready 503');
        continue;
      }
      const examples = media?.examples;
      expect(examples, where).toBeDefined();
      const entries = Object.entries(examples ?? {});
      expect(entries.length, where).toBeGreaterThan(0);
      for (const [name, example] of entries) {
        const body = ErrorEnvelope.parse(example.value);
        expect(body.error.code, where).toBe(name);
        expect(errorCatalog[body.error.code].status, `${where}: ${name}`).toBe(status);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('documents x-request-id everywhere, the rate-limit headers where a limit applies, retry-after on 429 and 503', () => {
    const refs = (response: Response) =>
      Object.fromEntries(
        Object.entries(response.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
      ) as Record<string, unknown>;
    for (const { where, operation, status, response } of responses(document)) {
      const headers = refs(response);
      expect(headers['x-request-id'], where).toBeDefined();
      if ('429' in operation.responses) {
        for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
          expect(headers[name], `${where} ${name}`).toBeDefined();
        }
      }
      if (status === 429 || status === 503) expect(headers['retry-after'], where).toBeDefined();
    }
    for (const path of ['/api/auth/sign-in/email', '/api/auth/sign-up/email']) {
      const ok = document.paths[path]?.post?.responses['200'];
      expect(ok && refs(ok)['set-auth-token'], path).toBeDefined();
    }
    // Every $ref to a header resolves.
    const names = Object.keys(document.components.headers ?? {});
    const used = JSON.stringify(document.paths).match(/#\/components\/headers\/\w+/g) ?? [];
    for (const ref of new Set(used)) expect(names).toContain(ref.split('/').pop());
  });

  it('has no ±(2^53−1) integer bounds, and every integer says its format', () => {
    const text = JSON.stringify(document);
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) {
        for (const [i, child] of node.entries()) walk(child, `${where}/${i}`);
        return;
      }
      if (!node || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (record.type === 'integer') expect(['int32', 'int64'], where).toContain(record.format);
      for (const [key, child] of Object.entries(record)) walk(child, `${where}/${key}`);
    };
    walk(document, '');
  });

  it('declares `archived` and `refresh` as booleans, and the API takes them as such', async () => {
    const param = (path: string, method: string, name: string) =>
      document.paths[path]?.[method]?.parameters?.find((p) => p.name === name)?.schema;
    expect(param('/api/v1/habits', 'get', 'archived')).toMatchObject({ type: 'boolean' });
    expect(param('/api/v1/insights', 'post', 'refresh')).toMatchObject({ type: 'boolean' });

    const { app } = await setup();
    const user = await signUp(app);
    const headers = { authorization: `Bearer ${user.token}` };
    const created = await app.inject({ method: 'POST', url: '/api/v1/habits', headers, payload: { name: 'Old' } });
    const id = created.json().id as string;
    await app.inject({ method: 'PATCH', url: `/api/v1/habits/${id}`, headers, payload: { archived: true } });
    const names = async (query: string) =>
      (
        (await app.inject({ method: 'GET', url: `/api/v1/habits${query}`, headers })).json() as {
          data: Array<{ name: string }>;
        }
      ).data.map((h) => h.name);
    expect(await names('?archived=true')).toEqual(['Old']);
    expect(await names('?archived=false')).toEqual([]);
    expect(await names('')).toEqual([]);
    const bad = await app.inject({ method: 'GET', url: '/api/v1/habits?archived=maybe', headers });
    expect(bad.statusCode).toBe(400);
  });
});
