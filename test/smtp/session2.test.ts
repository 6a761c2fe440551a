// SMTP session parser: BDAT, STARTTLS, AUTH redaction, RSET and several transactions, aborts, gaps, one-sided captures.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { GREETING, codes, connInfo, message, names, opening, play, playOne, stuff, verbs } from './helper.js';

const sha = (s: string | Uint8Array): string => createHash('sha256').update(typeof s === 'string' ? Buffer.from(s, 'latin1') : s).digest('hex');

describe('smtp session: BDAT (RFC 3030)', () => {
  it('concatenates chunks, pairs per-chunk replies and ends at LAST', async () => {
    const msg = message('chunked', 'line .one\r\n.two\r\nthree\r\n');
    const a = msg.slice(0, 50);
    const b = msg.slice(50, 120);
    const c = msg.slice(120);
    const s = await playOne((d) => {
      opening(d);
      // Pipelined: every chunk follows its command without waiting.
      d.c(`BDAT ${a.length}\r\n${a}BDAT ${b.length}\r\n${b}`, { split: [20, 70] });
      d.c(`BDAT ${c.length} LAST\r\n${c}QUIT\r\n`);
      d.s('250 2.0.0 50 octets received\r\n250 2.0.0 70 octets received\r\n250 2.0.0 Message accepted\r\n221 bye\r\n');
      d.close();
    });
    assert.deepEqual(verbs(s), ['EHLO', 'MAIL', 'RCPT', 'BDAT', 'BDAT', 'BDAT', 'QUIT']);
    assert.equal(s.commands[5].args, `${c.length} LAST`);
    const pairs = s.replies.map((r) => (r.commandIndex === undefined ? '-' : s.commands[r.commandIndex].verb));
    assert.deepEqual(pairs, ['-', 'EHLO', 'MAIL', 'RCPT', 'BDAT', 'BDAT', 'BDAT', 'QUIT']);
    const t = s.transactions[0];
    assert.equal(t.method, 'BDAT');
    assert.equal(t.outcome, 'accepted');
    assert.equal(t.body.bytes, msg.length);
    assert.equal(t.body.wireBytes, msg.length);
    assert.equal(t.bodySha256, sha(msg), 'no dot-unstuffing in BDAT');
    assert.equal(t.message?.subject, 'chunked');
    assert.ok(t.body.endOfData);
    assert.deepEqual(names(s), []);
  });

  it('handles BDAT 0 LAST and a rejected chunk', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('BDAT 5\r\nabcdeBDAT 0 LAST\r\n');
      d.s('250 ok\r\n554 5.7.1 rejected\r\n');
      d.close();
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'rejected');
    assert.equal(t.rejectedAt, 'end-of-data');
    assert.equal(t.finalReply?.code, 554);
    assert.equal(t.bodySha256, sha('abcde'));
  });

  it('reports an invalid BDAT and reads on as commands (zeek smtp-bdat-cmd-invalid)', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('BDAT\r\n');
      d.s('521 5.5.4 Syntax: BDAT count [LAST]\r\n');
      d.c('BDAT 12x\r\nQUIT\r\n');
      d.s('501 bad\r\n221 bye\r\n');
      d.close();
    });
    assert.deepEqual(verbs(s), ['EHLO', 'MAIL', 'RCPT', 'BDAT', 'BDAT', 'QUIT']);
    assert.equal(names(s).filter((n) => n === 'invalid-bdat').length, 2);
    assert.deepEqual(codes(s).slice(-3), [521, 501, 221]);
    assert.equal(s.replies[4].commandIndex, 3);
  });

  it('does not allocate for a huge BDAT size', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('BDAT 9223372036854775808 LAST\r\n');
      d.c('x'.repeat(1000));
      d.s('552 5.3.4 Message size exceeds fixed limit\r\n');
      d.end('s2c', 'fin');
      d.close();
    });
    assert.ok(names(s).includes('bdat-too-long'));
    const t = s.transactions[0];
    assert.equal(t.body.wireBytes, 1000);
    assert.equal(t.outcome, 'rejected');
    assert.equal(t.rejectedAt, 'end-of-data');
  });

  it('a BDAT transaction cut short by RST is aborted with the bytes sent', async () => {
    let rst = 0;
    const s = await playOne((d) => {
      opening(d);
      d.c('BDAT 1000 LAST\r\n');
      d.c('y'.repeat(300));
      rst = d.end('c2s', 'rst');
      d.close('rst');
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'aborted');
    assert.deepEqual(t.abort && { by: t.abort.by, how: t.abort.how, frame: t.abort.ref.frame, sent: t.abort.bodyBytesSent }, {
      by: 'client', how: 'rst', frame: rst, sent: 300,
    });
    assert.equal(t.bodySha256, sha('y'.repeat(300)));
  });
});

describe('smtp session: STARTTLS and implicit TLS', () => {
  it('stops parsing after the 220 to STARTTLS', async () => {
    let f220 = 0;
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('EHLO c\r\n');
      d.s('250-x\r\n250 STARTTLS\r\n');
      d.c('STARTTLS\r\n');
      f220 = d.s('220 2.0.0 Ready to start TLS\r\n\x16\x03\x03\x00\x10binaryhello');
      d.c('\x16\x03\x01\x00\x05hello' + 'MAIL FROM:<x@y>\r\n');
      d.s('\x17\x03\x03garbage\r\n250 fake\r\n');
      d.close();
    });
    assert.deepEqual(verbs(s), ['EHLO', 'STARTTLS']);
    assert.deepEqual(codes(s), [220, 250, 220]);
    assert.equal(s.tls?.ref.frame, f220);
    assert.deepEqual(names(s), ['starttls']);
    assert.equal(s.transactions.length, 0);
  });

  it('reads on as commands when STARTTLS is refused', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('STARTTLS\r\n');
      d.c('QUIT\r\n');
      d.s('454 4.7.0 TLS not available\r\n221 bye\r\n');
      d.close();
    });
    assert.equal(s.tls, undefined);
    assert.deepEqual(verbs(s), ['STARTTLS', 'QUIT']);
    assert.equal(s.replies[2].commandIndex, 1);
  });

  it('marks implicit TLS (a ClientHello after the 220)', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]));
      d.close();
    });
    assert.ok(s.tls);
    assert.deepEqual(names(s), ['tls']);
    assert.equal(s.commands.length, 0);
  });
});

describe('smtp session: AUTH never keeps credentials', () => {
  const secrets = ['dGVzdAB0ZXN0AHNlY3JldHB3', 'c2VjcmV0dXNlcg==', 'c2VjcmV0cGFzcw==', 'Y3JhbSBzZWNyZXRkaWdlc3Q=', 'dXNlcj1zb21ldXNlcgFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDQAAQE='];
  const check = (s: unknown, label: string): void => {
    const json = JSON.stringify(s);
    for (const x of secrets) assert.ok(!json.includes(x), `${label}: secret ${x} leaked`);
  };

  it('PLAIN with an initial response', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c(`AUTH PLAIN ${secrets[0]}\r\n`);
      d.s('235 2.7.0 Authentication successful\r\n');
      d.c('MAIL FROM:<a@b>\r\n');
      d.s('250 ok\r\n');
      d.close();
    });
    check(s, 'PLAIN-IR');
    assert.equal(s.commands[0].args, 'PLAIN [redacted]');
    assert.deepEqual(s.auth, { mechanism: 'PLAIN', outcome: 'success' });
    assert.deepEqual(verbs(s), ['AUTH', 'MAIL']);
  });

  it('PLAIN and LOGIN through 334 continuations', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('AUTH PLAIN\r\n');
      d.s('334 \r\n');
      d.c(`${secrets[0]}\r\n`);
      d.s('535 5.7.8 Error: authentication failed\r\n');
      d.c('AUTH LOGIN\r\n');
      d.s('334 VXNlcm5hbWU6\r\n');
      d.c(`${secrets[1]}\r\n`);
      d.s('334 UGFzc3dvcmQ6\r\n');
      d.c(`${secrets[2]}\r\n`);
      d.s('235 2.7.0 ok\r\n');
      d.c('QUIT\r\n');
      d.s('221 bye\r\n');
      d.close();
    });
    check(s, 'PLAIN/LOGIN');
    assert.deepEqual(verbs(s), ['AUTH', 'AUTH-RESPONSE', 'AUTH', 'AUTH-RESPONSE', 'AUTH-RESPONSE', 'QUIT']);
    assert.ok(s.commands.filter((c) => c.verb === 'AUTH-RESPONSE').every((c) => c.args === '[redacted]'));
    assert.deepEqual(s.auth, { mechanism: 'LOGIN', outcome: 'success' });
    assert.equal(s.replies[s.replies.length - 1].commandIndex, 5);
  });

  it('CRAM-MD5 and XOAUTH2 (with its error challenge)', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('AUTH CRAM-MD5\r\n');
      d.s('334 PDQxOTI5NDIzNDEuMTI4Mjg0NzJAc291cmNlZm91ci5hbmRyZXcuY211LmVkdT4=\r\n');
      d.c(`${secrets[3]}\r\n`);
      d.s('535 no\r\n');
      d.c(`AUTH XOAUTH2 ${secrets[4]}\r\n`);
      d.s('334 eyJzdGF0dXMiOiI0MDEifQ==\r\n');
      d.c('\r\n');
      d.s('535 5.7.8 no\r\n');
      d.close();
    });
    check(s, 'CRAM/XOAUTH2');
    assert.deepEqual(verbs(s), ['AUTH', 'AUTH-RESPONSE', 'AUTH', 'AUTH-RESPONSE']);
    assert.deepEqual(s.auth, { mechanism: 'XOAUTH2', outcome: 'failure' });
  });

  it('a lone base64 token read as a command is redacted everywhere', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('c2VjcmV0dXNlcg==\r\nSecretPass123\r\n');
      d.s('502 unknown\r\n502 unknown\r\n');
      d.close();
    });
    const json = JSON.stringify(s);
    assert.ok(!json.includes('c2VjcmV0dXNlcg') && !/secretpass123/i.test(json), json);
    assert.deepEqual(verbs(s), ['UNKNOWN', 'UNKNOWN']);
  });

  it('LOGIN in a client-only capture (no 334 seen)', async () => {
    const s = await playOne((d) => {
      d.c('EHLO x\r\n');
      d.c('AUTH LOGIN\r\n');
      d.c(`${secrets[1]}\r\n`);
      d.c(`${secrets[2]}\r\n`);
      d.c('MAIL FROM:<a@b>\r\n');
      d.close();
    });
    check(s, 'LOGIN one-sided');
    assert.deepEqual(verbs(s), ['EHLO', 'AUTH', 'AUTH-RESPONSE', 'AUTH-RESPONSE', 'MAIL']);
  });

  it('overlong credential lines leak nothing either', async () => {
    const big = secrets[1].repeat(200);
    const s = await playOne(
      (d) => {
        d.s(GREETING);
        d.c(`AUTH PLAIN ${big}\r\n`);
        d.s('501 too long\r\n');
        d.close();
      },
      { limits: { maxLineBytes: 512 } },
    );
    check(s, 'long');
    assert.ok(names(s).includes('line-too-long'));
  });
});

describe('smtp session: several transactions, RSET', () => {
  it('closes a transaction on RSET (reset) and on a new MAIL', async () => {
    const m2 = message('second');
    const s = await playOne((d) => {
      opening(d);
      d.c('RSET\r\n');
      d.s('250 ok\r\n');
      d.c('MAIL FROM:<x@y>\r\nRCPT TO:<z@w>\r\n');
      d.s('250 ok\r\n550 no such user\r\n');
      d.c('MAIL FROM:<p@q>\r\nRCPT TO:<r@s>\r\nDATA\r\n');
      d.s('250 ok\r\n250 ok\r\n354 go\r\n');
      d.c(stuff(m2));
      d.s('250 queued\r\n');
      d.c('MAIL FROM:<bad@q>\r\n');
      d.s('553 5.7.1 sender rejected\r\n');
      d.c('QUIT\r\n');
      d.s('221 bye\r\n');
      d.close();
    });
    assert.deepEqual(
      s.transactions.map((t) => [t.index, t.mailFrom, t.outcome, t.rejectedAt]),
      [
        [0, 'alice@example.com', 'reset', undefined],
        [1, 'x@y', 'rejected', 'RCPT'],
        [2, 'p@q', 'accepted', undefined],
        [3, 'bad@q', 'rejected', 'MAIL'],
      ],
    );
    assert.equal(s.transactions[1].finalReply?.code, 550);
    assert.equal(s.transactions[2].bodySha256, sha(m2));
    assert.equal(s.transactions[2].message?.subject, 'second');
  });
});

describe('smtp session: aborts and capture end', () => {
  const partial = message('cut', 'x'.repeat(500) + '\r\n' + 'y'.repeat(500) + '\r\n');
  const head = partial.slice(0, 400);

  it('RST by the client mid-body: aborted, by client, with the bytes sent', async () => {
    let rst = 0;
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c(head, { split: [100, 200] });
      rst = d.end('c2s', 'rst');
      d.close('rst');
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'aborted');
    assert.equal(t.abort?.by, 'client');
    assert.equal(t.abort?.how, 'rst');
    assert.equal(t.abort?.ref.frame, rst);
    assert.equal(t.abort?.bodyBytesSent, 400);
    assert.equal(t.body.endOfData, undefined);
    assert.equal(t.bodySha256, sha(head));
    assert.equal(t.message?.truncated, true);
    assert.equal(s.tcp.closedBy, 'client');
    assert.ok(names(s).includes('tcp-rst'));
  });

  it('FIN by the client mid-body, then a late server reply, stays aborted by FIN', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c(head);
      d.end('c2s', 'fin');
      d.s('554 5.7.0 Virus found\r\n');
      d.end('s2c', 'fin');
      d.close('fin');
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'aborted');
    assert.deepEqual([t.abort?.by, t.abort?.how, t.abort?.bodyBytesSent], ['client', 'fin', 400]);
    assert.ok(names(s).includes('reply-during-data'));
    assert.equal(s.replies[s.replies.length - 1].code, 554);
  });

  it('421 from the server mid-body: aborted by reply', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c(head);
      d.s('421 4.4.2 mx.example.org Error: timeout exceeded\r\n');
      d.end('s2c', 'fin');
      d.close('fin');
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'aborted');
    assert.equal(t.abort?.by, 'server');
    assert.equal(t.abort?.how, 'reply');
    assert.deepEqual(t.abort?.reply, { code: 421, text: '4.4.2 mx.example.org Error: timeout exceeded' });
    assert.equal(t.abort?.bodyBytesSent, 400);
  });

  it('a rejection after end-of-data is rejected, not aborted', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c(stuff(partial));
      d.s('554 5.7.1 Infected by EICAR_Test\r\n');
      d.close('fin');
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'rejected');
    assert.equal(t.rejectedAt, 'end-of-data');
    assert.equal(t.finalReply?.enhanced, '5.7.1');
  });

  it('capture end mid-body is incomplete; end-of-data without a reply is incomplete', async () => {
    const s1 = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c(head);
      d.close('capture-end');
    });
    assert.equal(s1.transactions[0].outcome, 'incomplete');
    assert.equal(s1.transactions[0].abort, undefined);
    const s2 = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c(stuff(partial));
      d.close('capture-end');
    });
    assert.equal(s2.transactions[0].outcome, 'incomplete');
    assert.equal(s2.transactions[0].bodySha256, sha(partial));
    assert.ok(s2.transactions[0].body.endOfData);
  });
});

describe('smtp session: gaps', () => {
  it('a gap inside DATA cuts the message (aborted, how gap) and counts the missing bytes', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c('Subject: g\r\n\r\nfirst part\r\n');
      d.gap('c2s', 1000);
      d.c('tail of a line\r\nmore\r\n');
      d.close('capture-end');
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'aborted');
    assert.equal(t.abort?.how, 'gap');
    assert.equal(t.body.gapBytes, 1000);
    assert.equal(t.bodySha256, sha('Subject: g\r\n\r\nfirst part\r\n'), 'the hash covers the bytes before the gap');
    assert.ok(names(s).includes('gap-in-data'));
    assert.ok(names(s).includes('tcp-gap'));
  });

  it('after a gap, end-of-data found later and its reply decide the outcome', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c('Subject: g\r\n\r\nfirst\r\n');
      d.gap('c2s', 10);
      d.c('xx\r\nlast\r\n.\r\nQUIT\r\n');
      d.s('250 ok\r\n221 bye\r\n');
      d.close();
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'accepted');
    assert.ok(t.body.endOfData);
    assert.deepEqual(verbs(s).slice(-1), ['QUIT']);
    assert.equal(s.replies[s.replies.length - 1].commandIndex, s.commands.length - 1);
  });

  it('a gap that swallowed the terminator resynchronises on the server reply', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c('Subject: g\r\n\r\nfirst\r\n');
      d.gap('c2s', 50);
      d.s('250 2.0.0 queued\r\n');
      d.c('QUIT\r\n');
      d.s('221 bye\r\n');
      d.close();
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'accepted');
    assert.equal(t.body.gapBytes, 50);
    assert.ok(names(s).includes('resync-after-gap'));
    assert.deepEqual(verbs(s).slice(-1), ['QUIT']);
  });

  it('a server-side gap restarts pairing without reply-without-command noise', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('EHLO x\r\nNOOP\r\n');
      d.s('250 ok\r\n');
      d.gap('s2c', 8);
      d.c('NOOP\r\n');
      d.s('250 ok\r\n');
      d.close();
    });
    assert.ok(!names(s).includes('reply-without-command'));
    assert.ok(names(s).includes('tcp-gap'));
  });
});

describe('smtp session: one-sided captures and detection', () => {
  it('parses a client-only capture, inferring the DATA body (zeek smtp-one-side-only)', async () => {
    const msg = message('one side');
    const s = await playOne(
      (d) => {
        d.c('EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n');
        d.c(stuff(msg));
        d.c('QUIT\r\n');
        d.close('fin');
      },
      { info: connInfo(7, false) },
    );
    assert.deepEqual(verbs(s), ['EHLO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
    assert.equal(s.replies.length, 0);
    const t = s.transactions[0];
    assert.equal(t.outcome, 'incomplete');
    assert.equal(t.bodySha256, sha(msg));
    assert.equal(t.message?.subject, 'one side');
    assert.ok(names(s).includes('one-sided'));
    assert.ok(!names(s).includes('reply-without-command'));
  });

  it('ignores a non-SMTP connection and keeps nothing', async () => {
    const out = await play((d) => {
      d.c('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      d.s('HTTP/1.1 200 OK\r\n\r\n' + '220 not smtp\r\n');
      d.close();
    });
    assert.equal(out.length, 0);
    const out2 = await play((d) => {
      d.s('SSH-2.0-OpenSSH_9.6\r\n');
      d.c('SSH-2.0-client\r\n');
      d.close();
    });
    assert.equal(out2.length, 0);
    const out3 = await play((d) => {
      d.s('220 ProFTPD Server ready.\r\n');
      d.c('USER anonymous\r\n');
      d.close();
    });
    assert.equal(out3.length, 0, 'FTP greeting is not SMTP');
    const out4 = await play((d) => {
      d.s('220 files.example.org\r\n');
      d.c('USER anonymous\r\n');
      d.s('331 password please\r\n');
      d.close();
    });
    assert.equal(out4.length, 0, 'an FTP dialogue behind a neutral 220 is dropped at its first command');
  });

  it('gives up on binary traffic within a few KB', async () => {
    const out = await play((d) => {
      for (let k = 0; k < 10; k++) d.c(new Uint8Array(1000).fill(0x41 + k));
      d.close();
    });
    assert.equal(out.length, 0);
  });

  it('finds SMTP after an HTTP CONNECT preamble (zeek http_connect-with-smtp)', async () => {
    const s = await playOne((d) => {
      d.c('CONNECT mail.example.org:25 / HTTP/1.0\r\nUser-Agent: x\r\n\r\n');
      d.s('HTTP/1.0 200 Connection established\r\n\r\n');
      d.s('220 mail.example.org ESMTP ready\r\n');
      d.c('HELO me\r\n');
      d.s('250 Ok.\r\n');
      d.close();
    });
    assert.deepEqual(verbs(s), ['HELO']);
    assert.deepEqual(codes(s), [220, 250]);
    assert.equal(s.banner, 'mail.example.org ESMTP ready');
    assert.ok(names(s).includes('preamble'));
    assert.equal(s.commands[0].offset, 'CONNECT mail.example.org:25 / HTTP/1.0\r\nUser-Agent: x\r\n\r\n'.length);
  });

  it('finds SMTP after a SOCKS5 handshake (arkime socks5-smtp-503)', async () => {
    const s = await playOne((d) => {
      d.c(new Uint8Array([5, 1, 0]));
      d.s(new Uint8Array([5, 0]));
      const host = Buffer.from('010.000.00.003');
      d.c(new Uint8Array([5, 1, 0, 3, host.length, ...host, 0, 25]));
      d.s(new Uint8Array([5, 0, 0, 1, 10, 0, 0, 3, 0, 25]));
      d.s('220 mx ESMTP Exim 4.80\r\n');
      d.c('EHLO User\r\n');
      d.s('250-mx Hello\r\n250 HELP\r\n');
      d.c('AUTH LOGIN\r\n');
      d.s('503 AUTH command used when not advertised\r\n');
      d.close();
    });
    assert.deepEqual(verbs(s), ['EHLO', 'AUTH']);
    assert.deepEqual(codes(s), [220, 250, 503]);
  });
});
