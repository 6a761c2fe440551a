// StreamSkim + parsePrepared must give exactly parseMessage's result, whatever the message and wherever it is cut.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Base64FactsStream, base64Facts } from '../../src/smtp/base64.js';
import { EICAR, parseMessage, parsePrepared } from '../../src/smtp/mime.js';
import { StreamSkim } from '../../src/smtp/stream-skim.js';

const EICAR_BYTES = Buffer.from(EICAR, 'latin1');

/** Base64 text of `data` in lines of `width` characters (0: one line), with `eol` breaks, optionally damaged. */
function b64Text(data: Buffer, width: number, eol: string, damage: number): string {
  let t = data.toString('base64');
  if (damage === 1) t = t.slice(0, Math.floor(t.length / 2)) + '*!' + t.slice(Math.floor(t.length / 2));
  if (damage === 2) t = t.slice(0, Math.floor(t.length / 3)) + '==' + t.slice(Math.floor(t.length / 3));
  if (damage === 3) t = t.replace(/=+$/, '');
  const lines: string[] = [];
  if (width <= 0) lines.push(t);
  else for (let i = 0; i < t.length; i += width) lines.push(t.slice(i, i + width));
  return lines.join(eol) + eol;
}

const partArb = fc.record({
  kind: fc.constantFrom('text', 'b64', 'b64', 'b64', 'nested', 'rfc822'),
  type: fc.constantFrom('application/octet-stream', 'image/png', 'text/plain', 'application/pdf'),
  cte: fc.constantFrom('base64', 'base64', 'BASE64', '7bit'),
  size: fc.oneof(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 2900, max: 3300 }), fc.integer({ min: 4000, max: 30000 })),
  width: fc.constantFrom(76, 76, 64, 60, 72, 57, 0),
  damage: fc.constantFrom(0, 0, 0, 1, 2, 3),
  eicar: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
  folded: fc.boolean(),
});

const messageArb = fc.record({
  lf: fc.boolean(),
  multipart: fc.constantFrom(true, true, true, false),
  boundary: fc.constantFrom('b1', '----=_Part_0_12345', 'XyZ', 'simple boundary'),
  quoted: fc.boolean(),
  preamble: fc.constantFrom('', 'This is a multi-part message in MIME format.'),
  parts: fc.array(partArb, { minLength: 0, maxLength: 5 }),
  closing: fc.constantFrom(true, true, false),
  epilogue: fc.constantFrom('', 'epilogue text', '--b1\r\nContent-Type: image/png\r\n\r\n'),
});

function bytesOf(seed: number, size: number, eicar: boolean): Buffer {
  const b = Buffer.alloc(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  if (eicar && size > EICAR_BYTES.length + 10) EICAR_BYTES.copy(b, Math.floor(size / 3));
  return b;
}

type Part = typeof partArb extends fc.Arbitrary<infer T> ? T : never;
type Msg = typeof messageArb extends fc.Arbitrary<infer T> ? T : never;

function build(m: Msg): Buffer {
  const nl = m.lf ? '\n' : '\r\n';
  const bnd: string = m.boundary;
  const ctParam = m.quoted ? `boundary="${bnd}"` : `boundary=${bnd.replace(/ /g, '_')}`;
  const realB = m.quoted ? bnd : bnd.replace(/ /g, '_');
  const head = `From: a@example.org${nl}To: b@example.org${nl}Subject: test${nl}Message-ID: <x@y>${nl}MIME-Version: 1.0${nl}`;
  const partText = (p: Part, depth: number): string => {
    const ctLine = p.folded ? `Content-Type: ${p.type};${nl}\tname="f${p.seed}.bin"` : `Content-Type: ${p.type}; name="f${p.seed}.bin"`;
    if (p.kind === 'text') return `Content-Type: text/plain${nl}${nl}hello ${p.seed}${nl}${p.eicar ? EICAR + nl : ''}`;
    if (p.kind === 'rfc822') return `Content-Type: message/rfc822${nl}Content-Transfer-Encoding: base64${nl}${nl}${b64Text(bytesOf(p.seed, Math.min(p.size, 6000), false), 76, nl, 0)}`;
    if (p.kind === 'nested' && depth === 0) {
      const ib = `inner${p.seed}`;
      const inner: Part = { ...p, kind: 'b64' };
      return `Content-Type: multipart/alternative; boundary=${ib}${nl}${nl}--${ib}${nl}Content-Type: text/plain${nl}${nl}alt${nl}--${ib}${nl}${partText(inner, 1)}${nl}--${ib}--${nl}`;
    }
    return `${ctLine}${nl}Content-Transfer-Encoding: ${p.cte}${nl}${nl}${b64Text(bytesOf(p.seed, p.size, p.eicar), p.width, nl, p.damage)}`;
  };
  if (!m.multipart) {
    const p: Part = m.parts[0] ?? { kind: 'b64', type: 'application/octet-stream', cte: 'base64', size: 9000, width: 76, damage: 0, eicar: false, seed: 1, folded: false };
    return Buffer.from(head + partText(p, 1), 'latin1');
  }
  let body = `${head}Content-Type: multipart/mixed; ${ctParam}${nl}${nl}`;
  if (m.preamble) body += m.preamble + nl;
  for (const p of m.parts) body += `--${realB}${nl}${partText(p, 0)}`;
  if (m.closing) body += `--${realB}--${nl}${m.epilogue}`;
  return Buffer.from(body, 'latin1');
}

/** Cut points: the given ones, or (a negative first value) every -cuts[0] bytes. */
async function viaStream(raw: Buffer, cuts: number[], truncated: boolean) {
  const s = new StreamSkim();
  const every = cuts.length > 0 && cuts[0] < 0 ? -cuts[0] : 0;
  const points = every > 0 ? Array.from({ length: Math.floor(raw.length / every) }, (_, i) => (i + 1) * every) : [...new Set(cuts.map((c) => c % (raw.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  for (const c of [...points, raw.length]) {
    s.write(raw.subarray(at, c));
    at = c;
  }
  return { result: await parsePrepared(s.finish(), truncated), skim: s };
}

describe('Base64FactsStream', () => {
  it('gives base64Facts of the whole text, however the text is cut', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200_000 }),
        fc.constantFrom(76, 64, 57, 0),
        fc.constantFrom('\r\n', '\n'),
        fc.constantFrom(0, 1, 2, 3),
        fc.array(fc.integer({ min: 0, max: 400_000 }), { maxLength: 12 }),
        fc.boolean(),
        (size, width, eol, damage, cuts, eicar) => {
          const text = Buffer.from(b64Text(bytesOf(size, size, eicar), width, eol, damage), 'latin1');
          const want = base64Facts(text, 0, text.length, EICAR_BYTES);
          const s = new Base64FactsStream(EICAR_BYTES);
          let at = 0;
          for (const c of [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b).concat(text.length)) {
            s.write(text, at, c);
            at = c;
          }
          assert.deepEqual(s.end(), want);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('StreamSkim', () => {
  it('parses every message exactly as parseMessage does, wherever it is cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        messageArb,
        fc.oneof(fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 30 }), fc.integer({ min: 1, max: 3000 }).map((k) => [-k])),
        fc.boolean(),
        async (m, cuts, truncated) => {
        const raw = build(m);
        const want = await parseMessage(raw, truncated);
        const got = (await viaStream(raw, cuts, truncated)).result;
        assert.deepEqual(got, want);
      }),
      { numRuns: 500 },
    );
  });

  it('does not keep the large base64 parts of a usual message', async () => {
    const raw = build({
      lf: false, multipart: true, boundary: '----=_Part_0_12345', quoted: true, preamble: '', closing: true, epilogue: '',
      parts: [
        { kind: 'text', type: 'text/plain', cte: '7bit', size: 0, width: 76, damage: 0, eicar: false, seed: 1, folded: false },
        { kind: 'b64', type: 'application/pdf', cte: 'base64', size: 300_000, width: 76, damage: 0, eicar: false, seed: 2, folded: false },
        { kind: 'b64', type: 'image/png', cte: 'base64', size: 100_000, width: 76, damage: 0, eicar: true, seed: 3, folded: true },
      ],
    });
    const cuts = Array.from({ length: Math.ceil(raw.length / 32768) }, (_, i) => i * 32768);
    const { result } = await viaStream(raw, cuts, false);
    assert.deepEqual(result, await parseMessage(raw, false));
    const s = new StreamSkim();
    for (let i = 0; i < raw.length; i += 32768) s.write(raw.subarray(i, i + 32768));
    const p = s.finish();
    assert.equal(p.facts.length, 2);
    assert.ok(p.text.length < 2000, `kept ${p.text.length} bytes`);
    assert.equal(p.retainedBytes, raw.length);
    assert.equal(result.info.eicar, true);
  });
});
