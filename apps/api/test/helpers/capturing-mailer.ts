import type { Mailer, MailMessage } from '../../src/modules/auth/index.js';

/** Keeps every message in memory; for tests. */
export class CapturingMailer implements Mailer {
  readonly outbox: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.outbox.push(message);
  }
  /** The newest message of a kind sent to an address. */
  last(to: string, kind: MailMessage['kind']): MailMessage | undefined {
    return this.outbox.filter((m) => m.to === to && m.kind === kind).at(-1);
  }
}
