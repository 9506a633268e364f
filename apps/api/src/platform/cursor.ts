import { AppError } from './app-error.js';

/**
 * Opaque keyset cursors: the sort key of the last item of a page, base64url-encoded. Clients
 * pass them back untouched; a cursor that does not decode is a 400 naming `cursor`.
 */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor<T extends readonly ('string' | 'number')[]>(
  cursor: string,
  shape: T,
): { [K in keyof T]: T[K] extends 'number' ? number : string } {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (!Array.isArray(parts) || parts.length !== shape.length || parts.some((p, i) => typeof p !== shape[i])) {
    throw new AppError('VALIDATION_ERROR', 'querystring.cursor: not a cursor this list returned', {
      details: [
        { location: 'querystring', path: 'cursor', message: 'Not a cursor this list returned', code: 'invalid_cursor' },
      ],
    });
  }
  return parts as { [K in keyof T]: T[K] extends 'number' ? number : string };
}

/** One page of a keyset-paginated list, as every list route answers it. */
export interface KeysetPage<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * Assembles a page from rows fetched with `limit + 1` (the extra row only says whether there is
 * more): the first `limit` rows mapped, and a cursor at the last of them when more follow.
 */
export function keysetPage<Row, Item>(
  rows: readonly Row[],
  limit: number,
  options: { cursorOf: (last: Row) => readonly (string | number)[]; map: (row: Row) => Item },
): KeysetPage<Item> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(options.map),
    nextCursor: rows.length > limit && last ? encodeCursor(options.cursorOf(last)) : null,
  };
}
