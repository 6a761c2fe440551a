// Message facts from postal-mime: attachments with hashes, EICAR (raw and decoded), AV headers, excerpt, failures.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { EICAR, excerpt, parseMessage, skim } from '../../src/smtp/mime.js';
import { names, opening, playOne, stuff } from './helper.js';

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

function multipart(attachment: Buffer, name: string, extraHeaders = ''): string {
  const b64 = attachment.toString('base64').replace(/.{1,76}/g, '$&\r\n');
  return (
    'From: "Alice" <alice@example.com>\r\n' +
    'To: bob@example.org, "Carol" <carol@example.org>\r\n' +
    'Subject: =?UTF-8?B?SW52b2ljZSDinJM=?=\r\n' +
    'Message-ID: <att-1@example.com>\r\n' +
    'Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n' +
    extraHeaders +
    'MIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed; boundary="XYZ"\r\n' +
    '\r\n' +
    '--XYZ\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    '\r\n' +
    'Please find the invoice attached.\r\n' +
    '--XYZ\r\n' +
    `Content-Type: application/octet-stream; name="${name}"\r\n` +
    `Content-Disposition: attachment; filename="${name}"\r\n` +
    'Content-Transfer-Encoding: base64\r\n' +
    '\r\n' +
    b64 +
    '--XYZ--\r\n'
  );
}

describe('message facts', () => {
  it('lists attachments with decoded size and sha256, and finds EICAR in a base64 part', async () => {
    const att = Buffer.from(EICAR, 'latin1');
    const raw = Buffer.from(multipart(att, 'eicar.com', 'X-Virus-Scanned: amavisd-new at example.org\r\nX-Amavis-Alert: INFECTED, message contains virus: Eicar-Signature\r\nX-Other: no\r\n'));
    assert.ok(!raw.includes(EICAR), 'not raw in the message');
    const { info, error } = await parseMessage(raw, false);
    assert.equal(error, undefined);
    assert.equal(info.subject, 'Invoice ✓');
    assert.equal(info.messageId, '<att-1@example.com>');
    assert.equal(info.from, 'alice@example.com');
    assert.deepEqual(info.to, ['bob@example.org', 'carol@example.org']);
    assert.equal(info.date, '2026-11-27T10:00:00.000Z');
    assert.deepEqual(info.attachments, [{ name: 'eicar.com', type: 'application/octet-stream', size: att.length, sha256: sha(att), truncated: false }]);
    assert.equal(info.eicar, true);
    assert.deepEqual(info.avHeaders, [
      'X-Virus-Scanned: amavisd-new at example.org',
      'X-Amavis-Alert: INFECTED, message contains virus: Eicar-Signature',
    ]);
    assert.equal(info.textExcerpt, 'Please find the invoice attached.\n');
    assert.equal(info.retainedBytes, raw.length);
  });

  it('finds raw EICAR and reports no EICAR in a clean message', async () => {
    const raw1 = Buffer.from(`Subject: t\r\n\r\n${EICAR}\r\n`, 'latin1');
    assert.equal((await parseMessage(raw1, false)).info.eicar, true);
    const raw2 = Buffer.from(multipart(Buffer.from('clean content'), 'a.txt'));
    assert.equal((await parseMessage(raw2, false)).info.eicar, false);
  });

  it('parses a message cut inside its attachment and marks the last attachment truncated', async () => {
    const att = Buffer.alloc(20_000, 7);
    const full = Buffer.from(multipart(att, 'big.bin'));
    const cut = full.subarray(0, full.length - 9000);
    const { info, error } = await parseMessage(cut, true);
    assert.equal(error, undefined);
    assert.equal(info.attachments.length, 1);
    assert.equal(info.attachments[0].truncated, true);
    assert.ok(info.attachments[0].size < att.length && info.attachments[0].size > 10_000);
    assert.equal(info.truncated, true);
  });

  it('strips NULs from the excerpt and cuts it on a UTF-8 boundary at 2 KiB', () => {
    assert.equal(excerpt('a\0b'), 'ab');
    const e = excerpt('é'.repeat(3000));
    assert.ok(Buffer.byteLength(e) <= 2048 && Buffer.byteLength(e) >= 2046);
    assert.ok(!e.includes('\uFFFD'));
  });

  it('turns a parser failure into an event, not an exception', async () => {
    const huge = 'X-Long: ' + 'a'.repeat(300 * 1024) + '\r\n';
    const msg = `Subject: s\r\n${huge}\r\nbody\r\n`;
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c(stuff(msg));
      d.s('250 ok\r\n');
      d.close();
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'accepted');
    assert.ok(names(s).includes('mime-parse-error'));
    assert.ok(t.message);
    assert.equal(t.message.subject, undefined);
    assert.equal(t.bodySha256, sha(Buffer.from(msg, 'latin1')));
  });

  it('reports EICAR and attachments through the parser, and restores the global Blob', async () => {
    const blob = globalThis.Blob;
    const msg = multipart(Buffer.from(EICAR, 'latin1'), 'test.com');
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c(stuff(msg), { split: [500, 600] });
      d.s('554 5.7.1 Infected: Eicar-Test-Signature\r\n');
      d.close();
    });
    assert.equal(globalThis.Blob, blob);
    const m = s.transactions[0].message;
    assert.equal(m?.eicar, true);
    assert.equal(m?.attachments[0].name, 'test.com');
    assert.equal(s.transactions[0].outcome, 'rejected');
  });
});

describe('large base64 parts decoded natively (skim)', () => {
  const big = Buffer.alloc(50_000);
  for (let k = 0; k < big.length; k++) big[k] = (k * 7919) & 0xff;
  const withEicar = Buffer.concat([Buffer.alloc(10_000, 1), Buffer.from(EICAR, 'latin1'), Buffer.alloc(10_000, 2)]);
  const b64 = (b: Buffer): string => b.toString('base64').replace(/.{1,76}/g, '$&\r\n');
  const nested =
    'From: a@example.com\r\nTo: b@example.org\r\nSubject: nested\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed;\r\n boundary="outer=_b"\r\n\r\n' +
    'This is a preamble.\r\n' +
    '--outer=_b\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n' +
    '--inner\r\nContent-Type: text/plain\r\n\r\nplain text\r\n' +
    '--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n' +
    '--inner--\r\n' +
    '--outer=_b\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Disposition: attachment; filename="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
    b64(big) +
    '--outer=_b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment;\r\n filename*=UTF-8\'\'r%C3%A9sum%C3%A9.zip\r\nContent-Transfer-Encoding: BASE64\r\n\r\n' +
    b64(withEicar) +
    '--outer=_b--\r\nepilogue\r\n';

  it('gives the same facts as postal-mime alone', async () => {
    const raw = Buffer.from(nested, 'latin1');
    const sk = skim(raw);
    assert.ok(sk && sk.facts.length === 2 && sk.reduced.length < 2000);
    const { info, error } = await parseMessage(raw, false);
    assert.equal(error, undefined);
    const ref = await PostalMime.parse(raw);
    assert.equal(info.subject, 'nested');
    assert.equal(info.textExcerpt, ref.text);
    assert.deepEqual(
      info.attachments,
      ref.attachments.map((a) => ({
        name: a.filename ?? undefined,
        type: a.mimeType,
        size: (a.content as ArrayBuffer).byteLength,
        sha256: sha(new Uint8Array(a.content as ArrayBuffer)),
        truncated: false,
      })),
    );
    assert.deepEqual(info.attachments.map((a) => a.name), ['a.pdf', 'résumé.zip']);
    assert.equal(info.attachments[0].sha256, sha(big));
    assert.equal(info.eicar, true, 'EICAR inside a natively decoded part');
  });

  it('handles a truncated message and a single-part base64 message', async () => {
    const raw = Buffer.from(nested, 'latin1');
    const cut = raw.subarray(0, raw.indexOf('--outer=_b\r\nContent-Type: application/zip') + 3000);
    const { info } = await parseMessage(cut, true);
    assert.equal(info.attachments.length, 2);
    assert.equal(info.attachments[0].sha256, sha(big));
    assert.equal(info.attachments[1].truncated, true);
    const single = Buffer.from('Subject: one\r\nContent-Type: application/octet-stream; name=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n' + b64(big));
    const r = await parseMessage(single, false);
    assert.equal(r.info.attachments.length, 1);
    assert.equal(r.info.attachments[0].size, big.length);
    assert.equal(r.info.attachments[0].sha256, sha(big));
  });
});

describe('pathological MIME', () => {
  it('stays linear with many header-less parts and deep nesting', async () => {
    let m = 'Subject: many\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n';
    for (let k = 0; k < 5000; k++) m += '--b\r\nContent-Type: application/octet-stream; no blank line ' + 'x'.repeat(100) + '\r\n';
    let deep = 'Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n';
    for (let k = 1; k < 100; k++) deep += `--b${k - 1}\r\nContent-Type: multipart/mixed; boundary=b${k}\r\n\r\n`;
    const t0 = Date.now();
    skim(Buffer.from(m));
    skim(Buffer.from(deep));
    const r1 = await parseMessage(Buffer.from(m), true);
    const r2 = await parseMessage(Buffer.from(deep), true);
    assert.ok(Date.now() - t0 < 10_000, `${Date.now() - t0} ms`);
    assert.ok(r1.info.subject === 'many' || r1.error !== undefined);
    assert.ok(r2.info.subject === 'deep' || r2.error !== undefined);
  });
});
