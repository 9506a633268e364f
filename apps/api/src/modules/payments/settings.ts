import type { BillingInterval } from '@habitual/shared';
import type { Config } from '../../config.js';
import { AppError } from '../../platform/app-error.js';
import { createStripeClient, createStripeGateway, type StripeGateway } from './stripe-client.js';

export interface BillingSettings {
  gateway: StripeGateway;
  webhookSecret: string;
  prices: Readonly<Record<BillingInterval, string>>;
  /** The web app; Checkout and the Portal send the user back here. */
  appUrl: string;
}

export type StripeConfig = Pick<
  Config,
  | 'STRIPE_SECRET_KEY'
  | 'STRIPE_WEBHOOK_SECRET'
  | 'STRIPE_PRICE_PRO_MONTHLY'
  | 'STRIPE_PRICE_PRO_YEARLY'
  | 'STRIPE_API_URL'
  | 'APP_URL'
>;

/** True when all four Stripe keys are configured; false runs self-hosted. */
export function billingConfigured(config: StripeConfig): boolean {
  return Boolean(
    config.STRIPE_SECRET_KEY &&
      config.STRIPE_WEBHOOK_SECRET &&
      config.STRIPE_PRICE_PRO_MONTHLY &&
      config.STRIPE_PRICE_PRO_YEARLY,
  );
}

/** The Stripe settings when all four keys are configured; null runs self-hosted. */
export function billingSettings(config: StripeConfig): BillingSettings | null {
  const { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_PRO_MONTHLY, STRIPE_PRICE_PRO_YEARLY } = config;
  if (!STRIPE_SECRET_KEY || !STRIPE_WEBHOOK_SECRET || !STRIPE_PRICE_PRO_MONTHLY || !STRIPE_PRICE_PRO_YEARLY)
    return null;
  return {
    gateway: createStripeGateway(createStripeClient({ secretKey: STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL })),
    webhookSecret: STRIPE_WEBHOOK_SECRET,
    prices: { month: STRIPE_PRICE_PRO_MONTHLY, year: STRIPE_PRICE_PRO_YEARLY },
    appUrl: config.APP_URL,
  };
}

/** The settings of a route that needs Stripe; 503 when the server runs self-hosted. */
export function requireBilling(billing: BillingSettings | null): BillingSettings {
  if (!billing) {
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'Billing is not configured on this server: it runs self-hosted, and every account has Pro features',
    );
  }
  return billing;
}
