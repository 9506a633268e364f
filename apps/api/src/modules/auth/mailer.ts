import type { FastifyBaseLogger } from 'fastify';
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** Machine-readable purpose, so tests and logs can tell messages apart. */
  kind: 'verify-email' | 'reset-password';
  /** The link the message carries. */
  url: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

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
    const transport = nodemailer.createTransport(options.smtpUrl);
    return {
      async send(message) {
        await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text });
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
