// Verdict confidence from a configuration check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeConfig } from '../../src/config/analyze.js';
import { configBearing } from '../../src/config/combine.js';

const load = (f: string) => readFileSync(join(process.cwd(), 'fixtures', 'configs', f), 'utf8');

test('splice on confirms misconfigured; the exact fix comes along', () => {
  const rep = analyzeConfig(load('fgt60f-7.2.8-vip-custom-splice.conf'), { mailServer: '10.10.20.25' });
  const b = configBearing('misconfigured', 'medium', rep);
  assert.equal(b.confidence, 'high');
  assert.match(b.note!, /confirms/);
  assert.equal(b.fix?.exact, true);
  assert.equal(b.fix?.commands[3], 'set options fragmail oversize');
  assert.equal(configBearing('healthy', 'high', rep).confidence, 'high');
});

test('flow-based or missing policy lowers a splice verdict', () => {
  const flow = analyzeConfig(load('fgt61e-6.2.15-flow.conf'), { mailServer: '10.1.1.10' });
  const b = configBearing('misconfigured', 'high', flow);
  assert.equal(b.confidence, 'medium');
  assert.match(b.note!, /contradicts/);
  assert.equal(b.fix, null);
  assert.equal(configBearing('at-risk', 'medium', analyzeConfig(load('fgt61e-6.2.15-flow.conf'), { mailServer: '10.9.9.9' })).confidence, 'low');
  assert.equal(configBearing('healthy', 'medium', flow).confidence, 'medium');
});
