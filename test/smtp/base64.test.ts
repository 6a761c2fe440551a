import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { base64Facts, decodeBase64 } from '../../src/smtp/base64.js';

const NEEDLE = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', 'latin1');

function reference(text: Buffer): { size: number; sha256: string; found: boolean } {
  const d = Buffer.from(decodeBase64(text, 0, text.length));
  return { size: d.length, sha256: createHash('sha256').update(d).digest('hex'), found: d.indexOf(NEEDLE) >= 0 };
}

/** Base64 of `data` in lines of `width` characters ended by `eol`, optionally with damage at one position. */
function layout(data: Buffer, width: number, eol: string, damage?: { at: number; text: string; overwrite: boolean }): Buffer {
  const b64 = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  let s = lines.join(eol) + eol;
  if (damage) {
    const at = damage.at % (s.length + 1);
    // Overwriting keeps every line end in place (only the decoded length shows the damage); inserting moves them.
    s = s.slice(0, at) + damage.text + s.slice(at + (damage.overwrite ? damage.text.length : 0));
  }
  return Buffer.from(s, 'latin1');
}

test('base64Facts equals decoding the whole part: regular lines, odd widths, padding, junk, needle across blocks', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 200_000 }),
      fc.constantFrom(76, 64, 72, 4, 77, 75, 1000),
      fc.constantFrom('\r\n', '\n', '\r\r\n'),
      fc.option(fc.record({ at: fc.nat(), text: fc.constantFrom('=', '==', '*', ' ', '\r\n', 'A', '-_', '\n\n', '\0'), overwrite: fc.boolean() }), {
        nil: undefined,
      }),
      fc.option(fc.nat(), { nil: undefined }),
      (bytes, width, eol, damage, needleAt) => {
        let data = Buffer.from(bytes);
        if (needleAt !== undefined) {
          const at = needleAt % (data.length + 1);
          data = Buffer.concat([data.subarray(0, at), NEEDLE, data.subarray(at)]);
        }
        const text = layout(data, width, eol, damage);
        assert.deepEqual(base64Facts(text, 0, text.length, NEEDLE), reference(text));
      },
    ),
    { seed: 20261127, numRuns: 150 },
  );
});

test('base64Facts finds the needle where it straddles two native blocks', () => {
  // 48 KiB blocks of 78-byte lines hold 630 lines = 35,910 decoded bytes: put the needle across that boundary.
  for (const offset of [35_910 - 30, 35_910 - 1, 35_910, 2 * 35_910 - 67]) {
    const data = Buffer.alloc(120_000, 0x41);
    NEEDLE.copy(data, offset);
    const text = layout(data, 76, '\r\n');
    const f = base64Facts(text, 0, text.length, NEEDLE);
    assert.equal(f.found, true, `needle at ${offset}`);
    assert.deepEqual(f, reference(text));
  }
});

test('base64Facts of a part inside a larger buffer reads only its range', () => {
  const data = Buffer.from('hello, world: a part that is long enough to span lines '.repeat(50));
  const part = layout(data, 76, '\r\n');
  const whole = Buffer.concat([Buffer.from('headers\r\n\r\n'), part, Buffer.from('--boundary--\r\n')]);
  const f = base64Facts(whole, 11, 11 + part.length, NEEDLE);
  assert.equal(f.size, data.length);
  assert.equal(f.sha256, createHash('sha256').update(data).digest('hex'));
});
