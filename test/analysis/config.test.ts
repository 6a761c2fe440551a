// analyze --fortigate-config: the backup moves confidence, adds config findings, makes the fix exact, leaks no secret.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/commands/analyze.js';
import { schemaErrors } from './schema.js';

const CAPTURE = 'fixtures/scenarios/misconfigured-fgt-any-text-replies.txt';
const CONFIG = 'fixtures/configs/fgt60f-7.2.8-vip-custom-splice.conf';

test('a backup with splice on toward the stated mail server raises confidence and gives the exact fix', async () => {
  const plain = await analyze(CAPTURE, { mailServer: '10.10.20.25' });
  const doc = await analyze(CAPTURE, { mailServer: '10.10.20.25', fortigateConfig: CONFIG });
  assert.deepEqual(schemaErrors(doc), []);
  assert.equal(doc.verdict, plain.verdict);
  assert.equal(plain.config, null);
  assert.ok(doc.config);
  assert.equal(doc.config.splice, 'on');
  assert.equal(doc.config.version, '7.2.8');
  assert.deepEqual(doc.config.policyIds, ['5']);
  const rank = { low: 0, medium: 1, high: 2 } as const;
  assert.ok(rank[doc.confidence] >= rank[plain.confidence]);
  assert.ok(doc.findings.some((f) => f.ruleId === 'config.splice-enabled'));
  assert.deepEqual(doc.findings.map((f) => f.id), doc.findings.map((_, i) => `F${i + 1}`));
  assert.equal(doc.fix?.kind, 'disable-splice');
  assert.equal(doc.fix?.exact, true);
  assert.ok(doc.fix?.commands.some((c) => /^\s*edit "?PPO-Mail/.test(c)), doc.fix?.commands.join('\n'));
  assert.ok(!doc.fix?.commands.some((c) => /set options .*splice/.test(c)));
});

test('nothing from the backup beyond the fields used reaches the document', async () => {
  const doc = await analyze(CAPTURE, { mailServer: '10.10.20.25', fortigateConfig: CONFIG });
  const out = JSON.stringify(doc);
  const backup = readFileSync(CONFIG, 'utf8');
  for (const m of backup.matchAll(/set (?:password|passwd|psksecret|private-key|key) (?:ENC )?(\S+)/g)) {
    assert.ok(!out.includes(m[1]), `secret ${m[1].slice(0, 8)}... leaked`);
  }
  assert.ok(!out.includes('ENC '));
});

test('an unreadable backup is an input error before the capture is read', async () => {
  await assert.rejects(analyze(CAPTURE, { fortigateConfig: 'fixtures/configs/does-not-exist.conf' }), /cannot read the configuration/);
});
