/**
 * A Stripe API on loopback that speaks the part of Stripe's HTTP protocol Habitual calls:
 * customers, Checkout Sessions, Billing Portal sessions, and subscriptions (retrieve, list,
 * cancel). The real `stripe` SDK is pointed at it (host/port/protocol), so requests go through
 * the SDK's own encoding, headers, retries and error classes. Bodies are form-encoded as Stripe's
 * are; errors use Stripe's `{ error: { type, code, message, param } }` shape; POSTs honour
 * `Idempotency-Key` (same key and parameters: the first answer again; other parameters: 400).
 *
 * Test-side helpers stand in for what a person or Stripe itself would do: complete a Checkout,
 * change or cancel a subscription, make the next call fail.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePrice {
  id: string;
  interval: 'month' | 'year';
}

export interface RecordedRequest {
  method: string;
  path: string;
  params: Record<string, unknown>;
  idempotencyKey: string | undefined;
  stripeVersion: string | undefined;
}

type Json = Record<string, unknown>;

export interface StoredSubscription extends Json {
  id: string;
  customer: string;
  status: string;
  created: number;
  cancel_at_period_end: boolean;
  cancel_at: number | null;
  items: { object: 'list'; data: Json[]; has_more: false; url: string };
}

interface Hold {
  method: string;
  path: RegExp;
  arrived: () => void;
  released: Promise<void>;
}

interface Failure {
  method: string;
  path: RegExp;
  status: number;
  body: Json;
}

class StripeHttpError extends Error {
  readonly status: number;
  readonly body: Json;
  constructor(status: number, body: Json) {
    super(String((body.error as Json | undefined)?.message ?? status));
    this.status = status;
    this.body = body;
  }
}

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

function invalid(message: string, param?: string, code?: string, status = 400): StripeHttpError {
  return new StripeHttpError(status, {
    error: { type: 'invalid_request_error', message, ...(param ? { param } : {}), ...(code ? { code } : {}) },
  });
}

function missing(kind: string, value: string, param = 'id'): StripeHttpError {
  return invalid(`No such ${kind}: '${value}'`, param, 'resource_missing', 404);
}

/** Decodes Stripe's form encoding (`line_items[0][price]=…`, `metadata[userId]=…`) into objects. */
export function parseStripeForm(body: string): Json {
  const out: Json = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> | unknown[] = out;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      if (last) {
        if (Array.isArray(node)) node.push(value);
        else node[part] = value;
        return;
      }
      const next = parts[i + 1] ?? '';
      const container = node as Record<string, unknown>;
      container[part] ??= /^\d*$/.test(next) ? [] : {};
      node = container[part] as Record<string, unknown> | unknown[];
    });
  }
  return out;
}

const DAY = 24 * 60 * 60;

export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  readonly customers = new Map<string, Json>();
  readonly checkoutSessions = new Map<string, Json>();
  readonly portalSessions = new Map<string, Json>();
  readonly subscriptions = new Map<string, StoredSubscription>();
  private readonly prices: Map<string, FakePrice>;
  private readonly idempotent = new Map<string, { params: string; status: number; body: Json }>();
  private readonly failures: Failure[] = [];
  private readonly holds: Hold[] = [];
  /** Stripe's clock, in seconds; tests may move it. */
  now: () => number = () => Math.floor(Date.now() / 1000);

  private readonly server: Server;
  readonly url: string;
  private readonly apiKey: string;

  private constructor(server: Server, url: string, apiKey: string, prices: FakePrice[]) {
    this.server = server;
    this.url = url;
    this.apiKey = apiKey;
    this.prices = new Map(prices.map((p) => [p.id, p]));
  }

  static async start(options: { apiKey: string; prices: FakePrice[] }): Promise<FakeStripe> {
    let fake: FakeStripe | undefined;
    const server = createServer((req, res) => {
      void fake?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeStripe(server, `http://127.0.0.1:${port}`, options.apiKey, options.prices);
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` requests matching method and path answer `status` with a Stripe error body. */
  failNext(method: string, path: RegExp, status: number, error: Json, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ method, path, status, body: { error } });
  }

  /**
   * The next matching request is answered with the state at its arrival, but only once
   * `release()` is called: a slow Stripe response, without any timing in the test.
   */
  holdNext(method: string, path: RegExp): { arrived: Promise<void>; release: () => void } {
    let arrived = () => {};
    let release = () => {};
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.push({ method, path, arrived, released });
    return { arrived: arrival, release };
  }

  count(method: string, path: RegExp | string): number {
    return this.requests.filter(
      (r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
    ).length;
  }

  // ---- what a customer or Stripe does outside the API ----

  /** The customer pays: the session completes and an active subscription exists. */
  completeCheckout(sessionId: string, options: { status?: string } = {}): StoredSubscription {
    const session = this.checkoutSessions.get(sessionId);
    if (!session) throw new Error(`no checkout session ${sessionId}`);
    const lineItems = session.line_items as Array<{ price: string }>;
    const subscription = this.createSubscription(String(session.customer), String(lineItems[0]?.price), {
      metadata: (session.subscription_data as { metadata?: Json } | undefined)?.metadata ?? {},
      ...(options.status ? { status: options.status } : {}),
    });
    Object.assign(session, { status: 'complete', payment_status: 'paid', subscription: subscription.id });
    return subscription;
  }

  createSubscription(
    customer: string,
    priceId: string,
    options: { status?: string; created?: number; metadata?: Json } = {},
  ): StoredSubscription {
    const price = this.prices.get(priceId);
    if (!price) throw new Error(`unknown price ${priceId}`);
    const created = options.created ?? this.now();
    const subscription: StoredSubscription = {
      id: id('sub'),
      object: 'subscription',
      customer,
      status: options.status ?? 'active',
      created,
      start_date: created,
      cancel_at_period_end: false,
      cancel_at: null,
      canceled_at: null,
      ended_at: null,
      livemode: false,
      metadata: options.metadata ?? {},
      items: { object: 'list', data: [this.item(price, created)], has_more: false, url: '/v1/subscription_items' },
    };
    this.subscriptions.set(subscription.id, subscription);
    return subscription;
  }

  /** Changes a subscription as the Portal or Stripe's billing would; returns the new state. */
  updateSubscription(
    subscriptionId: string,
    patch: { status?: string; cancelAtPeriodEnd?: boolean; priceId?: string; periodEnd?: number },
  ): StoredSubscription {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) throw new Error(`no subscription ${subscriptionId}`);
    if (patch.status !== undefined) subscription.status = patch.status;
    if (patch.cancelAtPeriodEnd !== undefined) subscription.cancel_at_period_end = patch.cancelAtPeriodEnd;
    if (patch.priceId !== undefined) {
      const price = this.prices.get(patch.priceId);
      if (!price) throw new Error(`unknown price ${patch.priceId}`);
      subscription.items.data = [this.item(price, this.now())];
    }
    if (patch.periodEnd !== undefined) {
      for (const item of subscription.items.data) item.current_period_end = patch.periodEnd;
    }
    return subscription;
  }

  /** A copy of the object as it is now: what an event carries. */
  snapshot<T>(object: T): T {
    return structuredClone(object);
  }

  private item(price: FakePrice, start: number): Json {
    return {
      id: id('si'),
      object: 'subscription_item',
      quantity: 1,
      current_period_start: start,
      current_period_end: start + (price.interval === 'month' ? 30 : 365) * DAY,
      price: {
        id: price.id,
        object: 'price',
        active: true,
        currency: 'eur',
        type: 'recurring',
        recurring: { interval: price.interval, interval_count: 1 },
      },
    };
  }

  // ---- the HTTP side ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const params =
      method === 'GET' || method === 'DELETE' ? parseStripeForm(url.search.slice(1)) : parseStripeForm(raw);
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const idempotencyKey = header('idempotency-key');
    this.requests.push({ method, path: url.pathname, params, idempotencyKey, stripeVersion: header('stripe-version') });

    const send = async (status: number, body: Json) => {
      // Serialised now: a held answer carries the state at arrival, not at release.
      const text = JSON.stringify(body);
      const hold = this.holds.findIndex((h) => h.method === method && h.path.test(url.pathname));
      if (hold !== -1) {
        const [h] = this.holds.splice(hold, 1);
        h?.arrived();
        await h?.released;
      }
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
      res.end(text);
    };

    if (header('authorization') !== `Bearer ${this.apiKey}`) {
      await send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      return;
    }
    const failure = this.failures.findIndex((f) => f.method === method && f.path.test(url.pathname));
    if (failure !== -1) {
      const [f] = this.failures.splice(failure, 1);
      if (f) await send(f.status, f.body);
      return;
    }
    const replayKey = idempotencyKey && method === 'POST' ? `${url.pathname} ${idempotencyKey}` : undefined;
    if (replayKey) {
      const previous = this.idempotent.get(replayKey);
      if (previous) {
        if (previous.params !== JSON.stringify(params)) {
          await send(400, {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            },
          });
          return;
        }
        res.setHeader('idempotent-replayed', 'true');
        await send(previous.status, previous.body);
        return;
      }
    }
    let status = 200;
    let body: Json;
    try {
      body = this.route(method, url.pathname, params);
    } catch (err) {
      if (!(err instanceof StripeHttpError)) throw err;
      status = err.status;
      body = err.body;
    }
    if (replayKey) this.idempotent.set(replayKey, { params: JSON.stringify(params), status, body });
    await send(status, body);
  }

  private route(method: string, path: string, params: Json): Json {
    if (method === 'POST' && path === '/v1/customers') return this.createCustomer(params);
    const customerId = /^\/v1\/customers\/([^/]+)$/.exec(path)?.[1];
    if (method === 'GET' && customerId) {
      const customer = this.customers.get(customerId);
      if (!customer) throw missing('customer', customerId);
      return customer;
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') return this.createCheckoutSession(params);
    if (method === 'POST' && path === '/v1/billing_portal/sessions') return this.createPortalSession(params);
    if (method === 'GET' && path === '/v1/subscriptions') return this.listSubscriptions(params);
    const subscriptionId = /^\/v1\/subscriptions\/([^/]+)$/.exec(path)?.[1];
    if (subscriptionId && (method === 'GET' || method === 'DELETE')) {
      const subscription = this.subscriptions.get(subscriptionId);
      if (!subscription) throw missing('subscription', subscriptionId);
      if (method === 'DELETE' && subscription.status !== 'canceled') {
        Object.assign(subscription, { status: 'canceled', canceled_at: this.now(), ended_at: this.now() });
      }
      return subscription;
    }
    throw invalid(`Unrecognized request URL (${method}: ${path}).`, undefined, undefined, 404);
  }

  private createCustomer(params: Json): Json {
    const customer = {
      id: id('cus'),
      object: 'customer',
      created: this.now(),
      email: params.email ?? null,
      name: params.name ?? null,
      metadata: params.metadata ?? {},
      livemode: false,
    };
    this.customers.set(customer.id, customer);
    return customer;
  }

  private createCheckoutSession(params: Json): Json {
    if (params.mode !== 'subscription') throw invalid('This fake only supports mode=subscription', 'mode');
    if ('payment_method_types' in params) {
      throw invalid('Received unknown parameter: payment_method_types', 'payment_method_types');
    }
    const customer = String(params.customer ?? '');
    if (!this.customers.has(customer)) throw invalid(`No such customer: '${customer}'`, 'customer', 'resource_missing');
    const lineItems = params.line_items as Array<{ price?: string; quantity?: string }> | undefined;
    if (lineItems?.length !== 1) throw invalid('Exactly one line item is expected', 'line_items');
    const price = lineItems[0]?.price ?? '';
    if (!this.prices.has(price)) throw invalid(`No such price: '${price}'`, 'line_items[0][price]', 'resource_missing');
    for (const name of ['success_url', 'cancel_url']) {
      if (typeof params[name] !== 'string')
        throw invalid(`Missing required param: ${name}.`, name, 'parameter_missing');
    }
    const session = {
      id: id('cs_test'),
      object: 'checkout.session',
      mode: 'subscription',
      status: 'open',
      payment_status: 'unpaid',
      customer,
      client_reference_id: params.client_reference_id ?? null,
      line_items: lineItems,
      metadata: params.metadata ?? {},
      subscription_data: params.subscription_data ?? {},
      success_url: params.success_url,
      cancel_url: params.cancel_url,
      subscription: null,
      created: this.now(),
      expires_at: this.now() + DAY,
      livemode: false,
    };
    this.checkoutSessions.set(session.id, session);
    return { ...session, url: `https://checkout.stripe.test/c/pay/${session.id}` };
  }

  private createPortalSession(params: Json): Json {
    const customer = String(params.customer ?? '');
    if (!this.customers.has(customer)) throw invalid(`No such customer: '${customer}'`, 'customer', 'resource_missing');
    const session = {
      id: id('bps'),
      object: 'billing_portal.session',
      customer,
      return_url: params.return_url ?? null,
      created: this.now(),
      livemode: false,
      url: `https://billing.stripe.test/p/session/${id('test')}`,
    };
    this.portalSessions.set(session.id, session);
    return session;
  }

  private listSubscriptions(params: Json): Json {
    const limit = Math.min(Number(params.limit ?? 10), 100);
    // Like Stripe: without `status`, every subscription that is not cancelled.
    const status = params.status;
    let all = [...this.subscriptions.values()]
      .filter((s) => (status === 'all' ? true : status === undefined ? s.status !== 'canceled' : s.status === status))
      .filter((s) => (params.customer ? s.customer === params.customer : true))
      .reverse()
      .sort((a, b) => b.created - a.created);
    if (typeof params.starting_after === 'string') {
      const at = all.findIndex((s) => s.id === params.starting_after);
      all = at === -1 ? [] : all.slice(at + 1);
    }
    return { object: 'list', url: '/v1/subscriptions', data: all.slice(0, limit), has_more: all.length > limit };
  }
}
