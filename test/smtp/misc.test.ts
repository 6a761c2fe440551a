// Less common paths: LMTP replies per recipient, held bytes without a 354, event caps, unterminated lines, drain().

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSmtpFactory } from '../../src/smtp/index.js';
import { Dialogue, GREETING, codes, connInfo, message, names, playOne, stuff } from './helper.js';

describe('smtp session: less common paths', () => {
  it('LMTP: one end-of-data reply per accepted recipient', async () => {
    const s = await playOne((d) => {
      d.s('220 lmtp ready\r\n');
      d.c('LHLO x\r\n');
      d.s('250 ok\r\n');
      d.c('MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n');
      d.s('250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n');
      d.c(stuff(message()) + 'QUIT\r\n');
      d.s('250 2.1.5 <c@d> delivered\r\n452 4.2.2 <e@f> mailbox full\r\n221 bye\r\n');
      d.close();
    });
    assert.deepEqual(s.replies.map((r) => r.endOfData ?? false), [false, false, false, false, false, false, true, true, false]);
    assert.equal(s.replies[8].commandIndex, 5);
    assert.equal(s.transactions[0].outcome, 'accepted');
    assert.ok(!names(s).includes('reply-without-command'));
  });

  it('client bytes after DATA with no 354 in the capture become the body (data-without-354)', async () => {
    const msg = message('no354');
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('MAIL FROM:<a@b>\r\n');
      d.s('250 ok\r\n');
      d.c('RCPT TO:<c@d>\r\nDATA\r\n');
      d.c(stuff(msg));
      d.close('capture-end');
    });
    assert.ok(names(s).includes('data-without-354'));
    assert.equal(s.transactions[0].body.bytes, msg.length);
    assert.ok(s.transactions[0].body.endOfData);
  });

  it('caps repeated events at 100 per name and counts the rest', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      for (let k = 0; k < 150; k++) d.c('FROB\r\n');
      d.close();
    });
    assert.equal(names(s).filter((n) => n === 'unknown-command').length, 100);
    assert.equal(s.events.find((e) => e.name === 'events-suppressed')?.detail, 'unknown-command: 50 more');
    assert.equal(s.commands.length, 150);
  });

  it('uses a last reply without CRLF (unterminated-line)', async () => {
    const s = await playOne((d) => {
      d.s(GREETING);
      d.c('MAIL FROM:<a@b>\r\n');
      d.s('554 5.7.1 rejected');
      d.close('fin');
    });
    assert.deepEqual(codes(s), [220, 554]);
    assert.ok(names(s).includes('unterminated-line'));
    assert.equal(s.transactions[0].outcome, 'rejected');
  });

  it('emits sessions in close order and drain() rethrows an onSession error', async () => {
    const order: number[] = [];
    const f = createSmtpFactory({
      onSession: (s) => {
        order.push(s.id);
        if (s.id === 3) throw new Error('consumer failed');
      },
    });
    const mk = (id: number, withBody: boolean): Dialogue => {
      const d = new Dialogue(f(connInfo(id))!);
      d.s(GREETING);
      if (withBody) {
        d.c('MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n');
        d.s('250 ok\r\n250 ok\r\n354 go\r\n');
        d.c(stuff(message()));
      }
      return d;
    };
    const d1 = mk(1, true);
    const d2 = mk(2, false);
    const d3 = mk(3, true);
    d1.close();
    d2.close();
    d3.close();
    await assert.rejects(f.drain(), /consumer failed/);
    assert.deepEqual(order, [1, 2, 3]);
  });
});
