import { createECDH, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

// http_ece (the Web Push content encoding, RFC 8188) ships no types; this is the one call we use.
const ece = createRequire(import.meta.url)('http_ece') as {
  decrypt(
    body: Buffer,
    params: { version: 'aes128gcm'; privateKey: ReturnType<typeof createECDH>; authSecret: string },
  ): Buffer;
};

export interface ReceivedPush {
  /** The subscription's path on the fake service (`/push/<name>`). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The decrypted payload, parsed as JSON (null when it could not be decrypted). */
  payload: Record<string, unknown> | null;
}

/** A browser's subscription on the fake push service, with the keys that decrypt its pushes. */
export interface FakeSubscription {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

/**
 * A push service on loopback that speaks enough of RFC 8030 for our sender: it accepts POSTs to
 * `/push/<name>`, decrypts them with the subscription's keys (as a browser would) and records
 * them. `gone(name)` makes it answer 410 for that subscription, `failing(name)` 500.
 */
export class FakePushService {
  readonly received: ReceivedPush[] = [];
  private readonly server: Server;
  private readonly keys = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: string }>();
  private readonly status = new Map<string, number>();
  private url = '';

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        const name = path.replace(/^\/push\//, '');
        const forced = this.status.get(name);
        if (forced) {
          res.writeHead(forced).end();
          return;
        }
        const key = this.keys.get(name);
        let payload: Record<string, unknown> | null = null;
        if (key) {
          try {
            const plain = ece.decrypt(Buffer.concat(chunks), {
              version: 'aes128gcm',
              privateKey: key.ecdh,
              authSecret: key.auth,
            });
            payload = JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
          } catch {
            payload = null;
          }
        }
        this.received.push({ path, headers: req.headers, payload });
        res.writeHead(201).end();
      });
    });
  }

  static async start(): Promise<FakePushService> {
    const fake = new FakePushService();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** A new browser subscription on this service (what `pushManager.subscribe` returns, as JSON). */
  subscription(name = randomBytes(6).toString('hex')): FakeSubscription {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16).toString('base64url');
    this.keys.set(name, { ecdh, auth });
    return {
      endpoint: `${this.url}/push/${name}`,
      expirationTime: null,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth },
    };
  }

  /** Pushes received for one subscription. */
  to(subscription: { endpoint: string }): ReceivedPush[] {
    const path = new URL(subscription.endpoint).pathname;
    return this.received.filter((r) => r.path === path);
  }

  gone(subscription: { endpoint: string }): void {
    this.status.set(new URL(subscription.endpoint).pathname.replace(/^\/push\//, ''), 410);
  }

  failing(subscription: { endpoint: string }, status = 500): void {
    this.status.set(new URL(subscription.endpoint).pathname.replace(/^\/push\//, ''), status);
  }

  healthy(subscription: { endpoint: string }): void {
    this.status.delete(new URL(subscription.endpoint).pathname.replace(/^\/push\//, ''));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
