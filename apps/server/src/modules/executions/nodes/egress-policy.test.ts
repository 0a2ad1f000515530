import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAddressPolicy, rangeOf } from './egress-policy.ts';

const deny = createAddressPolicy();

describe('egress address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:10.0.0.5', 'private'],
    ['64:ff9b::a00:5', 'private'],
    ['::a00:5', 'ipv4Compatible'],
    ['2002:a00:5::1', '6to4'],
  ])('refuses %s (%s)', (address, range) => {
    expect(rangeOf(address)).toBe(range);
    const v = deny.check(address, 'example.com');
    expect(v.allowed).toBe(false);
    if (!v.allowed) expect(v.reason).toContain(range);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.216.34', '64:ff9b::5db8:d822'])(
    'allows the public address %s',
    (address) => {
      expect(deny.check(address, 'example.com')).toMatchObject({ allowed: true, via: 'public' });
    },
  );

  it('refuses anything that is not an IP address', () => {
    expect(deny.check('example.com', 'example.com').allowed).toBe(false);
    expect(deny.check('', 'x').allowed).toBe(false);
  });

  it('refuses every address of the private, loopback, link-local and CGNAT blocks, and their IPv4-mapped forms', () => {
    // Independent of ipaddr.js's table: the blocks are written out here and sampled at random.
    const blocks: Array<[number, number]> = [
      [0x0a000000, 8], // 10/8
      [0xac100000, 12], // 172.16/12
      [0xc0a80000, 16], // 192.168/16
      [0x7f000000, 8], // 127/8
      [0xa9fe0000, 16], // 169.254/16
      [0x64400000, 10], // 100.64/10
      [0x00000000, 8], // 0/8
    ];
    const toIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    fc.assert(
      fc.property(fc.constantFrom(...blocks), fc.nat(), ([base, bits], r) => {
        const ip = toIp((base | (r & (2 ** (32 - bits) - 1))) >>> 0);
        expect(deny.check(ip, 'h').allowed).toBe(false);
        expect(deny.check(`::ffff:${ip}`, 'h').allowed).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('lets the operator allow-list an IP, a CIDR, a host or a wildcard, and nothing beyond them', () => {
    const p = createAddressPolicy(['127.0.0.1', '10.1.0.0/16', 'fd00::/8', 'Internal.Corp.', '*.svc.local']);
    expect(p.check('127.0.0.1', 'x').allowed).toBe(true);
    expect(p.check('::ffff:127.0.0.1', 'x').allowed).toBe(true);
    expect(p.check('127.0.0.2', 'x').allowed).toBe(false);
    expect(p.check('10.1.2.3', 'x').allowed).toBe(true);
    expect(p.check('10.2.0.1', 'x').allowed).toBe(false);
    expect(p.check('fd12::1', 'x').allowed).toBe(true);
    expect(p.check('fe80::1', 'x').allowed).toBe(false);
    expect(p.check('10.9.9.9', 'internal.corp')).toMatchObject({ allowed: true, via: 'allow-list' });
    expect(p.check('10.9.9.9', 'db.svc.local').allowed).toBe(true);
    expect(p.check('10.9.9.9', 'svc.local').allowed).toBe(false);
    expect(p.check('10.9.9.9', 'evilsvc.local').allowed).toBe(false);
    expect(p.check('169.254.169.254', 'other.corp').allowed).toBe(false);
    // An allow-listed name does not make an IP literal with that spelling special.
    expect(createAddressPolicy(['localhost']).check('127.0.0.1', '127.0.0.1').allowed).toBe(false);
  });

  it('rejects a malformed allow-list entry instead of ignoring it', () => {
    expect(() => createAddressPolicy(['10.0.0.0/33'])).toThrow(/EGRESS_ALLOW/);
    expect(() => createAddressPolicy(['http://example.com'])).toThrow(/EGRESS_ALLOW/);
    expect(() => createAddressPolicy(['', '  '])).not.toThrow();
  });
});
