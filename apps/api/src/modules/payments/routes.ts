import { Billing, BillingRedirect, CreateCheckout, WebhookAck } from '@habitual/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth/index.js';
import type { CheckoutService } from './checkout.js';
import { HANDLED_EVENT_TYPES } from './stripe-event.js';
import type { SubscriptionSync } from './subscription-sync.js';

const SELF_HOSTED_NOTE =
  'Answers 503 `SERVICE_UNAVAILABLE` when the server runs without Stripe keys (self-hosted: every account has Pro features).';

export const billingRoutes: FastifyPluginAsyncZod<{ checkout: CheckoutService }> = async (app, { checkout }) => {
  app.get(
    '/billing',
    {
      config: { auth: { level: 'user' } },
      schema: {
        operationId: 'getBilling',
        tags: ['Billing'],
        summary: 'Get my plan, subscription and limits',
        description: `The plan, the Stripe subscription as last reported by Stripe (status, interval, period end, whether it was cancelled), and each allowance with its current usage. ${SELF_HOSTED_NOTE}`,
        response: { 200: Billing.describe('The plan, subscription and limits.') },
      },
    },
    async (request) => checkout.getBilling(actorOf(request).userId),
  );

  app.post(
    '/billing/checkout',
    {
      config: {
        auth: { level: 'user', access: 'write', sessionOnly: true },
        errors: ['CONFLICT', 'UPSTREAM_ERROR', 'UPSTREAM_RATE_LIMITED', 'UPSTREAM_TIMEOUT'],
      },
      schema: {
        operationId: 'createCheckout',
        tags: ['Billing'],
        summary: 'Start a Pro subscription (Stripe Checkout)',
        description: `Returns the URL of a Stripe Checkout page for Pro, billed monthly or yearly. Asking again within 10 minutes (a double click) returns the same page. When the payment succeeds Stripe tells the API by webhook, and the plan changes to Pro; Stripe then sends the user back to the app's \`/billing\` page. A user who is already on Pro gets 409 \`CONFLICT\` (use the portal). ${SELF_HOSTED_NOTE}`,
        body: CreateCheckout,
        response: { 200: BillingRedirect.describe('The Checkout page to open.') },
      },
    },
    async (request) => ({ url: await checkout.startCheckout(actorOf(request).userId, request.body.interval) }),
  );

  app.post(
    '/billing/portal',
    {
      config: {
        auth: { level: 'user', access: 'write', sessionOnly: true },
        errors: ['CONFLICT', 'UPSTREAM_ERROR', 'UPSTREAM_RATE_LIMITED', 'UPSTREAM_TIMEOUT'],
      },
      schema: {
        operationId: 'createBillingPortalSession',
        tags: ['Billing'],
        summary: 'Manage my subscription (Stripe Billing Portal)',
        description: `Returns the URL of the Stripe Billing Portal, where the user changes the interval, updates the card, sees invoices or cancels. Changes reach the API by webhook. A user who never started a checkout gets 409 \`CONFLICT\`. ${SELF_HOSTED_NOTE}`,
        response: { 200: BillingRedirect.describe('The Billing Portal page to open.') },
      },
    },
    async (request) => ({ url: await checkout.openPortal(actorOf(request).userId) }),
  );
};

/**
 * The Stripe webhook, in its own scope: the only route that receives the raw body bytes
 * (the signature covers them exactly). Public, authenticated by the signature; not counted by
 * the per-address rate limit, since Stripe delivers from a few addresses in bursts and an
 * unsigned request costs one HMAC.
 */
export const webhookRoutes: FastifyPluginAsyncZod<{ sync: SubscriptionSync }> = async (app, { sync }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/webhooks/stripe',
    {
      config: {
        rateLimit: false,
        errors: ['MALFORMED_BODY', 'UPSTREAM_ERROR', 'UPSTREAM_RATE_LIMITED', 'UPSTREAM_TIMEOUT'],
      },
      schema: {
        operationId: 'receiveStripeWebhook',
        tags: ['Webhooks'],
        summary: 'Receive a Stripe event',
        description: [
          'For Stripe only. Configure it in the Stripe Dashboard (Developers → Webhooks) with the events',
          HANDLED_EVENT_TYPES.map((type) => `\`${type}\``).join(', '),
          '. The `Stripe-Signature` header is checked over the exact body bytes (400 when it does not match or is older than 5 minutes).',
          'Each event id is applied once: a repeated delivery answers 200 `duplicate` and changes nothing. Events may arrive in any order: a subscription event newer than the stored state is stored as it comes, an older one changes nothing, and one of the same second (or an invoice or checkout event, which does not carry the subscription) makes the API re-read the subscription from Stripe.',
          'Other event types answer 200 `ignored`. When the result cannot be stored the answer is 5xx and Stripe retries.',
          SELF_HOSTED_NOTE,
        ].join(' '),
        headers: z.looseObject({
          'stripe-signature': z
            .string()
            .min(1)
            .max(8192)
            .describe('`t=<timestamp>,v1=<signature>`, as Stripe sends it.'),
        }),
        body: z.unknown().describe('The Stripe event, as JSON; read as raw bytes for the signature check.'),
        response: { 200: WebhookAck.describe('Accepted; Stripe will not deliver this event again.') },
      },
    },
    async (request) => {
      const event = sync.verifyWebhook(request.body, request.headers['stripe-signature']);
      const outcome = await sync.handleEvent(event);
      request.log.info({ stripeEvent: event.id, stripeEventType: event.type, outcome }, 'stripe webhook');
      return { received: true as const, outcome };
    },
  );
};
