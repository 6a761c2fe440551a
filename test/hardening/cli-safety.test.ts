// The built CLI on crafted captures: AUTH secrets never reach any output; capture text never reaches a terminal raw.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { conversation, pcapOf, type Packet, type Step } from './capture-builder.js';
import { tempDir } from './properties.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

const memo = new Map<string, { out: Buffer; err: string; code: number | null }>();

/** Runs the built CLI once per argument list (outputs are reused across tests: each spawn costs ~1 s here). */
function cli(args: string[]): { out: Buffer; err: string; code: number | null } {
  const key = args.join('\0');
  const hit = memo.get(key);
  if (hit) return hit;
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 });
  const res = { out: r.stdout, err: r.stderr.toString('utf8'), code: r.status };
  memo.set(key, res);
  return res;
}

/** Commands and formats to check: sessions and replay always; analyze (each format it offers) once the CLI has it. */
function outputs(path: string): Array<{ what: string; out: Buffer; err: string; code: number | null }> {
  const runs = [
    { what: 'sessions text', args: ['sessions', path] },
    { what: 'sessions json', args: ['sessions', path, '--format', 'json'] },
    { what: 'replay', args: ['replay', path] },
  ];
  const help = cli(['--help']).out.toString('utf8');
  if (/\banalyze\b/.test(help)) {
    const ah = cli(['analyze', '--help']).out.toString('utf8');
    const formats = /choices: ([^\]]+)\]/.exec(ah.slice(ah.indexOf('--format')))?.[1].match(/"([a-z-]+)"/g)?.map((f) => f.slice(1, -1)) ?? ['text'];
    for (const f of formats) runs.push({ what: `analyze ${f}`, args: ['analyze', path, '--format', f] });
  }
  return runs.map((r) => ({ what: r.what, ...cli(r.args) }));
}

const USER = 'alice.secret.user';
const PASS = 'Tr0ub4dor&3-hunter2';
const TOKEN = 'ya29.A0ARrdaM-SECRET-BEARER-TOKEN';
const CRAM_DIGEST = 'b913a602c7eda7a495b4e6e7334d3890';

function dialog(auth: Step[]): Step[] {
  return [
    ['s', '220 mx.example.net ESMTP\r\n'],
    ['c', 'EHLO client.example.org\r\n'],
    ['s', '250-mx.example.net\r\n250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n250 8BITMIME\r\n'],
    ...auth,
    ['c', 'MAIL FROM:<alice@example.org>\r\n'],
    ['s', '250 ok\r\n'],
    ['c', 'QUIT\r\n'],
    ['s', '221 bye\r\n'],
  ];
}

const AUTH_CASES: Record<string, Step[]> = {
  'PLAIN initial response': [['c', `AUTH PLAIN ${b64(`\0${USER}\0${PASS}`)}\r\n`], ['s', '235 2.7.0 ok\r\n']],
  'PLAIN after 334': [['c', 'AUTH PLAIN\r\n'], ['s', '334 \r\n'], ['c', `${b64(`${USER}\0${USER}\0${PASS}`)}\r\n`], ['s', '235 ok\r\n']],
  LOGIN: [['c', 'AUTH LOGIN\r\n'], ['s', '334 VXNlcm5hbWU6\r\n'], ['c', `${b64(USER)}\r\n`], ['s', '334 UGFzc3dvcmQ6\r\n'], ['c', `${b64(PASS)}\r\n`], ['s', '235 ok\r\n']],
  'LOGIN initial response, failed': [['c', `AUTH LOGIN ${b64(USER)}\r\n`], ['s', '334 UGFzc3dvcmQ6\r\n'], ['c', `${b64(PASS)}\r\n`], ['s', '535 5.7.8 bad credentials\r\n']],
  'CRAM-MD5': [['c', 'AUTH CRAM-MD5\r\n'], ['s', `334 ${b64('<1896.697170952@mx.example.net>')}\r\n`], ['c', `${b64(`${USER} ${CRAM_DIGEST}`)}\r\n`], ['s', '235 ok\r\n']],
  XOAUTH2: [['c', `AUTH XOAUTH2 ${b64(`user=${USER}\x01auth=Bearer ${TOKEN}\x01\x01`)}\r\n`], ['s', '235 2.7.0 Accepted\r\n']],
  'XOAUTH2 after 334, failed': [
    ['c', 'AUTH XOAUTH2\r\n'], ['s', '334 \r\n'], ['c', `${b64(`user=${USER}\x01auth=Bearer ${TOKEN}\x01\x01`)}\r\n`],
    ['s', `334 ${b64('{"status":"401","schemes":"bearer"}')}\r\n`], ['c', '\r\n'], ['s', '535 5.7.8 no\r\n'],
  ],
  'LOGIN with the 334 replies not captured': [['c', 'AUTH LOGIN\r\n'], ['c', `${b64(USER)}\r\n`], ['c', `${b64(PASS)}\r\n`], ['s', '235 ok\r\n']],
  'cancelled with *': [['c', 'AUTH LOGIN\r\n'], ['s', '334 VXNlcm5hbWU6\r\n'], ['c', `${b64(PASS)}\r\n`], ['s', '334 UGFzc3dvcmQ6\r\n'], ['c', '*\r\n'], ['s', '501 cancelled\r\n']],
};

/** Every form a secret can take on the wire or in a careless rendering. */
const SECRETS = [
  PASS, TOKEN, CRAM_DIGEST, b64(PASS), b64(`\0${USER}\0${PASS}`), b64(`${USER}\0${USER}\0${PASS}`), b64(`${USER} ${CRAM_DIGEST}`),
  b64(`user=${USER}\x01auth=Bearer ${TOKEN}\x01\x01`), b64(TOKEN).slice(0, 24), b64(PASS).slice(0, 16),
];

const tmp = tempDir();
after(tmp.done);

function captureOf(steps: Step[][]): string {
  const pkts: Packet[] = [];
  steps.forEach((s, i) => pkts.push(...conversation(s, { clientPort: 41000 + i, t0: 1_700_000_000 + i * 10 })));
  const path = join(tmp.dir, `cli-${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(path, pcapOf(pkts));
  return path;
}

describe('AUTH secrets never appear in outputs', () => {
  let path = '';
  before(() => {
    path = captureOf(Object.values(AUTH_CASES).map(dialog));
  });

  it('the capture parses into one session per AUTH case', () => {
    const r = cli(['sessions', path, '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out.toString('utf8')) as { sessions: Array<{ auth: { mechanism: string } | null }> };
    assert.equal(doc.sessions.length, Object.keys(AUTH_CASES).length);
    assert.ok(doc.sessions.every((s) => s.auth !== null), 'every session saw AUTH');
  });

  it('sessions (text, json), replay and analyze carry neither the secrets nor their base64 forms', () => {
    for (const o of outputs(path)) {
      const text = o.out.toString('utf8') + o.err;
      assert.ok(o.out.length > 0, `${o.what} printed something`);
      for (const s of SECRETS) assert.ok(!text.includes(s), `${o.what} leaks ${JSON.stringify(s)}`);
    }
  });
});

describe('capture text never reaches the terminal raw', () => {
  const ESC_LINES = '\x1b[2J\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07';
  const hostile = (s: string) => Buffer.from(s, 'utf8');
  let path = '';
  before(() => {
    const evil = `${ESC_LINES}\u009b31m\u202Eexe.pdf\u2066`;
    const rawC1 = Buffer.concat([Buffer.from('250-raw C1 byte '), Buffer.from([0x9b, 0x33, 0x31, 0x6d]), Buffer.from('\r\n')]);
    const subject = `=?UTF-8?B?${b64(`invoice ${ESC_LINES} \u202Efdp.exe`)}?=`;
    const steps: Step[] = [
      ['s', hostile(`220 mx ${evil} ESMTP\r\n`)],
      ['c', hostile(`EHLO ${evil}\r\n`)],
      ['s', Buffer.concat([rawC1, hostile(`250 HELP ${evil}\r\n`)])],
      ['c', hostile(`MAIL FROM:<a${evil}@example.org>\r\n`)],
      ['s', '250 ok\r\n'],
      ['c', 'RCPT TO:<b@example.net>\r\n'],
      ['s', hostile(`550 no such user ${evil}\r\n`)],
      ['c', 'RCPT TO:<c@example.net>\r\n'],
      ['s', '250 ok\r\n'],
      ['c', 'DATA\r\n'],
      ['s', '354 go\r\n'],
      ['c', hostile(`Subject: ${subject}\r\nMessage-ID: <${evil}@x>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi ${evil}\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="${evil}.exe"\r\n\r\nAAAA\r\n--b--\r\n.\r\n`)],
      ['s', hostile(`554 5.7.1 Infected ${evil}\r\n`)],
      ['c', hostile(`XEVIL ${evil}\r\n`)],
      ['c', 'QUIT\r\n'],
      ['s', '221 bye\r\n'],
    ];
    path = captureOf([steps]);
  });

  it('text outputs (sessions, replay, analyze) contain no ESC, no 0x9B, no U+202E, no U+2066', () => {
    for (const o of outputs(path)) {
      if (o.what.endsWith('json')) continue;
      assert.ok(o.out.length > 0, `${o.what} printed something (${o.err})`);
      for (const [buf, name] of [[o.out, 'stdout'], [Buffer.from(o.err), 'stderr']] as const) {
        assert.equal(buf.indexOf(0x1b), -1, `${o.what} ${name} has a raw ESC`);
        assert.equal(buf.indexOf(0x9b), -1, `${o.what} ${name} has a raw 0x9B`);
        assert.equal(buf.indexOf(Buffer.from('\u202E')), -1, `${o.what} ${name} has a raw U+202E`);
        assert.equal(buf.indexOf(Buffer.from('\u2066')), -1, `${o.what} ${name} has a raw U+2066`);
        assert.equal(buf.indexOf(0x07), -1, `${o.what} ${name} has a raw BEL`);
      }
    }
  });

  it('the replay still shows the hostile text, escaped', () => {
    const r = cli(['replay', path]).out.toString('utf8');
    assert.match(r, /\\x1B\[2J/);
    assert.match(r, /\\u\{202E\}/);
  });

  it('JSON output is valid and keeps C0 controls escaped by the serializer', () => {
    const o = cli(['sessions', path, '--format', 'json']);
    assert.equal(o.out.indexOf(0x1b), -1, 'no raw ESC in JSON');
    const doc = JSON.parse(o.out.toString('utf8')) as { sessions: Array<{ banner: string }> };
    assert.ok(doc.sessions[0].banner.includes('\x1b[2J'), 'the data itself is kept');
  });

  it('JSON output has no raw C1 or bidi characters either (a terminal interprets them too)', () => {
    const o = cli(['sessions', path, '--format', 'json']);
    assert.equal(o.out.indexOf(Buffer.from('\u009b')), -1, 'raw U+009B in JSON');
    assert.equal(o.out.indexOf(Buffer.from('\u202E')), -1, 'raw U+202E in JSON');
  });
});

describe('limit flags', () => {
  it('a non-numeric, negative or infinite limit is a usage error (exit 2, one line), never a silent "no limit"', () => {
    const path = captureOf([dialog([])]);
    for (const [flag, v] of [['--max-line', 'abc'], ['--max-buffer', '-5'], ['--max-message-bytes', 'Infinity'], ['--max-connections', '0'], ['--max-decompressed', 'NaN']]) {
      const r = cli(['sessions', path, flag, v]);
      assert.equal(r.code, 2, `${flag} ${v}: exit ${r.code} ${r.err}`);
      assert.match(r.err, new RegExp(`${flag} must be a number`));
      assert.ok(!/\n\s+at /.test(r.err), 'no stack trace');
    }
  });
});

describe('--redact addresses', () => {
  it('analyze (text, json, markdown) with --redact addresses shows no IP or e-mail address of the capture', (t) => {
    if (!/\banalyze\b/.test(cli(['--help']).out.toString('utf8'))) {
      t.skip('no analyze command yet');
      return;
    }
    const path = captureOf([dialog([]), dialog([['c', 'NOOP\r\n'], ['s', '250 ok\r\n']])]);
    for (const f of ['text', 'json', 'markdown']) {
      const o = cli(['analyze', path, '--format', f, '--redact', 'addresses']);
      const text = o.out.toString('utf8');
      assert.ok(text.length > 0, `analyze ${f} printed something (${o.err})`);
      for (const secret of ['192.0.2.10', '198.51.100.25', 'alice@example.org', 'example.org>', 'bob@example.net']) {
        assert.ok(!text.includes(secret), `analyze ${f} --redact addresses shows ${secret}`);
      }
      if (f === 'json') assert.doesNotThrow(() => JSON.parse(text));
    }
  });
});
