import { and, eq, lt, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Database, Tx } from '../db/client.js';
import type { Jobs } from '../jobs/jobs.js';
import { mailOutbox } from './schema.js';
import type { Mailer, MailMessage } from './transport.js';

export interface OutboxMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  kind: string;
  /** A second enqueue with the same key is a no-op. */
  dedupeKey?: string;
  /** The link the message carries (kept for logs and tests). */
  url?: string;
}

export interface MailOutbox {
  /** Records the mail in the caller's transaction (or one of its own); a job sends it after the commit. */
  enqueue(mail: OutboxMail, tx?: Tx): Promise<void>;
}

export const MAIL_QUEUE = 'mail:send';
/** Retries of a mail: 10 attempts over about 4 hours (30 s doubling, capped at one hour). */
export const MAIL_RETRY = { limit: 9, delaySeconds: 30, maxDelaySeconds: 3600 } as const;

export interface MailOutboxDeps {
  db: Database;
  jobs: Pick<Jobs, 'sendInTransaction' | 'work' | 'configureQueue' | 'prepare'>;
  mailer: Mailer;
  logger: FastifyBaseLogger;
  /** Retries of the `mail:send` queue; MAIL_RETRY unless a test shortens them. */
  retry?: { limit: number; delaySeconds: number; maxDelaySeconds: number };
}

export interface MailOutboxService extends MailOutbox {
  /** Registers the `mail:send` worker (a no-op on instances with WORKERS=off). */
  startWorkers(): Promise<void>;
  /**
   * Sends one outbox row; the job handler. Throws when the mail server did not take it; on the
   * job's last attempt the row is marked failed.
   */
  deliver(id: string, attempt?: { last: boolean }): Promise<void>;
  /** Deletes sent mail older than the cutoff; returns how many rows went. */
  deleteSentBefore(cutoff: Date): Promise<number>;
}

export function createMailOutbox(deps: MailOutboxDeps): MailOutboxService {
  const { db, jobs, mailer } = deps;
  const retry = deps.retry ?? MAIL_RETRY;
  const log = deps.logger.child({ component: 'mail-outbox' });
  jobs.configureQueue(MAIL_QUEUE, {
    retryLimit: retry.limit,
    retryDelay: retry.delaySeconds,
    retryBackoff: true,
    retryDelayMax: retry.maxDelaySeconds,
  });

  const write = async (mail: OutboxMail, tx: Tx) => {
    const [row] = await tx
      .insert(mailOutbox)
      .values({
        kind: mail.kind,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html ?? null,
        url: mail.url ?? null,
        dedupeKey: mail.dedupeKey ?? null,
      })
      .onConflictDoNothing({ target: mailOutbox.dedupeKey })
      .returning({ id: mailOutbox.id });
    // The job commits with the row: no mail without its job, no job without its mail.
    if (row) await jobs.sendInTransaction(tx, MAIL_QUEUE, { id: row.id });
  };

  return {
    async enqueue(mail, tx) {
      // Outside any transaction (a caller's tx may hold PGlite's one connection): see Jobs.prepare.
      if (!tx) await jobs.prepare(MAIL_QUEUE);
      if (tx) await write(mail, tx);
      else await db.transaction((t) => write(mail, t));
    },
    async startWorkers() {
      await jobs.work<{ id: string }>(MAIL_QUEUE, (data, attempt) => this.deliver(data.id, attempt), {
        concurrency: 4,
      });
    },
    async deliver(id, attempt) {
      const [row] = await db.select().from(mailOutbox).where(eq(mailOutbox.id, id));
      // Sent already (a retry after a crash that followed the send) or deleted: nothing to do.
      if (!row || row.status === 'sent') return;
      const message: MailMessage = { to: row.to, subject: row.subject, text: row.text, kind: row.kind };
      if (row.html) message.html = row.html;
      if (row.url) message.url = row.url;
      try {
        await mailer.send(message);
      } catch (err) {
        const attempts = row.attempts + 1;
        const failed = attempt?.last ?? attempts > retry.limit;
        await db
          .update(mailOutbox)
          .set({
            attempts,
            lastError: err instanceof Error ? err.message.slice(0, 500) : String(err).slice(0, 500),
            status: failed ? 'failed' : 'pending',
          })
          .where(eq(mailOutbox.id, id));
        if (failed) log.error({ mailId: id, kind: row.kind, attempts }, 'mail could not be sent after every retry');
        throw err;
      }
      await db
        .update(mailOutbox)
        .set({ status: 'sent', sentAt: sql`now()`, attempts: row.attempts + 1, lastError: null })
        .where(eq(mailOutbox.id, id));
    },
    async deleteSentBefore(cutoff) {
      const rows = await db
        .delete(mailOutbox)
        .where(and(eq(mailOutbox.status, 'sent'), lt(mailOutbox.sentAt, cutoff)))
        .returning({ id: mailOutbox.id });
      return rows.length;
    },
  };
}
