export {
  createMailOutbox,
  MAIL_QUEUE,
  MAIL_RETRY,
  type MailOutbox,
  type MailOutboxDeps,
  type MailOutboxService,
  type OutboxMail,
} from './outbox.js';
export { createMailer, type Mailer, type MailMessage } from './transport.js';
