import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorCatalog } from '@habitual/shared';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { setup } from '../helpers/setup.js';

type Operation = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
};

async function spec() {
  const { app } = await setup();
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  return res.json() as { openapi: string; paths: Record<string, Record<string, Operation>> };
}

function operations(document: Awaited<ReturnType<typeof spec>>) {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const document = await spec();
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('gives every operation an operationId, a tag, a summary and the standard error responses', async () => {
    const document = await spec();
    const ops = operations(document);
    expect(ops.length).toBeGreaterThan(0);
    const ids = new Set<string>();
    for (const { path, method, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.operationId, where).toBeTruthy();
      expect(ids.has(op.operationId as string), `duplicate operationId ${op.operationId}`).toBe(false);
      ids.add(op.operationId as string);
      expect(op.tags?.length, where).toBeGreaterThan(0);
      expect(op.summary, where).toBeTruthy();
      const internal = op.responses?.['500'];
      expect(internal?.content?.['application/json']?.schema?.$ref, where).toBe('#/components/schemas/Error');
      expect(internal?.description, where).toContain('`INTERNAL`');
    }
  });

  it('documents each error status with the codes of the one table', async () => {
    const document = await spec();
    for (const { op } of operations(document)) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/Error') continue;
        const codes = [...(response.description ?? '').matchAll(/`([A-Z_]+)`/g)].map(
          (m) => m[1] as keyof typeof errorCatalog,
        );
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) expect(errorCatalog[code].status).toBe(Number(status));
      }
    }
  });

  it('matches the committed packages/shared/openapi.json (run `npm run openapi` after changing a route)', async () => {
    const committed = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../../../packages/shared/openapi.json', import.meta.url)), 'utf8'),
    );
    expect(await spec()).toEqual(committed);
  });

  it('serves Swagger UI at /docs', async () => {
    const { app } = await setup();
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('swagger-ui');
  });
});
