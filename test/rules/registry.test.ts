// The rule registry: unique stable ids, metadata beside each rule, one file per rule.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RULES } from '../../src/rules/index.js';

test('every rule has a unique id, a revision, a title, a default severity and a description', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of RULES) {
    assert.match(r.id, /^(splice|hostav|capture)\.[a-z-]+$/);
    assert.ok(Number.isInteger(r.revision) && r.revision >= 1, r.id);
    assert.ok(r.title.length > 10 && r.description.length > 40, r.id);
    assert.ok(['critical', 'warning', 'info'].includes(r.defaultSeverity), r.id);
  }
});

test('the issue\'s rules are all registered', () => {
  const ids = new Set(RULES.map((r) => r.id));
  for (const id of ['splice.streaming', 'splice.buffered', 'splice.abort', 'hostav.proxy', 'hostav.acted-on-abort', 'capture.encrypted', 'capture.one-leg-only', 'capture.gaps-in-message', 'capture.started-mid-session', 'capture.truncated-file', 'capture.no-server-replies']) {
    assert.ok(ids.has(id), id);
  }
});

test('one source file per rule, named after its id', () => {
  const dir = fileURLToPath(new URL('../../../src/rules/', import.meta.url));
  const files = new Set(readdirSync(dir).filter((f) => f.endsWith('.ts')));
  for (const r of RULES) assert.ok(files.has(`${r.id.replace('.', '-')}.ts`), `${r.id} -> ${r.id.replace('.', '-')}.ts`);
});
