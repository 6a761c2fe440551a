// SMTP session parser: commands, replies, pairing, bodies, outcomes, events (driven with synthetic chunks).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { EHLO_REPLY, GREETING, codes, message, names, opening, playOne, stuff, verbs } from './helper.js';

const sha = (s: string | Uint8Array): string => createHash('sha256').update(typeof s === 'string' ? Buffer.from(s, 'latin1') : s).digest('hex');

describe('smtp session: basic dialogue', () => {
  it('parses a complete DATA transaction and accepts it', async () => {
    const msg = message();
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 End data with <CR><LF>.<CR><LF>\r\n');
      d.c(stuff(msg));
      d.s('250 2.0.0 Ok: queued as ABC123\r\n');
      d.c('QUIT\r\n');
      d.s('221 2.0.0 Bye\r\n');
      d.end('c2s', 'fin');
      d.end('s2c', 'fin');
      d.close('fin');
    });
    assert.deepEqual(verbs(s), ['EHLO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
    assert.deepEqual(codes(s), [220, 250, 250, 250, 354, 250, 221]);
    assert.equal(s.banner, 'mx.example.org ESMTP Postfix');
    assert.equal(s.helo, 'client.example.com');
    assert.deepEqual(s.extensions, ['PIPELINING', 'SIZE', 'CHUNKING', 'STARTTLS', 'ENHANCEDSTATUSCODES']);
    assert.equal(s.replies[0].commandIndex, undefined, 'greeting pairs with nothing');
    assert.equal(s.replies[1].commandIndex, 0);
    assert.equal(s.commands[0].replyIndex, 1);
    assert.equal(s.replies[1].lines.length, 6, 'multi-line reply is one reply');
    assert.equal(s.replies[2].enhanced, '2.1.0');
    assert.equal(s.transactions.length, 1);
    const t = s.transactions[0];
    assert.equal(t.outcome, 'accepted');
    assert.equal(t.mailFrom, 'alice@example.com');
    assert.deepEqual(t.rcptTo, ['bob@example.org']);
    assert.deepEqual(t.rcptAccepted, ['bob@example.org']);
    assert.equal(t.method, 'DATA');
    assert.equal(t.finalReply?.code, 250);
    assert.equal(t.body.bytes, msg.length);
    assert.equal(t.body.wireBytes, msg.length);
    assert.equal(t.bodySha256, sha(msg));
    assert.equal(t.prefixSha256, sha(msg));
    assert.equal(t.message?.subject, 'Hello');
    assert.equal(t.message?.messageId, '<m1@example.com>');
    assert.equal(t.message?.from, 'alice@example.com');
    assert.deepEqual(t.message?.to, ['bob@example.org']);
    assert.equal(t.message?.truncated, false);
    assert.match(t.message?.textExcerpt ?? '', /this is a test/);
    assert.ok(t.body.endOfData);
    assert.equal(s.tcp.close, 'fin');
    assert.equal(s.tcp.closedBy, 'client');
    assert.deepEqual(names(s), ['tcp-fin', 'tcp-fin']);
  });

  it('records frames, times and stream offsets of commands and replies', async () => {
    let fEhlo = 0;
    let fRep = 0;
    const s = await playOne((d) => {
      d.s(GREETING);
      fEhlo = d.c('EHLO x\r\n');
      fRep = d.s('250-a\r\n250 b\r\n', { split: [7] });
      d.close('capture-end');
    });
    assert.equal(s.commands[0].frame, fEhlo);
    assert.equal(s.commands[0].offset, 0);
    assert.equal(s.replies[1].frame, fRep, 'a reply is located at its first byte');
    assert.equal(s.replies[1].offset, GREETING.length);
    assert.equal(s.tcp.close, 'capture-end');
  });

  it('tolerates bare LF line endings and reports them', async () => {
    const s = await playOne((d) => {
      d.s('220 hi\n');
      d.c('HELO x\n');
      d.s('250 ok\n');
      d.close();
    });
    assert.deepEqual(codes(s), [220, 250]);
    assert.deepEqual(verbs(s), ['HELO']);
    assert.ok(names(s).includes('bare-lf'));
  });

  it('upper-cases verbs, keeps args, and flags unknown commands', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('ehlo Client\r\n');
      d.s('250 ok\r\n');
      d.c('FROB nicate\r\n');
      d.s('502 5.5.2 Error: command not recognized\r\n');
      d.close();
    });
    assert.deepEqual(verbs(s), ['EHLO', 'UNKNOWN']);
    assert.equal(s.commands[0].args, 'Client');
    assert.equal(s.commands[1].args, 'FROB nicate');
    assert.equal(s.events.find((e) => e.name === 'unknown-command')?.detail, 'FROB');
    assert.equal(s.replies[2].commandIndex, 1);
  });

  it('truncates overlong lines with a line-too-long event', async () => {
    const long = 'X'.repeat(5000);
    const s = await playOne(
      (d) => {
        d.s(GREETING);
        d.c(`EHLO ${long}\r\n`, { split: [100, 2000, 4000] });
        d.s('250 ok\r\n');
        d.c(`NOOP ${long}\r\n`);
        d.s('250 ok\r\n');
        d.close();
      },
      { limits: { maxLineBytes: 1000 } },
    );
    assert.equal(s.commands.length, 2);
    assert.equal(s.commands[0].args.length, 995);
    assert.equal(s.commands[1].args.length, 995);
    assert.equal(names(s).filter((n) => n === 'line-too-long').length, 2);
    assert.deepEqual(codes(s), [220, 250, 250]);
  });

  it('reports a reply without a command', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('NOOP\r\n');
      d.s('250 ok\r\n250 again\r\n');
      d.close();
    });
    assert.equal(s.replies[2].commandIndex, undefined);
    assert.deepEqual(names(s), ['reply-without-command']);
  });

  it('reports commands before the greeting and a missing greeting', async () => {
    const s1 = await playOne((d) => {
      d.c('EHLO early\r\n');
      d.s(GREETING);
      d.s('250 ok\r\n');
      d.close();
    });
    assert.ok(names(s1).includes('command-before-greeting'));
    assert.equal(s1.replies[0].commandIndex, undefined);
    assert.equal(s1.replies[1].commandIndex, 0);
    const s2 = await playOne((d) => {
      d.c('EHLO x\r\n');
      d.s('250 ok\r\n');
      d.close();
    });
    assert.ok(names(s2).includes('no-greeting'));
    assert.equal(s2.replies[0].commandIndex, 0);
  });

  it('reports data after QUIT', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('QUIT\r\nNOOP\r\n');
      d.s('221 bye\r\n');
      d.close();
    });
    assert.ok(names(s).includes('data-after-quit'));
  });
});

describe('smtp session: PIPELINING', () => {
  it('pairs pipelined commands with replies in order', async () => {
    const msg = message();
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('EHLO c\r\n');
      d.s(EHLO_REPLY);
      d.c('MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@y>\r\nRCPT TO:<d@y>\r\nDATA\r\n');
      d.s('250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <c@y>: Recipient address rejected\r\n250 2.1.5 Ok\r\n354 go ahead\r\n', { split: [14, 40] });
      d.c(stuff(msg) + 'QUIT\r\n');
      d.s('250 2.0.0 queued\r\n221 bye\r\n');
      d.close();
    });
    assert.deepEqual(verbs(s), ['EHLO', 'MAIL', 'RCPT', 'RCPT', 'RCPT', 'DATA', 'QUIT']);
    const pairs = s.replies.map((r) => (r.commandIndex === undefined ? '-' : s.commands[r.commandIndex].verb));
    assert.deepEqual(pairs, ['-', 'EHLO', 'MAIL', 'RCPT', 'RCPT', 'RCPT', 'DATA', '-', 'QUIT']);
    assert.equal(s.replies[7].endOfData, true);
    assert.equal(s.transactions[0].finalReply, s.replies[7]);
    assert.equal(s.replies[4].enhanced, '5.1.1');
    const t = s.transactions[0];
    assert.deepEqual(t.rcptTo, ['b@y', 'c@y', 'd@y']);
    assert.deepEqual(t.rcptAccepted, ['b@y', 'd@y']);
    assert.equal(t.outcome, 'accepted');
    assert.equal(t.finalReply?.code, 250);
    assert.equal(t.bodySha256, sha(msg));
    assert.equal(names(s).length, 0);
  });

  it('holds client bytes sent after DATA until the 354 (body before the reply in capture order)', async () => {
    const msg = message('early');
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.c(stuff(msg));
      d.s('354 go\r\n');
      d.s('250 ok\r\n');
      d.close();
    });
    assert.equal(s.transactions[0].outcome, 'accepted');
    assert.equal(s.transactions[0].bodySha256, sha(msg));
  });

  it('reads client lines after a rejected DATA as commands', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\nQUIT\r\n');
      d.s('554 5.5.1 Error: no valid recipients\r\n221 bye\r\n');
      d.close();
    });
    assert.deepEqual(verbs(s), ['EHLO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
    const t = s.transactions[0];
    assert.equal(t.outcome, 'rejected');
    assert.equal(t.rejectedAt, 'DATA');
    assert.equal(t.finalReply?.code, 554);
    assert.equal(t.bodySha256, undefined);
  });
});

describe('smtp session: DATA bodies', () => {
  it('un-stuffs dots and counts wire and message bytes', async () => {
    const msg = message('dots', '.leading dot\r\n..two dots\r\n.\tdot tab\r\nend\r\n');
    const wire = stuff(msg);
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c(wire, { split: [3, 100, msg.length - 10, msg.length + 2] });
      d.s('250 ok\r\n');
      d.close();
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'accepted');
    assert.equal(t.body.bytes, msg.length);
    assert.equal(t.body.wireBytes, wire.length - 3, 'wire bytes exclude the terminating ".\\r\\n"');
    assert.equal(t.bodySha256, sha(msg));
  });

  it('accepts bare-LF bodies and the \\n.\\n terminator', async () => {
    const msg = 'Subject: lf\n\nline one\n.dotted\nline two\n';
    const wire = msg.replace(/^\./gm, '..') + '.\n';
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\n');
      d.s('354 go\r\n');
      d.c(wire);
      d.s('250 ok\r\n');
      d.close();
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'accepted');
    assert.equal(t.bodySha256, sha(msg));
    assert.equal(t.message?.subject, 'lf');
  });

  it('handles an empty body', async () => {
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      d.c('.\r\n');
      d.s('250 ok\r\n');
      d.close();
    });
    const t = s.transactions[0];
    assert.equal(t.outcome, 'accepted');
    assert.equal(t.body.bytes, 0);
    assert.equal(t.bodySha256, sha(''));
  });

  it('keeps a capped, evenly thinned point series whose first and last points are exact', async () => {
    const line = 'y'.repeat(98) + '\r\n';
    const n = 3000;
    let firstFrame = 0;
    let lastFrame = 0;
    const s = await playOne((d) => {
      opening(d);
      d.c('DATA\r\n');
      d.s('354 go\r\n');
      for (let k = 0; k < n; k++) {
        const f = d.c(line);
        if (k === 0) firstFrame = f;
        lastFrame = f;
      }
      d.c('.\r\n');
      d.s('250 ok\r\n');
      d.close();
    });
    const pts = s.transactions[0].body.points;
    assert.ok(pts.length <= 512, `${pts.length} points`);
    assert.ok(pts.length >= 256, `${pts.length} points`);
    assert.deepEqual([pts[0].frame, pts[0].bytes], [firstFrame, 100]);
    assert.deepEqual([pts[pts.length - 1].frame, pts[pts.length - 1].bytes], [lastFrame, n * 100]);
    for (let k = 1; k < pts.length; k++) assert.ok(pts[k].bytes > pts[k - 1].bytes && pts[k].frame > pts[k - 1].frame);
    // Evenly thinned: all interior steps equal.
    const step = pts[1].bytes - pts[0].bytes;
    for (let k = 1; k < pts.length - 1; k++) assert.equal(pts[k].bytes - pts[k - 1].bytes, step);
    assert.equal(s.transactions[0].body.first?.frame, firstFrame);
    assert.equal(s.transactions[0].body.last?.frame, lastFrame);
    assert.equal(s.transactions[0].body.endOfData?.frame, lastFrame + 1);
  });

  it('keeps at most maxMessageBytes for MIME parsing but hashes everything', async () => {
    const body = ('z'.repeat(70) + '\r\n').repeat(2000);
    const msg = message('big', body);
    const s = await playOne(
      (d) => {
        opening(d);
        d.c('DATA\r\n');
        d.s('354 go\r\n');
        d.c(stuff(msg), { split: [1000, 50000, 100000] });
        d.s('250 ok\r\n');
        d.close();
      },
      { limits: { maxMessageBytes: 10000 } },
    );
    const t = s.transactions[0];
    assert.equal(t.bodySha256, sha(msg));
    assert.equal(t.prefixSha256, sha(msg.slice(0, 4096)));
    assert.equal(t.message?.retainedBytes, 10000);
    assert.equal(t.message?.truncated, true);
    assert.equal(t.message?.subject, 'big');
    assert.ok(names(s).includes('limit-message-bytes'));
  });
});
