import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { upstreamError } from './stripe-client.js';

describe("upstreamError: Stripe's failures in our terms", () => {
  it("maps Stripe's 429 to UPSTREAM_RATE_LIMITED with Retry-After, as the AI provider's", () => {
    const error = upstreamError(
      new Stripe.errors.StripeRateLimitError({ type: 'rate_limit_error', message: 'Too many requests' }),
    );
    expect(error.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(error.headers['retry-after']).toBe('5');
    expect(error.details).toEqual([{ reason: 'stripe_rate_limited', upstreamStatus: 429, retryAfterSeconds: 5 }]);
  });

  it('maps timeouts, unreachable Stripe and refused requests to 504 / 502', () => {
    const timeout = new Stripe.errors.StripeConnectionError({ type: 'api_error', message: 'Request timed out' });
    expect(upstreamError(timeout).code).toBe('UPSTREAM_TIMEOUT');
    const refused = new Stripe.errors.StripeConnectionError({ type: 'api_error', message: 'ECONNREFUSED' });
    expect(upstreamError(refused).code).toBe('UPSTREAM_ERROR');
    const invalid = new Stripe.errors.StripeInvalidRequestError({ type: 'invalid_request_error', message: 'No price' });
    expect(upstreamError(invalid).code).toBe('UPSTREAM_ERROR');
  });
});
