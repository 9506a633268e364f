import { describe, expect, it } from 'vitest';
import { checkOutboundUrl, guardedLookup, refusedAddressReason } from './outbound-url.js';

const strict = { allowLoopback: false };
const dev = { allowLoopback: true };

describe('refusedAddressReason', () => {
  it('refuses private, loopback, link-local and reserved addresses; allows public ones', () => {
    for (const a of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '127.0.0.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '::',
    ]) {
      expect(refusedAddressReason(a, strict), a).not.toBeNull();
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])
      expect(refusedAddressReason(a, strict), a).toBeNull();
  });

  it('the development flag opens loopback only', () => {
    expect(refusedAddressReason('127.0.0.1', dev)).toBeNull();
    expect(refusedAddressReason('::1', dev)).toBeNull();
    expect(refusedAddressReason('10.0.0.1', dev)).not.toBeNull();
    expect(refusedAddressReason('169.254.169.254', dev)).not.toBeNull();
  });
});

describe('checkOutboundUrl', () => {
  it('accepts https to public names and refuses the rest', () => {
    expect(checkOutboundUrl('https://fcm.googleapis.com/fcm/send/abc', strict).hostname).toBe('fcm.googleapis.com');
    for (const url of [
      'http://fcm.googleapis.com/x',
      'https://127.0.0.1/x',
      'https://localhost/x',
      'https://[::1]/x',
      'https://user:pw@example.com/',
      'ftp://example.com/',
      'https://intranet/x',
    ]) {
      expect(() => checkOutboundUrl(url, strict), url).toThrow();
    }
  });

  it('with the flag, plain http to loopback is allowed (local receivers), but not to other hosts', () => {
    expect(checkOutboundUrl('http://127.0.0.1:8080/push/a', dev).port).toBe('8080');
    expect(checkOutboundUrl('http://localhost:8080/push/a', dev).hostname).toBe('localhost');
    expect(() => checkOutboundUrl('http://example.com/push', dev)).toThrow();
    expect(() => checkOutboundUrl('https://10.0.0.1/push', dev)).toThrow();
  });
});

describe('guardedLookup', () => {
  it('refuses a name that resolves to loopback at connect time', async () => {
    const lookup = guardedLookup(strict);
    const err = await new Promise<Error | null>((resolve) => lookup('localhost', {}, (e) => resolve(e)));
    expect(err?.message).toMatch(/loopback/);
  });

  it('with the flag, the same name resolves', async () => {
    const lookup = guardedLookup(dev);
    const address = await new Promise<string>((resolve, reject) =>
      lookup('localhost', {}, (e, a) => (e ? reject(e) : resolve(a as string))),
    );
    expect(['127.0.0.1', '::1']).toContain(address);
  });
});
