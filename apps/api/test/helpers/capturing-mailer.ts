import type { AuthMail, Mailer, MailMessage } from '../../src/modules/auth/index.js';
import type { OutboxMail } from '../../src/platform/mail/index.js';

/**
 * Keeps every message in memory; for tests. As a Mailer it records what the outbox job sends; as
 * an AuthMail it records what would be enqueued (for tests of better-auth alone, without jobs).
 */
export class CapturingMailer implements Mailer, AuthMail {
  readonly outbox: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.outbox.push(message);
  }
  async enqueue(mail: OutboxMail): Promise<void> {
    this.outbox.push({ ...mail });
  }
  /** Waits (polling) for a message of a kind to an address: mail is sent by a job, after the request. */
  async waitFor(to: string, kind: string, timeoutMs = 30_000): Promise<MailMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.last(to, kind);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${kind} mail to ${to} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  /** The newest message of a kind sent to an address. */
  last(to: string, kind: string): MailMessage | undefined {
    return this.outbox.filter((m) => m.to === to && m.kind === kind).at(-1);
  }
}
