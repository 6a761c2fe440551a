// IPv4 and IPv6 text forms (RFC 5952), checked on fixed cases and against the WHATWG URL serialiser.

import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import fc from 'fast-check';
import { ipv6Bytes } from '../../fixtures/gen/packets.js';
import { ipv4Text, ipv4ToString, ipv6Text, ipv6ToString } from '../../src/decode/address.js';

const v6 = (s: string): string => ipv6ToString(new Uint8Array(ipv6Bytes(s)), 0);

describe('ipv4ToString', () => {
  it('prints dotted quads from any offset', () => {
    assert.equal(ipv4ToString(new Uint8Array([9, 0, 255, 10, 1]), 1), '0.255.10.1');
    assert.equal(ipv4ToString(new Uint8Array([255, 255, 255, 255]), 0), '255.255.255.255');
  });
});

describe('ipv6ToString (RFC 5952)', () => {
  const cases: Array<[string, string]> = [
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // longest run wins
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['fe80:0:0:0:0200:5eff:fe00:5301', 'fe80::200:5eff:fe00:5301'],
    ['0:0:0:0:0:ffff:c000:0201', '::ffff:192.0.2.1'], // IPv4-mapped
    ['0:0:0:0:0:0:c000:0201', '::c000:201'], // IPv4-compatible is not special
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
  ];
  for (const [input, want] of cases) {
    it(`${input} -> ${want}`, () => assert.equal(v6(input), want));
  }

  it('agrees with the URL serialiser on random addresses (outside ::ffff:0:0/96)', () => {
    // Zero-heavy groups make runs and ties common.
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const bytes = new Uint8Array(16);
        groups.forEach((g, i) => {
          bytes[2 * i] = g >> 8;
          bytes[2 * i + 1] = g & 255;
        });
        const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
        const ours = ipv6ToString(bytes, 0);
        if (mapped) return ours.startsWith('::ffff:') && ours.split('.').length === 4;
        const ref = new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);
        return ours === ref;
      }),
      { numRuns: 3000 },
    );
  });
});

test('ipv4Text and ipv6Text give the same text as the uncached functions, across cache collisions', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 1, maxLength: 3000 }), (addrs) => {
      // Replay the list twice so that later lookups hit (or collide in) the tables filled by earlier ones.
      for (const a of [...addrs, ...addrs]) {
        assert.equal(ipv4Text(a, 0), ipv4ToString(a, 0));
        assert.equal(ipv4Text(a, 12), ipv4ToString(a, 12));
        assert.equal(ipv6Text(a, 0), ipv6ToString(a, 0));
      }
    }),
    { seed: 424242, numRuns: 40 },
  );
});
