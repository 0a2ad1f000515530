/**
 * Which addresses outbound HTTP may connect to. Deny by default: only globally routable unicast addresses pass,
 * unless the operator's allow-list (`EGRESS_ALLOW`: host names, `*.suffix` wildcards, IPs or CIDRs) names the
 * host or the address. The verdict is taken on the address a connection is about to be opened to (after DNS), so
 * a public name that resolves to 10.0.0.5 or 169.254.169.254 is refused like the literal would be.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export type EgressVerdict =
  | { readonly allowed: true; readonly address: string; readonly via: 'public' | 'allow-list' }
  | { readonly allowed: false; readonly address: string; readonly reason: string };

export interface AddressPolicy {
  /** The verdict for connecting to `address` (an IP literal) on behalf of a URL whose host is `hostname`. */
  check(address: string, hostname: string): EgressVerdict;
  /** Whether the host name itself is allow-listed (then every address it resolves to is allowed). */
  hostAllowed(hostname: string): boolean;
}

/** Host names compare in lower case without a trailing dot or IPv6 brackets. */
export function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/**
 * The special-purpose range an address falls in, or 'unicast' when it is an ordinary public address. IPv6 forms that
 * carry an IPv4 address (mapped, NAT64) are judged by the IPv4 address they lead to.
 */
export function rangeOf(address: string): string {
  let ip: Address;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return 'invalid';
  }
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return rangeOf(v6.toIPv4Address().toString());
    const range = v6.range();
    // NAT64 (64:ff9b::/96) is how IPv6-only networks reach public IPv4 hosts: judge the embedded address.
    if (range === 'rfc6052' && v6.parts[0] === 0x64 && v6.parts[1] === 0xff9b && v6.parts[2] === 0) {
      const p = v6.parts;
      return rangeOf(`${p[6]! >> 8}.${p[6]! & 0xff}.${p[7]! >> 8}.${p[7]! & 0xff}`);
    }
    // ::a.b.c.d (IPv4-compatible, deprecated) is not in ipaddr's table; some stacks still route it to IPv4.
    if (range === 'unicast' && v6.parts.slice(0, 6).every((p) => p === 0)) return 'ipv4Compatible';
    return range;
  }
  return (ip as ipaddr.IPv4).range();
}

interface Cidr {
  readonly net: Address;
  readonly bits: number;
}

function parseEntry(entry: string): { cidr: Cidr } | { host: string } | { suffix: string } {
  const e = entry.trim();
  if (e.includes('/')) {
    // A typo in the operator's allow-list should stop start-up, not be ignored.
    if (!ipaddr.isValidCIDR(e)) throw new Error(`EGRESS_ALLOW: not a host, IP or CIDR: ${entry}`);
    const [net, bits] = ipaddr.parseCIDR(e);
    return { cidr: { net, bits } };
  }
  const host = normaliseHost(e);
  if (isIP(host)) {
    const net = ipaddr.parse(host);
    return { cidr: { net, bits: net.kind() === 'ipv4' ? 32 : 128 } };
  }
  if (host.startsWith('*.')) return { suffix: host.slice(1) };
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host)) throw new Error(`EGRESS_ALLOW: not a host, IP or CIDR: ${entry}`);
  return { host };
}

function inCidr(ip: Address, c: Cidr): boolean {
  if (ip.kind() === c.net.kind()) return (ip as ipaddr.IPv4).match(c.net as ipaddr.IPv4, c.bits);
  // An IPv4 range also covers the IPv4-mapped IPv6 form of its addresses.
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() && c.net.kind() === 'ipv4') {
    return (ip as ipaddr.IPv6).toIPv4Address().match(c.net as ipaddr.IPv4, c.bits);
  }
  return false;
}

/** Builds the policy from the operator's allow-list (config.egressAllow). Throws on a malformed entry. */
export function createAddressPolicy(allow: readonly string[] = []): AddressPolicy {
  const cidrs: Cidr[] = [];
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of allow) {
    if (entry.trim() === '') continue;
    const parsed = parseEntry(entry);
    if ('cidr' in parsed) cidrs.push(parsed.cidr);
    else if ('host' in parsed) hosts.add(parsed.host);
    else suffixes.push(parsed.suffix);
  }

  const hostAllowed = (hostname: string): boolean => {
    const h = normaliseHost(hostname);
    if (isIP(h)) return false;
    return hosts.has(h) || suffixes.some((s) => h.endsWith(s));
  };

  return {
    hostAllowed,
    check(address, hostname) {
      let ip: Address;
      try {
        ip = ipaddr.parse(address);
      } catch {
        return { allowed: false, address, reason: 'not an IP address' };
      }
      if (hostAllowed(hostname) || cidrs.some((c) => inCidr(ip, c))) return { allowed: true, address, via: 'allow-list' };
      const range = rangeOf(address);
      if (range === 'unicast') return { allowed: true, address, via: 'public' };
      return { allowed: false, address, reason: `${range} address` };
    },
  };
}
