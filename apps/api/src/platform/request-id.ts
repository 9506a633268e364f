import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Keeps a caller's `x-request-id` when it is a plausible id (so logs across services line
 * up), otherwise generates a UUID. Anything else could forge or break log lines.
 */
export function genRequestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  if (value && SAFE_REQUEST_ID.test(value)) return value;
  return randomUUID();
}
