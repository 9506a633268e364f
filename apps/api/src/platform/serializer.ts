import type { FastifySerializerCompiler } from 'fastify';
import { ResponseSerializationError } from 'fastify-type-provider-zod';
import { type ZodType, z } from 'zod';

/**
 * Responses go through `safeParse` + `JSON.stringify` rather than the type provider's
 * `safeEncode`: the same allowlist (unknown keys are stripped, wrong shapes fail) at a third of
 * the cost. This holds while response schemas carry no transforms or codecs; a schema that does
 * is rejected when the route is registered, so the two can never silently differ.
 */
export const serializerCompiler: FastifySerializerCompiler<ZodType> = ({ schema, method, url }) => {
  if (!(schema instanceof z.ZodType)) {
    throw new Error(`Response schema of ${method} ${url} is not a Zod schema`);
  }
  assertNoTransforms(schema, `${method} ${url}`);
  return (data) => {
    const result = schema.safeParse(data);
    if (!result.success) throw new ResponseSerializationError(method, url, { cause: result.error });
    return JSON.stringify(result.data);
  };
};

function assertNoTransforms(schema: ZodType, where: string, seen = new Set<unknown>()): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  if (def.type === 'transform' || def.type === 'pipe') {
    throw new Error(`Response schema of ${where} contains a transform or pipe; response schemas must be plain shapes`);
  }
  for (const value of Object.values(def)) {
    const children =
      value instanceof z.ZodType
        ? [value]
        : Array.isArray(value)
          ? value
          : value && typeof value === 'object'
            ? Object.values(value)
            : [];
    for (const child of children) {
      if (child instanceof z.ZodType) assertNoTransforms(child, where, seen);
    }
  }
}
