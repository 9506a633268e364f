/**
 * Outbound URLs that users give us (push endpoints, and outgoing webhooks later): `https` to
 * public addresses only, so nobody can make the server call its own network (SSRF).
 *
 * Two checks, because a name can resolve to a public address when it is stored and to a private
 * one when it is called (DNS rebinding): `checkOutboundUrl` refuses bad URLs up front, and
 * `guardedLookup`, passed as the `lookup` of every outbound request, refuses private addresses at
 * connect time. `ALLOW_PRIVATE_OUTBOUND_URLS=true` (refused in production by config.ts) opens
 * loopback — and plain `http` to loopback — for local receivers in development and tests.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export interface OutboundPolicy {
  /** Allow loopback addresses (and `http` to them); development and tests only. */
  allowLoopback: boolean;
}

export class OutboundUrlError extends Error {
  override readonly name = 'OutboundUrlError';
}

const blocked = new BlockList();
// IPv4: "this" network, private, carrier-grade NAT, link-local (cloud metadata 169.254.169.254),
// IETF protocol assignments, documentation, benchmarking, multicast, reserved, broadcast.
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
// IPv6: unspecified, unique-local, link-local, site-local, multicast, documentation, NAT64 and
// 6to4/Teredo (they embed IPv4 addresses we would otherwise not see).
for (const [net, prefix] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
  ['2002::', 16],
  ['2001::', 32],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return { address: mapped[1] as string, family: 'ipv4' };
  return { address: lower, family: isIP(lower) === 6 ? 'ipv6' : 'ipv4' };
}

export function isLoopbackAddress(address: string): boolean {
  const a = unmapped(address);
  return loopback.check(a.address, a.family);
}

/** Why `address` may not be called, or null when it may. */
export function refusedAddressReason(address: string, policy: OutboundPolicy): string | null {
  const a = unmapped(address);
  if (loopback.check(a.address, a.family)) {
    return policy.allowLoopback ? null : 'is a loopback address';
  }
  if (blocked.check(a.address, a.family)) return 'is a private, link-local or reserved address';
  return null;
}

/** The URL when it may be stored and called; throws an OutboundUrlError saying why not. */
export function checkOutboundUrl(raw: string, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundUrlError('must be an absolute URL');
  }
  if (url.username || url.password) throw new OutboundUrlError('must not carry a user name or password');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host) !== 0;
  const localName = host === 'localhost' || host.endsWith('.localhost');
  const toLoopback = (literal && isLoopbackAddress(host)) || localName;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowLoopback && toLoopback)) {
    throw new OutboundUrlError('must be an https URL');
  }
  if (literal) {
    const reason = refusedAddressReason(host, policy);
    if (reason) throw new OutboundUrlError(`host ${reason}`);
  } else if (localName && !policy.allowLoopback) {
    throw new OutboundUrlError('host is a loopback address');
  } else if (!host.includes('.') && !localName) {
    throw new OutboundUrlError('host must be a public domain name');
  }
  return url;
}

/**
 * A `lookup` for http(s).request and net.connect that resolves the name and refuses the
 * connection when any address it resolves to may not be called. (IP literals skip `lookup`;
 * `checkOutboundUrl` has judged those.)
 */
export function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const refused = list.map((a) => refusedAddressReason(a.address, policy)).find((r) => r !== null);
      if (refused || list.length === 0) {
        const error = Object.assign(new OutboundUrlError(`${hostname} ${refused ?? 'has no address'}`), {
          code: 'EOUTBOUNDREFUSED',
        });
        return callback(error, '', 0);
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
