import { z } from 'zod';

export const PAGE_LIMIT_DEFAULT = 20;
export const PAGE_LIMIT_MAX = 100;

/**
 * A boolean query parameter, default `false`. A query string carries only text, so the value is
 * parsed (`true`/`false`, also 1/0, yes/no, on/off); the spec declares it a boolean, so clients
 * generated from it send `true` and `false`, and Swagger UI offers a true/false choice.
 */
export function queryBoolean(description: string) {
  return z.stringbool().meta({ type: 'boolean', default: false }).default(false).describe(description);
}

/** Query parameters of every list endpoint. */
export const PaginationQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGE_LIMIT_MAX)
    .default(PAGE_LIMIT_DEFAULT)
    .describe(`How many items to return (1–${PAGE_LIMIT_MAX}, default ${PAGE_LIMIT_DEFAULT}).`),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('The opaque `nextCursor` of the previous page; omit it for the first page.'),
});
export type PaginationQuery = z.infer<typeof PaginationQuery>;

/** The shape of every list response: `{ data, nextCursor }`. */
export function paginated<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `?cursor=` to get the next page; `null` on the last page.'),
  });
}
