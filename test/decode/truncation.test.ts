// Robustness: every prefix of a valid frame, and arbitrary bytes, decode or return null without throwing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildFrame, LINKTYPE, type LinkKind, type TcpSpec } from '../../fixtures/gen/packets.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { DecodeStats } from '../../src/decode/types.js';
import { ascii, rawFrame } from './helpers.js';

const KINDS: LinkKind[] = ['ethernet', 'vlan', 'qinq', 'sll', 'sll2', 'null', 'raw', 'raw228', 'raw229', 'fgt-internal'];

const specArb: fc.Arbitrary<TcpSpec> = fc.record({
  v6: fc.boolean(),
  srcPort: fc.integer({ min: 0, max: 65535 }),
  dstPort: fc.integer({ min: 0, max: 65535 }),
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  ack: fc.integer({ min: 0, max: 0xffffffff }),
  flags: fc.constantFrom('S', 'SA', 'A', 'PA', 'FA', 'R'),
  mss: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
  windowScale: fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined }),
  sackPermitted: fc.boolean(),
  timestamps: fc.option(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })), { nil: undefined }),
  ipv6Ext: fc.array(fc.constantFrom(0, 43, 60), { maxLength: 3 }),
  ipv4Options: fc.option(fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => b.map((x) => (x === 0 ? 1 : x))), { nil: undefined }),
  payload: fc.uint8Array({ maxLength: 64 }),
}).map(({ v6, ipv4Options, ...r }) => ({
  ...r,
  src: v6 ? '2001:db8::1' : '10.0.0.1',
  dst: v6 ? '2001:db8::2' : '10.0.0.2',
  ipv4Options: v6 ? undefined : ipv4Options?.slice(0, 40 - ((4 - (ipv4Options.length % 4)) % 4)),
}));

describe('truncated frames', () => {
  it('every prefix of a valid frame of every link type decodes fully, partially, or returns null', () => {
    const spec: TcpSpec = {
      src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1025, dstPort: 25, seq: 5, ack: 6, flags: 'PA',
      mss: 1400, timestamps: [1, 2], payload: ascii('MAIL FROM:<a@b>\r\n'),
    };
    for (const kind of KINDS) {
      for (const s of [spec, { ...spec, src: '2001:db8::1', dst: '2001:db8::2', ipv6Ext: [0, 60] }]) {
        if (kind === 'raw228' && s.src.includes(':')) continue;
        if (kind === 'raw229' && !s.src.includes(':')) continue;
        if (kind === 'fgt-internal' && s.src.includes(':')) continue; // 0x8890 carries IPv4 only
        const full = buildFrame(kind, s);
        const lt = LINKTYPE[kind];
        for (let n = 0; n <= full.length; n++) {
          const stats: DecodeStats = {};
          const pkt = decodeFrame(rawFrame(lt, full.subarray(0, n), { origLen: full.length }), stats);
          if (pkt) {
            // Anything returned must be consistent: the payload never runs past the cut, and what is missing adds up.
            assert.equal(pkt.payload.length + pkt.payloadMissing, 17, `${kind} len ${n}`);
            assert.ok(pkt.payload.byteOffset + pkt.payload.length <= n);
          } else {
            const reasons = Object.keys(stats);
            assert.equal(reasons.length, 1, `${kind} len ${n}`);
            assert.match(reasons[0], /^truncated-/, `${kind} len ${n}: ${reasons[0]}`);
          }
        }
        assert.ok(decodeFrame(rawFrame(lt, full), {}), kind);
      }
    }
  });

  it('property: any prefix of any generated frame never throws and the payload stays within the capture', () => {
    fc.assert(
      fc.property(specArb, fc.constantFrom(...KINDS), fc.nat(), (spec, kind, cutSeed) => {
        if (kind === 'raw228' && spec.src.includes(':')) return;
        if (kind === 'raw229' && !spec.src.includes(':')) return;
        if (kind === 'fgt-internal' && spec.src.includes(':')) return;
        const full = buildFrame(kind, spec);
        const full0 = decodeFrame(rawFrame(LINKTYPE[kind], full), {});
        assert.ok(full0);
        assert.equal(full0.seq, spec.seq);
        assert.equal(full0.srcPort, spec.srcPort);
        assert.equal(full0.payload.length, spec.payload!.length);
        if (spec.mss !== undefined) assert.equal(full0.options.mss, spec.mss);
        const n = cutSeed % (full.length + 1);
        const stats: DecodeStats = {};
        const pkt = decodeFrame(rawFrame(LINKTYPE[kind], full.subarray(0, n), { origLen: full.length }), stats);
        if (pkt) assert.equal(pkt.payload.length + pkt.payloadMissing, spec.payload!.length);
        else assert.equal(Object.keys(stats).length, 1);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: random bytes under every link type never throw', () => {
    const lts = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147];
    fc.assert(
      fc.property(fc.constantFrom(...lts), fc.uint8Array({ maxLength: 200 }), (lt, bytes) => {
        const stats: DecodeStats = {};
        const pkt = decodeFrame(rawFrame(lt, bytes), stats);
        if (pkt) assert.ok(pkt.payload.byteOffset + pkt.payload.length <= bytes.length);
        else assert.equal(Object.values(stats).reduce((a, b) => a + b, 0), 1);
      }),
      { numRuns: 5000 },
    );
  });

  it('property: random bytes after a valid link + IP header prefix never throw', () => {
    const head = buildFrame('ethernet', { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, seq: 0, flags: 'A' }).subarray(0, 14);
    const v6head = buildFrame('ethernet', { src: '::1', dst: '::2', srcPort: 1, dstPort: 2, seq: 0, flags: 'A' }).subarray(0, 14);
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 0, maxLength: 160 }), (isV6, body) => {
        const h = isV6 ? v6head : head;
        const data = new Uint8Array(h.length + body.length);
        data.set(h);
        data.set(body, h.length);
        if (body.length > 0) data[14] = (isV6 ? 0x60 : 0x40) | (body[0] & 0x0f);
        if (body.length > 9 && !isV6) data[14 + 9] = 6;
        if (body.length > 6 && isV6) data[14 + 6] = [0, 43, 44, 51, 60, 135, 6][body[1] % 7];
        decodeFrame(rawFrame(1, data), {});
      }),
      { numRuns: 5000 },
    );
  });
});
