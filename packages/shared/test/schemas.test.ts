import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as shared from '../src/index.js';

describe('@habitual/shared', () => {
  it('gives every named component a unique id (zod keeps the last schema for a duplicate id, silently)', () => {
    const owners = new Map<string, string[]>();
    for (const [exportName, value] of Object.entries(shared)) {
      if (!(value instanceof z.ZodType)) continue;
      const id = z.globalRegistry.get(value)?.id;
      if (!id) continue;
      owners.set(id, [...(owners.get(id) ?? []), exportName]);
    }
    expect(owners.size).toBeGreaterThan(0);
    const duplicates = [...owners.entries()].filter(([, names]) => names.length > 1);
    expect(duplicates).toEqual([]);
  });

  it('maps the error codes of the design to their statuses', () => {
    const expected: Record<string, number> = {
      VALIDATION_ERROR: 400,
      UNAUTHENTICATED: 401,
      PLAN_LIMIT_REACHED: 402,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      CONFLICT: 409,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      RATE_LIMITED: 429,
      QUOTA_EXCEEDED: 429,
      INTERNAL: 500,
      UPSTREAM_ERROR: 502,
      SERVICE_UNAVAILABLE: 503,
      UPSTREAM_TIMEOUT: 504,
    };
    for (const [code, status] of Object.entries(expected)) {
      expect(shared.errorCatalog[code as shared.ErrorCode]?.status, code).toBe(status);
    }
  });

  it('validates list query parameters within 1..100 with a default of 20', () => {
    expect(shared.PaginationQuery.parse({})).toEqual({ limit: 20 });
    expect(shared.PaginationQuery.parse({ limit: '100', cursor: 'abc' })).toEqual({ limit: 100, cursor: 'abc' });
    for (const limit of ['0', '101', '1.5', 'ten'])
      expect(shared.PaginationQuery.safeParse({ limit }).success, limit).toBe(false);
  });
});
