// `sessions --export DIR`: the message tee and exportMessages write exactly the bytes bodySha256 covers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportMessages } from '../../src/commands/export.js';
import { runPipeline } from '../../src/pipeline.js';
import { createSmtpFactory } from '../../src/smtp/index.js';
import type { SmtpSession } from '../../src/smtp/types.js';
import { generateScenario } from '../../fixtures/gen/scenarios.js';
import { connInfo, Dialogue, message, opening, stuff } from './helper.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const scenarios = join(root, 'fixtures/scenarios');

/** Plays a dialogue with the tee on; returns the session and the bytes teed per transaction. */
async function teed(script: (d: Dialogue) => void): Promise<{ s: SmtpSession; bytes: Map<number, Buffer>; ends: Map<number, number> }> {
  const out: SmtpSession[] = [];
  const parts = new Map<number, Buffer[]>();
  const ends = new Map<number, number>();
  const f = createSmtpFactory({
    onSession: (s) => out.push(s),
    onMessageData: (key, b, end) => {
      assert.equal(key.connectionId, 1);
      const list = parts.get(key.transactionIndex) ?? [];
      // Copy: the view is only valid during the call.
      list.push(Buffer.from(b));
      parts.set(key.transactionIndex, list);
      if (end) ends.set(key.transactionIndex, (ends.get(key.transactionIndex) ?? 0) + 1);
    },
  });
  script(new Dialogue(f(connInfo())!));
  await f.drain();
  assert.equal(out.length, 1);
  const bytes = new Map([...parts].map(([k, v]) => [k, Buffer.concat(v)]));
  return { s: out[0], bytes, ends };
}

test('tee: a dot-stuffed DATA message is teed unstuffed, equal to bodySha256, ended once', async () => {
  const msg = message('Dots', '.leading dot\r\n..two dots\r\nplain\r\n.\r\n.x\r\n');
  const { s, bytes, ends } = await teed((d) => {
    opening(d);
    d.c('DATA\r\n');
    d.s('354 go\r\n');
    d.c(stuff(msg), { split: [3, 40, 41, 120, 121, 122] });
    d.s('250 2.0.0 queued\r\n');
    d.c('QUIT\r\n');
    d.s('221 bye\r\n');
    d.close();
  });
  const t = s.transactions[0];
  assert.equal(t.outcome, 'accepted');
  assert.equal(bytes.get(0)!.toString('latin1'), msg);
  assert.equal(sha(bytes.get(0)!), t.bodySha256);
  assert.equal(ends.get(0), 1);
});

test('tee: BDAT chunks concatenated; AUTH and commands never teed', async () => {
  const { s, bytes } = await teed((d) => {
    d.s('220 mx ESMTP\r\n');
    d.c('EHLO c\r\n');
    d.s('250-mx\r\n250 CHUNKING\r\n');
    d.c('AUTH PLAIN AHVzZXIAc2VjcmV0\r\n');
    d.s('235 ok\r\n');
    d.c('MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n');
    d.s('250 ok\r\n250 ok\r\n');
    d.c('BDAT 5\r\nhello');
    d.s('250 ok\r\n');
    d.c('BDAT 6 LAST\r\n world');
    d.s('250 ok\r\n');
    d.close();
  });
  assert.equal(bytes.get(0)!.toString('latin1'), 'hello world');
  assert.equal(sha(bytes.get(0)!), s.transactions[0].bodySha256);
  for (const b of bytes.values()) assert.ok(!b.toString('latin1').includes('AHVzZXIAc2VjcmV0'));
});

test('tee: a gap stops the tee at the bytes bodySha256 covers; an RST cut is ended', async () => {
  const { s, bytes, ends } = await teed((d) => {
    opening(d);
    d.c('DATA\r\n');
    d.s('354 go\r\n');
    d.c('Subject: x\r\n\r\nfirst part\r\n');
    d.gap('c2s', 100);
    d.c('after the gap\r\n');
    d.end('c2s', 'rst');
    d.close('rst');
  });
  const t = s.transactions[0];
  assert.equal(t.outcome, 'aborted');
  assert.equal(bytes.get(0)!.toString('latin1'), 'Subject: x\r\n\r\nfirst part\r\n');
  assert.equal(sha(bytes.get(0)!), t.bodySha256);
  assert.equal(ends.get(0), 1);
});

function scenarioFiles(): string[] {
  return readdirSync(scenarios)
    .filter((n) => /\.(pcap|pcapng|txt)(\.gz)?$/.test(n))
    .map((n) => join(scenarios, n));
}

test('exportMessages: on every committed scenario, complete files hash to bodySha256, cut ones are -partial', async () => {
  const files = scenarioFiles();
  assert.ok(files.length >= 10, 'fixtures/scenarios has captures');
  let complete = 0;
  let partial = 0;
  for (const file of files) {
    const dir = mkdtempSync(join(tmpdir(), 'splice-doctor-export-'));
    try {
      const got = await exportMessages(file, join(dir, 'out', 'nested'));
      const r = await runPipeline(file);
      const txWithBody = r.sessions.flatMap((s) => s.transactions.filter((t) => t.bodySha256 !== undefined).map((t) => ({ s, t })));
      assert.equal(got.length, txWithBody.length, `${basename(file)}: one file per message`);
      const written = readdirSync(join(dir, 'out', 'nested')).sort();
      assert.deepEqual(written, got.map((g) => basename(g.file)).sort(), `${basename(file)}: no stray temp files`);
      for (const g of got) {
        const s = r.sessions.find((x) => x.id === g.session)!;
        const t = s.transactions[g.transaction - 1];
        const b = readFileSync(g.file);
        assert.equal(b.length, g.bytes);
        assert.equal(sha(b), t.bodySha256, `${basename(g.file)} of ${basename(file)}`);
        const isComplete = t.body.endOfData !== undefined && t.body.gapBytes === 0;
        assert.equal(g.complete, isComplete);
        assert.equal(basename(g.file), `session-${s.id}-tx-${g.transaction}${isComplete ? '' : '-partial'}.eml`);
        if (isComplete) {
          complete++;
          assert.equal(b.length, t.body.bytes);
        } else {
          partial++;
          // Cut messages: aborted, incomplete, rejected before their end (BDAT chunk, reply during data), or
          // resynchronised after a gap; never an intact accepted message.
          assert.ok(t.outcome !== 'accepted' || t.body.gapBytes > 0, `${g.file}: cut message outcome ${t.outcome}`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  assert.ok(complete > 10, `complete messages exported: ${complete}`);
  assert.ok(partial > 0, `partial messages exported: ${partial}`);
});

test('exportMessages: a generated capture with a cut message marks it partial; files stay inside DIR', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'splice-doctor-export-'));
  try {
    const g = generateScenario({ kind: 'smtp', splice: true, virus: true, abort: 'rst', capture: 'fgt-any-pcap', format: { container: 'pcap' } }, 4242, 'cut');
    const cap = join(dir, g.files[0].name);
    writeFileSync(cap, g.files[0].bytes);
    const out = join(dir, 'eml');
    const got = await exportMessages(cap, out);
    assert.ok(got.length > 0);
    assert.ok(got.some((x) => !x.complete && x.file.endsWith('-partial.eml')), JSON.stringify(got.map((x) => basename(x.file))));
    for (const x of got) assert.equal(dirname(x.file), resolve(out));
    assert.ok(!existsSync(join(dir, 'session-1-tx-1.eml')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
