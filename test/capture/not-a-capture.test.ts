// Files that are not captures: one-line InputErrors saying what the file looks like; sniffFormat by content.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writePcap } from '../../fixtures/gen/writers.js';
import { readCapture, sniffFormat } from '../../src/capture/read.js';
import { InputError } from '../../src/capture/types.js';
import { readAll, tmpFile } from './helpers.js';
import { testTempDir } from '../tmp.js';

async function inputError(content: Uint8Array | string, re: RegExp): Promise<void> {
  await assert.rejects(readAll(content), (e: unknown) => {
    assert.ok(e instanceof InputError, `not an InputError: ${String(e)}`);
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
}

describe('not a capture', () => {
  it('empty file', () => inputError(new Uint8Array(0), /: empty file$/));
  it('e-mail message', () =>
    inputError('Return-Path: <a@b.example>\r\nReceived: from x\r\nSubject: hello\r\n\r\nbody\r\n', /not FortiGate sniffer output \(looks like an e-mail message \(\.eml\)\)/));
  it('zip archive', () => inputError(Buffer.from('PK\x03\x04\x14\x00\x00\x00rest of a zip', 'latin1'), /not a packet capture: looks like a zip archive/));
  it('plain text', () => inputError('hello\nthis is a note about the mail server\n', /text file but not FortiGate sniffer output$/));
  it('unknown binary', () => inputError(Buffer.from([0, 1, 2, 3, 4, 5, 0xff, 0xfe, 0, 0, 9, 9]), /binary data of an unknown format/));
  it('gzip of something else', () => inputError(gzipSync(Buffer.from('PK\x03\x04zzzz', 'latin1')), /not a packet capture \(after gzip decompression\): looks like a zip archive/));
  it('gzip of nothing', () => inputError(gzipSync(Buffer.alloc(0)), /empty file \(after gzip decompression\)/));
  it('snoop capture', () => inputError(Buffer.from('snoop\0\0\0\0\0\0\x02\0\0\0\x04', 'latin1'), /snoop/));
  it('missing file and directory', async () => {
    await assert.rejects(readCapture('/nonexistent/x.pcap', () => {}), (e: unknown) => e instanceof InputError && /no such file/.test(e.message));
    const d = testTempDir('sd-dir-');
    await assert.rejects(readCapture(d, () => {}), (e: unknown) => e instanceof InputError && /is a directory/.test(e.message));
  });
  it('does not trust the file name', async () => {
    const p = tmpFile(writePcap([], { linkType: 1 }), 'capture.txt');
    const s = await readCapture(p, () => {});
    assert.equal(s.format, 'pcap');
  });
});

describe('sniffFormat', () => {
  it('recognises formats from content', () => {
    assert.equal(sniffFormat(writePcap([], { linkType: 1 })).kind, 'pcap');
    assert.equal(sniffFormat(writePcap([], { linkType: 1, byteOrder: 'big', nsec: true })).kind, 'pcap');
    assert.equal(sniffFormat(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0])).kind, 'pcapng');
    assert.equal(sniffFormat(gzipSync(Buffer.from('x'))).kind, 'gzip');
    assert.equal(sniffFormat(Buffer.from('interfaces=[any]\nfilters=[]\n0.1 x\n')).kind, 'sniffer-text');
    assert.equal(sniffFormat(Buffer.from('2024-01-02 03:04:05.123456 port1 in arp who-has 1.2.3.4\n')).kind, 'sniffer-text');
    assert.deepEqual(sniffFormat(new Uint8Array(0)), { kind: 'unknown', looksLike: 'an empty file' });
    assert.deepEqual(sniffFormat(Buffer.from('From: a@b\r\nTo: c@d\r\n\r\n')), { kind: 'unknown', looksLike: 'an e-mail message (.eml)' });
    assert.deepEqual(sniffFormat(Buffer.from('%PDF-1.7')), { kind: 'unknown', looksLike: 'a PDF document' });
  });
});
