// SMTP follow-ups found by the diagnosis work: replies seen before a late-declared gap, gaps open at capture end,
// and captures that start inside a DATA body.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, connInfo, message, names, opening, playOne, stuff, verbs } from './helper.js';

const BODY = message('Report', 'line one\r\nline two\r\n');

/** Greeting, envelope, DATA and its 354, then the first 60 body bytes: where every gap and cut case below starts. */
function intoBody(d: Parameters<Parameters<typeof playOne>[0]>[0]): void {
  opening(d);
  d.c('DATA\r\n');
  d.s('354 go ahead\r\n');
  d.c(BODY.slice(0, 60));
}

test('a 554 seen before a gap declared later, with no body byte between: it answers the end of data', async () => {
  const s = await playOne((d) => {
    intoBody(d);
    // FortiGate's refusal arrives; the reassembler declares the client-side hole only afterwards.
    d.s('554 5.7.1 This email has been blocked. The file eicar.com is infected.\r\n');
    d.gap('c2s', 200);
    // Bytes that were buffered behind the hole: the end of the body, the '.', then RSET.
    d.c('tail of body\r\n.\r\nRSET\r\n');
    d.s('250 2.0.0 Ok\r\n');
    d.c('QUIT\r\n');
    d.s('221 2.0.0 Bye\r\n');
    d.close('fin');
  });
  const t = s.transactions[0];
  assert.equal(t.outcome, 'rejected', 'not accepted by the 250 to RSET');
  assert.equal(t.rejectedAt, 'end-of-data');
  assert.equal(t.finalReply?.code, 554);
  assert.equal(t.finalReply?.endOfData, true);
  assert.equal(t.abort, undefined);
  assert.equal(t.body.gapBytes, 200);
  assert.ok(names(s).includes('resync-after-gap'));
  assert.ok(!names(s).includes('reply-during-data'));
  assert.ok(names(s).includes('gap-in-data'));
  // RSET and QUIT pair with their own replies.
  const rset = s.commands.findIndex((c) => c.verb === 'RSET');
  assert.equal(s.replies[s.commands[rset].replyIndex!].code, 250);
  assert.equal(s.replies[s.commands[verbs(s).indexOf('QUIT')].replyIndex!].code, 221);
});

test('a reply before the gap when the "." was inside the gap: later replies are not strays; outcome from the reply', async () => {
  const s = await playOne((d) => {
    intoBody(d);
    d.s('250 2.0.0 Ok: queued as ABC\r\n');
    d.gap('c2s', 300); // the rest of the body, the '.', and QUIT were lost
    d.s('221 2.0.0 Bye\r\n');
    d.end('s2c', 'fin');
    d.close('fin');
  });
  const t = s.transactions[0];
  assert.equal(t.outcome, 'accepted');
  assert.equal(t.finalReply?.code, 250);
  assert.ok(!names(s).includes('reply-without-command'));
});

test('a mid-body refusal followed by more body bytes stays a cut (aborted by the reply)', async () => {
  const s = await playOne((d) => {
    intoBody(d);
    d.s('554 5.7.1 rejected mid-body\r\n');
    d.c('the client kept sending after the reply\r\n');
    d.gap('c2s', 100);
    d.c('more\r\n.\r\nQUIT\r\n');
    d.s('221 Bye\r\n');
    d.close('fin');
  });
  const t = s.transactions[0];
  assert.equal(t.outcome, 'aborted');
  assert.equal(t.abort?.how, 'reply');
  assert.equal(t.abort?.reply?.code, 554);
  assert.ok(names(s).includes('reply-during-data'));
});

test('a gap before the reply (the "." lost in it) still resyncs: 554 rejects', async () => {
  const s = await playOne((d) => {
    intoBody(d);
    d.gap('c2s', 300);
    d.s('554 5.7.1 blocked\r\n');
    d.close('fin');
  });
  assert.equal(s.transactions[0].outcome, 'rejected');
  assert.equal(s.transactions[0].finalReply?.code, 554);
});

test('a gap still open when the capture ends: incomplete, not aborted by gap', async () => {
  const s = await playOne((d) => {
    intoBody(d);
    d.gap('c2s', 5000);
    d.close('capture-end');
  });
  const t = s.transactions[0];
  assert.equal(t.outcome, 'incomplete');
  assert.equal(t.abort, undefined);
  assert.equal(t.body.gapBytes, 5000);
  assert.ok(names(s).includes('gap-in-data'));
});

test('a gap followed by more body bytes, then the capture ends: still aborted by the gap', async () => {
  const s = await playOne((d) => {
    intoBody(d);
    d.gap('c2s', 500);
    d.c('more body after the hole\r\n');
    d.close('capture-end');
  });
  assert.equal(s.transactions[0].outcome, 'aborted');
  assert.equal(s.transactions[0].abort?.how, 'gap');
});

test('a gap then an RST from the client: aborted (the connection ending is in the capture)', async () => {
  const s = await playOne((d) => {
    intoBody(d);
    d.gap('c2s', 500);
    d.end('c2s', 'rst');
    d.close('rst');
  });
  assert.equal(s.transactions[0].outcome, 'aborted');
});

test('an intact message is unaffected (accepted, no resync)', async () => {
  const s = await playOne((d) => {
    opening(d);
    d.c('DATA\r\n');
    d.s('354 go ahead\r\n');
    d.c(stuff(BODY));
    d.s('250 ok\r\n');
    d.close('fin');
  });
  assert.equal(s.transactions[0].outcome, 'accepted');
  assert.deepEqual(codes(s), [220, 250, 250, 250, 354, 250]);
  assert.ok(!names(s).includes('resync-after-gap'));
  void connInfo;
});

const MID_HEADERS =
  'Received: from mta7.sender.example.org (mta7 [198.51.100.209])\r\n' +
  '\tby fgt.example.net with ESMTP id 4711\r\n' +
  'From: "Bob Sender" <alice@sender.example.org>\r\n' +
  'Subject: invoice\r\n' +
  'MIME-Version: 1.0\r\n' +
  'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n';
const B64 = 'TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsuTWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsuTWFueSBo\r\n';

test('a capture starting inside a DATA body, cut by RST: one DATA transaction, aborted, envelope unknown', async () => {
  const s = await playOne(
    (d) => {
      d.c(MID_HEADERS);
      d.c(B64.repeat(20));
      d.end('c2s', 'rst');
      d.close('rst');
    },
    { info: connInfo(1, false) },
  );
  assert.equal(s.transactions.length, 1);
  const t = s.transactions[0];
  assert.equal(t.method, 'DATA');
  assert.equal(t.mailFrom, undefined);
  assert.deepEqual(t.rcptTo, []);
  assert.equal(t.outcome, 'aborted');
  assert.equal(t.abort?.by, 'client');
  assert.equal(t.abort?.how, 'rst');
  assert.equal(t.abort?.bodyBytesSent, MID_HEADERS.length + B64.length * 20);
  assert.equal(t.body.endOfData, undefined);
  assert.equal(t.bodySha256, undefined, 'no hash of a message whose start is missing');
  assert.ok(names(s).includes('started-in-data'));
  assert.deepEqual(s.commands, []);
});

test('a capture starting in base64 body lines, ended by FIN after the server replied mid-way', async () => {
  const s = await playOne(
    (d) => {
      d.c('bGlnaHQgd29yay4=\r\n' + B64.repeat(60));
      d.s('451 4.4.2 timeout\r\n');
      d.end('c2s', 'fin');
      d.close('fin');
    },
    { info: connInfo(1, false) },
  );
  const t = s.transactions[0];
  assert.equal(t.outcome, 'aborted');
  assert.equal(t.abort?.how, 'reply');
  assert.equal(s.banner, undefined, 'the reply is no greeting');
});

test('a capture starting inside a body that then ends normally: the end-of-data reply decides', async () => {
  const s = await playOne(
    (d) => {
      d.c(MID_HEADERS + 'text\r\n--b1--\r\n.\r\nQUIT\r\n');
      d.s('250 2.0.0 queued\r\n221 bye\r\n');
      d.close('fin');
    },
    { info: connInfo(1, false) },
  );
  const t = s.transactions[0];
  assert.equal(t.outcome, 'accepted');
  assert.equal(t.finalReply?.code, 250);
  assert.deepEqual(verbs(s), ['QUIT']);
});

test('no SMTP session for mid-stream text that is not a message (HTTP, no CRLF, other ports, SYN seen)', async () => {
  const http = 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nX-Foo: bar\r\n\r\n' + B64.repeat(3);
  const cases: Array<[string, ReturnType<typeof connInfo>]> = [
    [http, connInfo(1, false)],
    [MID_HEADERS.replace(/\r\n/g, '\n') + 'x\n', connInfo(1, false)],
    [MID_HEADERS + B64, { ...connInfo(1, false), server: { ip: '198.51.100.25', port: 8080 } }],
    [MID_HEADERS + B64, connInfo(1, true)],
  ];
  for (const [bytes, info] of cases) {
    const { play } = await import('./helper.js');
    const out = await play(
      (d) => {
        d.c(bytes);
        d.end('c2s', 'rst');
        d.close('rst');
      },
      { info },
    );
    assert.equal(out.length, 0, JSON.stringify(bytes.slice(0, 30)) + ` port ${info.server.port} startSeen ${info.startSeen}`);
  }
});

test('replies to commands behind a late gap are not reply-during-data either', async () => {
  const s = await playOne((d) => {
    intoBody(d);
    d.s('554 5.7.1 blocked\r\n');
    d.s('221 2.0.0 Bye\r\n');
    d.gap('c2s', 400);
    d.c('rest\r\n.\r\nQUIT\r\n');
    d.close('fin');
  });
  assert.equal(s.transactions[0].outcome, 'rejected');
  assert.equal(s.transactions[0].finalReply?.code, 554);
  assert.ok(!names(s).includes('reply-during-data'), names(s).join(','));
  assert.ok(!names(s).includes('reply-without-command'));
});
