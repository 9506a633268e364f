import type { FastifyBaseLogger } from 'fastify';
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
  /** Machine-readable purpose (`verify-email`, `reset-password`, `reminder`, ...), for tests and logs. */
  kind: string;
  /** The link the message carries, when it carries one. */
  url?: string | undefined;
}

/** Hands one message to the mail server; rejects when it was not accepted. Used by the outbox job only. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** How long a send may take before it counts as failed (and the outbox job retries it). */
const SMTP_TIMEOUT_MS = 15_000;

/**
 * SMTP through nodemailer when SMTP_URL is set. Without it (development and tests only: the
 * config requires SMTP_URL in production) the message is logged with its link, so a developer
 * can click through.
 */
export function createMailer(
  options: { smtpUrl?: string | undefined; from: string; nodeEnv: string },
  logger: FastifyBaseLogger,
): Mailer {
  if (options.smtpUrl) {
    // nodemailer reads options from the URL's query; ones already in SMTP_URL win.
    const url = new URL(options.smtpUrl);
    for (const name of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) {
      if (!url.searchParams.has(name)) url.searchParams.set(name, String(SMTP_TIMEOUT_MS));
    }
    const transport = nodemailer.createTransport(url.toString());
    return {
      async send(message) {
        await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html ? { html: message.html } : {}),
        });
        logger.info({ kind: message.kind }, 'mail sent');
      },
    };
  }
  return {
    async send(message) {
      logger.warn({ mail: message }, 'SMTP_URL is not set: mail logged instead of sent');
    },
  };
}
