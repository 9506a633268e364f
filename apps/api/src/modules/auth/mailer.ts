import type { MailOutbox } from '../../platform/mail/index.js';

export { createMailer, type Mailer, type MailMessage } from '../../platform/mail/index.js';

/** Where better-auth's hooks put verification and reset mail: the outbox (sent by a job, never in the request). */
export type AuthMail = Pick<MailOutbox, 'enqueue'>;
