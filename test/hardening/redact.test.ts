// Unit tests of address redaction (src/util/redact.ts) and terminal escaping (src/util/escape.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { escapeTerminal } from '../../src/util/escape.js';
import { AddressRedactor, redactAddresses, redactDocument } from '../../src/util/redact.js';

describe('redactAddresses', () => {
  it('masks e-mail addresses, keeping the first letters and the TLD', () => {
    assert.equal(redactAddresses('MAIL FROM:<john.doe@example.com> SIZE=10'), 'MAIL FROM:<j***@e***.com> SIZE=10');
    assert.equal(redactAddresses('RCPT TO:<Bob+tag@mail.corp.example.co.uk>'), 'RCPT TO:<B***@m***.uk>');
    assert.equal(redactAddresses('postmaster@localhost'), 'p***@l***');
  });

  it('gives IPv4 and IPv6 addresses stable pseudonyms in order of first appearance', () => {
    const s = '10.0.0.1:40000 -> 192.0.2.25:25, again 10.0.0.1, [2001:DB8::25]:25 and 2001:db8::25, ::ffff:10.0.0.1';
    assert.equal(redactAddresses(s), 'host-1:40000 -> host-2:25, again host-1, [host-3]:25 and host-3, host-1');
  });

  it('redacts sniffer address.port forms and leaves times, MACs, versions-not-quads and numbers alone', () => {
    assert.equal(redactAddresses('10.0.0.1.25 -> 10.0.0.2.1025: syn 1'), 'host-1.25 -> host-2.1025: syn 1');
    assert.equal(redactAddresses('2001:db8::1.25 -> 2001:db8::2.1025'), 'host-1.25 -> host-2.1025');
    const keep = '2026-11-27 10:00:00.123456 mac 00:0c:29:44:34:87 ver 1.2.3 seq 4294967295 ratio 1.5 at 12:30';
    assert.equal(redactAddresses(keep), keep);
    assert.equal(redactAddresses('2026-11-27T10:00:00.000000000Z'), '2026-11-27T10:00:00.000000000Z');
  });

  it('no address survives: random addresses embedded in random text', () => {
    const ip4 = fc.tuple(fc.nat({ max: 255 }), fc.nat({ max: 255 }), fc.nat({ max: 255 }), fc.nat({ max: 255 })).map((p) => p.join('.'));
    const ip6 = fc.array(fc.nat({ max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
    const word = fc.stringMatching(/^[a-z ,;()<>[\]=-]{0,12}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(word, fc.oneof(ip4, ip6)), { minLength: 1, maxLength: 6 }), word, (parts, tail) => {
        const text = parts.map(([w, a]) => `${w} ${a}`).join(' ') + ` ${tail}`;
        const out = redactAddresses(text);
        for (const [, a] of parts) assert.ok(!out.includes(a), `${a} survived in ${out}`);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('redactDocument', () => {
  it('walks every string value and key, shares pseudonyms across the document, leaves numbers and the input alone', () => {
    const doc = {
      sessions: [
        { client: { ip: '192.0.2.10', port: 40001 }, server: { ip: '198.51.100.25', port: 25 }, mailFrom: 'alice@example.org', count: 3, ok: true, none: null },
        { client: { ip: '198.51.100.25', port: 1025 }, rcptTo: ['bob@example.net'], text: '250 2.0.0 Ok from 192.0.2.10' },
      ],
      byHost: { '192.0.2.10': 1 },
    };
    const copy = JSON.parse(JSON.stringify(doc));
    const r = redactDocument(doc);
    assert.deepEqual(doc, copy, 'input unchanged');
    assert.deepEqual(r, {
      sessions: [
        { client: { ip: 'host-1', port: 40001 }, server: { ip: 'host-2', port: 25 }, mailFrom: 'a***@e***.org', count: 3, ok: true, none: null },
        { client: { ip: 'host-2', port: 1025 }, rcptTo: ['b***@e***.net'], text: '250 2.0.0 Ok from host-1' },
      ],
      byHost: { 'host-1': 1 },
    });
  });

  it('a shared scope keeps pseudonyms across text and JSON of one report', () => {
    const scope = new AddressRedactor();
    assert.equal(redactAddresses('from 10.1.1.1', scope), 'from host-1');
    assert.deepEqual(redactDocument({ a: '10.1.1.2 10.1.1.1' }, scope), { a: 'host-2 host-1' });
    assert.equal(scope.mapping().get('10.1.1.2'), 'host-2');
  });
});

describe('escapeTerminal', () => {
  it('makes ESC, CSI, OSC 8, C1 and bidi characters visible', () => {
    const s = 'a\x1b[2Jb\x1b]8;;http://evil\x07link\x1b]8;;\x07c\x9b31md\u202Eevil\u2066e\r\nf\x00';
    const out = escapeTerminal(s);
    assert.equal(out, 'a\\x1B[2Jb\\x1B]8;;http://evil\\x07link\\x1B]8;;\\x07c\\x9B31md\\u{202E}evil\\u{2066}e\\x0D\\x0Af\\x00');
  });

  it('keeps printable text, non-Latin scripts and emoji', () => {
    for (const s of ['plain ASCII ~!@#', 'Grüße, 日本語, عربى', 'mail 📧 ok', 'back\\slash']) assert.equal(escapeTerminal(s), s);
  });

  it('property: no raw control, C1, bidi or lone surrogate survives', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 50 }), (a, b) => {
        const out = escapeTerminal(a + b);
        assert.equal(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/.test(out), false);
        assert.equal(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(out), false);
      }),
      { seed: 11, numRuns: 1000 },
    );
  });
});
