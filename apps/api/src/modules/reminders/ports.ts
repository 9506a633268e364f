/**
 * What the reminders module needs from the job system and the mail outbox (issue 14, part A).
 * Declared here as narrow interfaces, the same shapes platform/jobs and the outbox export, so
 * the module depends on what it uses and nothing more.
 */
import type { Tx } from '../../platform/db/client.js';

export interface ReminderJobs {
  work<T extends object>(
    name: string,
    handler: (data: T) => Promise<void>,
    options?: { concurrency?: number },
  ): Promise<void>;
  schedule(name: string, cron: string, data?: object): Promise<void>;
}

export interface OutboxMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  kind: string;
  dedupeKey?: string;
}

export interface ReminderMailOutbox {
  enqueue(mail: OutboxMail, tx?: Tx): Promise<void>;
}

export interface ReminderLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
