export {
  createMailOutbox,
  type MailOutbox,
  type MailOutboxService,
  type OutboxMail,
} from './outbox.js';
export { createMailer, type Mailer, type MailMessage } from './transport.js';
