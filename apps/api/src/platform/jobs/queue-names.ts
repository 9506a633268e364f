import { createHash } from 'node:crypto';

/**
 * Our queue names read `area:action` (`mail:send`); pg-boss allows letters, digits, `_`, `-`, `.`
 * and `/` only, so the colon is stored as a slash and shown as a colon again.
 */
export const toQueue = (name: string) => name.replaceAll(':', '/');
export const fromQueue = (queue: string) => queue.replaceAll('/', ':');

/** A job id derived from its queue and singleton key, so a second send of the key inserts nothing. */
export function singletonId(name: string, key: string): string {
  const hex = createHash('sha256').update(`${name}\u0000${key}`).digest('hex');
  // UUID layout with version 8 (custom) and the RFC 4122 variant.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16] ?? '0', 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
