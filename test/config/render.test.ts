// Text and markdown views of the configuration report, the verdict summary, robustness on arbitrary input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeConfig, spliceSummary } from '../../src/config/analyze.js';
import { parseConfig } from '../../src/config/parse.js';
import { configMarkdown, configText } from '../../src/config/render.js';
import { mailIp } from '../../src/commands/config.js';
import { UsageError } from '../../src/util/errors.js';

const DIR = join(process.cwd(), 'fixtures', 'configs');
const load = (f: string) => readFileSync(join(DIR, f), 'utf8');

test('text and markdown show the exact commands and no secrets', () => {
  const r = analyzeConfig(load('fgt60f-7.2.8-vip-custom-splice.conf'), { mailServer: '10.10.20.25' });
  const text = configText(r);
  const md = configMarkdown(r);
  for (const out of [text, md]) {
    assert.ok(out.includes('set options fragmail oversize'));
    assert.ok(out.includes('edit "PPO-Mail"'));
    assert.ok(out.includes('config.splice-enabled'));
    assert.ok(!out.includes('ENC') && !out.includes('FAKESECRET'));
  }
  assert.ok(md.includes('```\nconfig firewall profile-protocol-options\n'));
  assert.match(text, /5 "Inbound SMTP": wan1 -> dmz to VIP-MAIL-SMTP service SMTP; proxy mode, av AV-Mail/);
});

test('spliceSummary gives the verdict stage one word', () => {
  assert.equal(spliceSummary(analyzeConfig(load('fgt60f-7.2.8-vip-custom-splice.conf'), { mailServer: '10.10.20.25' })).splice, 'on');
  assert.equal(spliceSummary(analyzeConfig(load('fgt61e-6.2.15-flow.conf'), { mailServer: '10.1.1.10' })).splice, 'flow');
  assert.equal(spliceSummary(analyzeConfig(load('fgt61e-6.2.15-flow.conf'), { mailServer: '10.9.9.9' })).splice, 'not-found');
  const noPpo = load('fgt100f-6.4.11-default-implicit.conf').replace(/config firewall profile-protocol-options[\s\S]*?\nend\n/, '');
  const s = spliceSummary(analyzeConfig(noPpo, { mailServer: '172.16.10.20' }));
  assert.deepEqual(s, { splice: 'assumed-on', policyIds: ['3'], profiles: ['default'] });
  const off = load('fgt61e-6.2.15-flow.conf').replace('set service "SMTP"', 'set service "SMTP"\n        set inspection-mode proxy')
    .replace('set options fragmail splice', 'set options fragmail');
  assert.equal(spliceSummary(analyzeConfig(off, { mailServer: '10.1.1.10' })).splice, 'off');
});

test('shared profile: the fix says which other policies the change touches', () => {
  const r = analyzeConfig(load('fgt60d-5.6.3-profile-proxy.conf'), { mailServer: '192.168.10.5' });
  assert.ok(r.fix?.notes.some((n) => n.includes('also used by policy 1')));
});

test('mailIp accepts IP, IP:PORT, [IPv6]:PORT', () => {
  assert.equal(mailIp('10.0.0.1'), '10.0.0.1');
  assert.equal(mailIp('10.0.0.1:25'), '10.0.0.1');
  assert.equal(mailIp('[2001:db8::25]:25'), '2001:db8::25');
  assert.equal(mailIp('2001:db8::25'), '2001:db8::25');
  assert.equal(mailIp(undefined), undefined);
  assert.throws(() => mailIp('mail.example.com'), UsageError);
  assert.throws(() => mailIp('300.1.1.1'), UsageError);
});

test('IPv6 mail server: address6 and policy dstaddr6', () => {
  const text = [
    '#config-version=FGT60F-7.2.8-FW-build1639-240313:opmode=0:vdom=0:user=admin',
    'config firewall address6', '    edit "mx6"', '        set ip6 2001:db8:10::25/128', '    next', 'end',
    'config firewall policy', '    edit 8', '        set srcintf "wan1"', '        set dstintf "dmz"', '        set action accept',
    '        set srcaddr6 "all"', '        set dstaddr6 "mx6"', '        set service "SMTP"', '        set utm-status enable',
    '        set inspection-mode proxy', '        set av-profile "default"', '    next', 'end',
  ].join('\n');
  const r = analyzeConfig(text, { mailServer: '2001:db8:10::25' });
  assert.deepEqual(r.smtpPolicies.map((p) => [p.policyId, p.spliceEnabled, p.defaultProfileAssumed]), [['8', true, true]]);
  assert.equal(analyzeConfig(text, { mailServer: '2001:db8:10::26' }).smtpPolicies.length, 0);
});

test('parser and analyzer never throw on arbitrary text', () => {
  const atoms = ['config firewall policy', 'edit 1', 'edit "x y"', 'next', 'end', 'set action accept', 'set service SMTP',
    'set utm-status enable', 'set options splice', 'config smtp', 'unset options', '"', '\\', '#c', '', 'set dstaddr "a\\"b"',
    'config vdom', 'edit root', 'config global', '--More--', 'set password ENC abc'];
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom(...atoms), fc.string()), { maxLength: 60 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
      const text = lines.join(eol);
      const c = parseConfig(text);
      assert.ok(c.error === null || c.error.line >= 1);
      const r = analyzeConfig(text, { mailServer: '10.0.0.1' });
      assert.ok(!JSON.stringify(r).includes('ENC abc'));
    }),
    { numRuns: 400 },
  );
});

test('configExitCode: 1 when splice is on, 0 otherwise', async () => {
  const { configExitCode } = await import('../../src/commands/config.js');
  assert.equal(configExitCode(analyzeConfig(load('fgt200f-7.4.3-vdoms.conf'))), 1);
  assert.equal(configExitCode(analyzeConfig(load('fgt61e-6.2.15-flow.conf'))), 0);
});
