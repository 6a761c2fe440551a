// Every public capture reads with capinfos' packet count, and exactly the damaged files are flagged (skips without the corpus).

import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { readCapture } from '../../src/capture/read.js';
import { CORPUS, CORPUS_ROOT } from './corpus-expected.js';

const present = existsSync(CORPUS_ROOT);

function walk(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('public capture corpus', { skip: present ? false : `corpus not found at ${CORPUS_ROOT}` }, () => {
  for (const [path, packets, damage] of CORPUS) {
    it(path, async (t) => {
      const file = join(CORPUS_ROOT, path);
      if (!existsSync(file)) return t.skip('file not in this copy of the corpus');
      let frames = 0;
      let lastFrame = 0;
      const s = await readCapture(file, (f) => {
        frames++;
        assert.ok(f.frame > lastFrame, 'frame numbers increase');
        lastFrame = f.frame;
        assert.ok(f.tsNsec >= 0 && f.tsNsec < 1e9 && Number.isInteger(f.tsNsec));
        assert.equal(f.data.length, f.capLen);
      });
      assert.equal(s.packets, packets);
      assert.equal(frames, packets);
      assert.equal(s.error ? `${s.error.unit}:${s.error.offset}` : null, damage);
    });
  }

  it('lists every capture in the corpus', (t) => {
    const listed = new Set(CORPUS.map(([p]) => p));
    const unlisted = walk(CORPUS_ROOT)
      .map((p) => relative(CORPUS_ROOT, p))
      .filter((p) => !p.endsWith('.md') && !listed.has(p));
    if (unlisted.length) t.diagnostic(`not in the expected table (add them after checking with capinfos): ${unlisted.join(', ')}`);
  });
});
