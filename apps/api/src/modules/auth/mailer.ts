import type { MailOutbox } from '../../platform/mail/index.js';

export type { Mailer, MailMessage } from '../../platform/mail/index.js';

/** Where better-auth's hooks put verification and reset mail: the outbox (sent by a job, never in the request). */
export type AuthMail = Pick<MailOutbox, 'enqueue'>;
