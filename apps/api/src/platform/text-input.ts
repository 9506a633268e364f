import type { ErrorDetail } from '@habitual/shared';
import type { FastifyRequest } from 'fastify';
import { AppError } from './app-error.js';

const MESSAGE = 'Text must not contain NUL characters or unpaired UTF-16 surrogates';

/**
 * Text PostgreSQL cannot store: a NUL character (`invalid byte sequence for encoding "UTF8":
 * 0x00`) or a lone surrogate, which has no UTF-8 encoding at all.
 */
export function isUnstorableText(value: string): boolean {
  return value.includes('\u0000') || !(value as string & { isWellFormed(): boolean }).isWellFormed();
}

/** Dotted paths of every string (or object key) in `value` that PostgreSQL cannot store. */
export function findUnstorableText(value: unknown, path = '', found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (isUnstorableText(value)) found.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      findUnstorableText(item, path ? `${path}.${index}` : String(index), found);
    });
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value)) {
      // A bad key is named escaped, so the message itself stays storable and printable.
      const name = isUnstorableText(key) ? JSON.stringify(key).slice(1, -1) : key;
      const at = path ? `${path}.${name}` : name;
      if (name !== key) found.push(at);
      findUnstorableText(item, at, found);
    }
  }
  return found;
}

/**
 * The body as the client meant it, for the routes that take it as raw bytes (better-auth's
 * mount): JSON and form bodies are decoded; anything else is left to the route.
 */
function decodedBody(request: FastifyRequest): unknown {
  const body = request.body;
  if (!Buffer.isBuffer(body) || body.length === 0) return body;
  const type = String(request.headers['content-type'] ?? '').toLowerCase();
  try {
    if (type.includes('json')) return JSON.parse(body.toString('utf8'));
    if (type.startsWith('application/x-www-form-urlencoded')) {
      return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    }
  } catch {
    // Not parseable: the route answers for its own format.
  }
  return undefined;
}

/**
 * preValidation hook for every route: a NUL character or an unpaired surrogate anywhere in the
 * body, query string or path parameters answers 400 naming each field, instead of reaching
 * the database and failing there as a 500.
 */
export async function rejectUnstorableText(request: FastifyRequest): Promise<void> {
  const details: ErrorDetail[] = [];
  const parts = [
    ['params', request.params],
    ['querystring', request.query],
    ['body', decodedBody(request)],
  ] as const;
  for (const [location, value] of parts) {
    for (const found of findUnstorableText(value)) {
      // A wildcard route's parameter (`*`, better-auth's mount) is the path as a whole.
      const path = location === 'params' && found === '*' ? '' : found;
      details.push({ location, path, message: MESSAGE, code: 'invalid_text' });
    }
  }
  if (details.length === 0) return;
  const first = details[0] as ErrorDetail;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  const where = [first.location, first.path].filter(Boolean).join('.');
  throw new AppError('VALIDATION_ERROR', `${where}: ${MESSAGE}${more}`, { details });
}
