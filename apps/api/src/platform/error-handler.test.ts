import { type ErrorCode, errorCatalog, errorCodes } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import { codeForStatus, statusOf } from './error-handler.js';

/** Codes that promise more than their status (structured details, an outside service). */
const SPECIFIC: readonly ErrorCode[] = [
  'MALFORMED_BODY',
  'PLAN_LIMIT_REACHED',
  'QUOTA_EXCEEDED',
  'UPSTREAM_ERROR',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_TIMEOUT',
];

describe('codeForStatus', () => {
  it('answers, for the status of every other code of the error table, a code of that status', () => {
    for (const code of errorCodes.filter((c) => !SPECIFIC.includes(c))) {
      const status = errorCatalog[code].status;
      expect(statusOf(codeForStatus(status)), `${code} ${status}`).toBe(status);
    }
  });

  it('never infers a code that promises more than the status', () => {
    const inferred = new Set(errorCodes.map((code) => codeForStatus(errorCatalog[code].status)));
    for (const code of SPECIFIC) expect(inferred.has(code), code).toBe(false);
  });

  it('keeps the generic code where a status has several', () => {
    expect(codeForStatus(400)).toBe('VALIDATION_ERROR');
    expect(codeForStatus(429)).toBe('RATE_LIMITED');
    expect(codeForStatus(503)).toBe('SERVICE_UNAVAILABLE');
  });

  it('maps statuses the table does not have by their class', () => {
    expect(codeForStatus(418)).toBe('VALIDATION_ERROR');
    expect(codeForStatus(402)).toBe('VALIDATION_ERROR');
    expect(codeForStatus(502)).toBe('INTERNAL');
    expect(codeForStatus(599)).toBe('INTERNAL');
  });
});
