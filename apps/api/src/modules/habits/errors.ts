import { AppError } from '../../platform/app-error.js';
import type { RuleViolation } from './domain/index.js';

/** Where a field of the request is: the details of a 400 name it as `location.path`. */
export type Location = 'body' | 'params' | 'querystring';

/** A broken rule of `domain/check-in-rules.ts` as a 400; `prefix` is the input's path in the request. */
export function violated(violation: RuleViolation, location: Location, prefix = ''): AppError {
  const path = `${prefix}${violation.field}`;
  return new AppError('VALIDATION_ERROR', `${location}.${path}: ${violation.message}`, {
    details: [{ location, path, message: violation.message, code: violation.code }],
  });
}

export const habitNotFound = () => new AppError('NOT_FOUND', 'Habit not found');

/** The caller's account is gone (deleted between authentication and this request). */
export const userNotFound = () => new AppError('NOT_FOUND', 'User not found');
