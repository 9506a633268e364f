/**
 * Text PostgreSQL cannot store (a NUL character, an unpaired surrogate) answers 400 naming the
 * field on every route, better-auth's included. Driven by the OpenAPI document: every string
 * in every JSON body, query string and path of every operation is tried, so new routes and
 * fields join by themselves.
 */
import { ErrorEnvelope } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import { findUnstorableText } from '../../src/platform/text-input.js';
import { databaseKind, setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

interface Spec {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ in: string; name: string }>;
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface Probe {
  method: string;
  path: string;
  location: 'body' | 'querystring' | 'params';
  field: string;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** Dotted paths of every string a JSON schema allows (array items as index 0). */
function stringPaths(spec: Spec, schema: JsonSchema | undefined, prefix: string, out: Set<string>, depth = 0) {
  let current = schema;
  while (current?.$ref) current = spec.components?.schemas?.[current.$ref.split('/').pop() as string];
  if (!current || depth > 8) return;
  for (const sub of [...(current.anyOf ?? []), ...(current.oneOf ?? []), ...(current.allOf ?? [])]) {
    stringPaths(spec, sub, prefix, out, depth + 1);
  }
  const types = Array.isArray(current.type) ? current.type : [current.type];
  if (prefix && types.includes('string')) out.add(prefix);
  for (const [name, property] of Object.entries(current.properties ?? {})) {
    stringPaths(spec, property, prefix ? `${prefix}.${name}` : name, out, depth + 1);
  }
  if (current.items) stringPaths(spec, current.items, prefix ? `${prefix}.0` : '0', out, depth + 1);
}

function probesOf(spec: Spec): Probe[] {
  const probes: Probe[] = [];
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!METHODS.has(method)) continue;
      const base = { method: method.toUpperCase(), path };
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'path') probes.push({ ...base, location: 'params', field: parameter.name });
        if (parameter.in === 'query') probes.push({ ...base, location: 'querystring', field: parameter.name });
      }
      const fields = new Set<string>();
      stringPaths(spec, operation.requestBody?.content?.['application/json']?.schema, '', fields);
      for (const field of fields) probes.push({ ...base, location: 'body', field });
    }
  }
  return probes;
}

/** `{ a: { b: [value] } }` for `a.b.0`. */
function bodyWith(field: string, value: string): unknown {
  const segments = field.split('.');
  const build = (index: number): unknown => {
    if (index === segments.length) return value;
    const segment = segments[index] as string;
    const inner = build(index + 1);
    return /^\d+$/.test(segment) ? [inner] : { [segment]: inner };
  };
  return build(0);
}

function requestFor(probe: Probe, value: string) {
  if (probe.location === 'body') {
    const url = probe.path.replace(/\{[^}]+\}/g, 'x');
    return { url, payload: JSON.stringify(bodyWith(probe.field, value)) };
  }
  const encoded = encodeURIComponent(value);
  const url = probe.path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
    probe.location === 'params' && name === probe.field ? encoded : 'x',
  );
  if (probe.location === 'querystring') return { url: `${url}?${probe.field}=${encoded}` };
  return { url };
}

describe(`text the database cannot store (${databaseKind})`, async () => {
  const { app } = await setup();
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Spec;
  const probes = probesOf(spec);

  it('finds string fields in the spec of better-auth and of our routes, in bodies, queries and paths', () => {
    const where = (prefix: string, location: Probe['location']) =>
      probes.filter((p) => p.path.startsWith(prefix) && p.location === location).length;
    expect(where('/api/auth/', 'body')).toBeGreaterThan(5);
    expect(where('/api/v1/', 'body')).toBeGreaterThan(5);
    expect(where('/api/v1/', 'querystring')).toBeGreaterThan(3);
    expect(where('/api/v1/', 'params')).toBeGreaterThan(5);
  });

  const cases = [
    ['a NUL character', 'a\u0000b'],
    ['an unpaired surrogate', 'a\ud800b'],
  ] as const;

  it.each(cases)('%s in any string field of any operation: 400 naming the field, never 500', async (_name, value) => {
    const failures: string[] = [];
    let user = await signUp(app);
    for (const probe of probes) {
      // A lone surrogate has no UTF-8 form, so it cannot be percent-encoded into a URL at all.
      if (value.includes('\ud800') && probe.location !== 'body') continue;
      const { url, payload } = requestFor(probe, value) as { url: string; payload?: string };
      const res = await app.inject({
        method: probe.method as 'POST',
        url,
        headers: { cookie: user.cookie, ...(payload ? { 'content-type': 'application/json' } : {}) },
        ...(payload ? { payload } : {}),
      });
      const label = `${probe.method} ${probe.path} ${probe.location}.${probe.field} → ${res.statusCode}`;
      if (res.statusCode !== 400) {
        failures.push(`${label} ${res.body.slice(0, 200)}`);
        // The request went through (sign-out, delete-user...): later probes get a fresh session.
        user = await signUp(app);
        continue;
      }
      const { error } = ErrorEnvelope.parse(res.json());
      const named = error.details?.some(
        (d) => 'location' in d && d.location === probe.location && d.path === probe.field,
      );
      if (error.code !== 'VALIDATION_ERROR' || !named) failures.push(`${label} ${JSON.stringify(error)}`);
    }
    expect(failures).toEqual([]);
  });

  it('lets well-formed text through, emoji (surrogate pairs) and accents included', async () => {
    const user = await signUp(app);
    const name = 'Run 🏃‍♀️ à l’aube';
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/habits',
      headers: { cookie: user.cookie },
      payload: { name, startDate: '2026-01-01' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().name).toBe(name);
  });

  it('names nested fields, array items and object keys', () => {
    expect(
      findUnstorableText({ ok: 'fine', a: { b: ['x', 'y\u0000'] }, 'k\u0000': 'v', c: [{ d: '\udc00' }] }),
    ).toEqual(['a.b.1', 'k\\u0000', 'c.0.d']);
    expect(findUnstorableText({ pair: '😀', text: 'plain', n: 1, none: null })).toEqual([]);
  });
});
