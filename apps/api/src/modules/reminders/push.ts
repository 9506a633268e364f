/**
 * Web Push: `web-push` encrypts the payload and signs the VAPID header; the request itself is
 * ours, so that the push endpoint (a URL the browser gave us) is checked at connect time like any
 * outbound URL (platform/outbound-url.ts).
 */
import http from 'node:http';
import https from 'node:https';
import webpush from 'web-push';
import { checkOutboundUrl, guardedLookup, type OutboundPolicy } from '../../platform/outbound-url.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** `gone`: the push service no longer knows the subscription (404/410); remove it. */
export type PushResult = { kind: 'sent' } | { kind: 'gone'; status: number } | { kind: 'failed'; reason: string };

export interface PushSender {
  readonly publicKey: string;
  send(target: PushTarget, payload: string): Promise<PushResult>;
}

export function createPushSender(options: {
  vapid: VapidKeys;
  policy: OutboundPolicy;
  timeoutMs?: number;
}): PushSender {
  const { vapid, policy } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const lookup = guardedLookup(policy);
  // Keep-alive: a burst of reminders goes to a handful of push services.
  const agents = {
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  };

  return {
    publicKey: vapid.publicKey,

    async send(target, payload) {
      let url: URL;
      try {
        url = checkOutboundUrl(target.endpoint, policy);
      } catch (err) {
        return { kind: 'failed', reason: `endpoint refused: ${(err as Error).message}` };
      }
      const details = webpush.generateRequestDetails(
        { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
        payload,
        {
          vapidDetails: vapid,
          TTL: 4 * 3600,
          urgency: 'normal',
          contentEncoding: 'aes128gcm',
        },
      );
      const protocol = url.protocol as 'https:' | 'http:';
      return new Promise<PushResult>((resolve) => {
        const request = (protocol === 'https:' ? https : http).request(
          url,
          {
            method: details.method,
            headers: details.headers as Record<string, string>,
            agent: agents[protocol],
            lookup,
            timeout: timeoutMs,
          },
          (response) => {
            response.resume();
            response.on('end', () => {
              const status = response.statusCode ?? 0;
              if (status >= 200 && status < 300) resolve({ kind: 'sent' });
              else if (status === 404 || status === 410) resolve({ kind: 'gone', status });
              else resolve({ kind: 'failed', reason: `push service answered ${status}` });
            });
          },
        );
        request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        request.on('error', (err) => resolve({ kind: 'failed', reason: err.message }));
        request.end(details.body ?? undefined);
      });
    },
  };
}
