// Configuration cross-check on the fixture backups of several FortiOS versions, and secrecy of the output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeConfig, type ConfigReport } from '../../src/config/analyze.js';
import { configCommand } from '../../src/commands/config.js';
import { InputError } from '../../src/capture/types.js';
import { UsageError } from '../../src/util/errors.js';
import { testTempDir } from '../tmp.js';

const DIR = join(process.cwd(), 'fixtures', 'configs');
const load = (f: string) => readFileSync(join(DIR, f), 'utf8');
const ids = (r: ConfigReport) => r.findings.map((f) => `${f.id}:${f.vdom ?? ''}:${f.policyIds.join(',')}`);

test('7.2 with a VIP to the mail server and a custom profile with splice', () => {
  const r = analyzeConfig(load('fgt60f-7.2.8-vip-custom-splice.conf'), { mailServer: '10.10.20.25' });
  assert.equal(r.model, 'FGT60F');
  assert.equal(r.version, '7.2.8');
  assert.deepEqual(r.vdoms, []);
  // Policy 1 (LAN to Internet, dstaddr all) and 6 leave through wan1, not the mail server's interface.
  assert.deepEqual(r.smtpPolicies.map((p) => p.policyId), ['5', '7']);
  const p5 = r.smtpPolicies[0];
  assert.equal(p5.protocolOptions, 'PPO-Mail');
  assert.equal(p5.inspectionMode, 'proxy');
  assert.equal(p5.avProfile, 'AV-Mail');
  assert.equal(p5.spliceEnabled, true);
  assert.deepEqual(p5.smtpOptions, ['fragmail', 'oversize', 'splice']);
  assert.equal(r.smtpPolicies[1].spliceEnabled, false, 'no UTM on policy 7');
  assert.deepEqual(ids(r), ['config.splice-enabled::5', 'config.no-av-on-smtp::7']);
  assert.equal(r.findings[0].severity, 'high');
  assert.deepEqual(r.findings[0].profiles, ['PPO-Mail']);
  assert.ok(r.fix);
  assert.equal(r.fix.exact, true);
  assert.deepEqual(r.fix.commands, [
    'config firewall profile-protocol-options', 'edit "PPO-Mail"', 'config smtp', 'set options fragmail oversize', 'end', 'next', 'end',
  ]);
  // The same policy found from the outside address of the VIP.
  const ext = analyzeConfig(load('fgt60f-7.2.8-vip-custom-splice.conf'), { mailServer: '203.0.113.3' });
  assert.ok(ext.smtpPolicies.some((p) => p.policyId === '5' && p.spliceEnabled));
});

test('7.2 without a mail server: every SMTP-carrying accept policy', () => {
  const r = analyzeConfig(load('fgt60f-7.2.8-vip-custom-splice.conf'));
  assert.deepEqual(r.smtpPolicies.map((p) => p.policyId), ['1', '5', '6', '7']);
  assert.equal(r.smtpPolicies[0].inspectionMode, 'flow', '7.2 policy without inspection-mode is flow');
  assert.deepEqual(ids(r), ['config.splice-enabled::5', 'config.flow-based::1', 'config.no-av-on-smtp::6,7']);
});

test('6.4 with the default profile used implicitly', () => {
  const r = analyzeConfig(load('fgt100f-6.4.11-default-implicit.conf'), { mailServer: '172.16.10.20' });
  assert.equal(r.version, '6.4.11');
  assert.deepEqual(r.smtpPolicies.map((p) => p.policyId), ['3', '4']);
  const p3 = r.smtpPolicies[0];
  assert.equal(p3.protocolOptions, 'default');
  assert.equal(p3.defaultProfileAssumed, false, 'the default profile is in the backup');
  assert.equal(p3.spliceEnabled, true);
  assert.equal(r.smtpPolicies[1].inspectionMode, 'flow');
  assert.deepEqual(ids(r), ['config.splice-enabled::3', 'config.flow-based::4']);
  assert.equal(r.fix?.commands[1], 'edit "default"');
  assert.equal(r.fix?.commands[3], 'set options fragmail');
  assert.equal(r.fix?.exact, true);
});

test('default profile missing from the backup: splice assumed on, flagged, fix not exact', () => {
  const text = load('fgt100f-6.4.11-default-implicit.conf').replace(/config firewall profile-protocol-options[\s\S]*?\nend\n/, '');
  const r = analyzeConfig(text, { mailServer: '198.51.100.20' });
  const p3 = r.smtpPolicies.find((p) => p.policyId === '3');
  assert.ok(p3);
  assert.equal(p3.defaultProfileAssumed, true);
  assert.equal(p3.spliceEnabled, true);
  const f = r.findings.find((x) => x.id === 'config.splice-enabled');
  assert.equal(f?.severity, 'medium');
  assert.match(f!.message, /factory/);
  assert.equal(r.fix?.exact, false);
  assert.ok(r.fix?.notes.some((n) => n.includes('show firewall profile-protocol-options "default"')));
});

test('7.4 with VDOMs: findings per VDOM, fix wrapped in config vdom', () => {
  const r = analyzeConfig(load('fgt200f-7.4.3-vdoms.conf'), { mailServer: '10.50.0.25' });
  assert.deepEqual(r.vdoms, ['root', 'MAIL', 'GUEST']);
  assert.deepEqual(r.smtpPolicies.map((p) => `${p.vdom}/${p.policyId}`), ['root/10', 'MAIL/2']);
  assert.deepEqual(ids(r), ['config.no-av-on-smtp:root:10', 'config.splice-enabled:MAIL:2']);
  assert.deepEqual(r.fix?.commands, [
    'config vdom', 'edit "MAIL"', 'config firewall profile-protocol-options', 'edit "mail-proxy"', 'config smtp', 'unset options',
    'end', 'next', 'end', 'end',
  ]);
  const all = analyzeConfig(load('fgt200f-7.4.3-vdoms.conf'));
  assert.ok(ids(all).includes('config.splice-enabled:GUEST:1'));
  assert.equal(all.fix?.commands.filter((c) => c === 'config vdom').length, 2);
});

test('5.6 with profile-level proxy inspection', () => {
  const r = analyzeConfig(load('fgt60d-5.6.3-profile-proxy.conf'), { mailServer: '192.168.10.5' });
  assert.equal(r.version, '5.6');
  assert.deepEqual(r.smtpPolicies.map((p) => p.policyId), ['2']);
  assert.equal(r.smtpPolicies[0].inspectionMode, 'proxy');
  assert.equal(r.smtpPolicies[0].avProfile, 'mail-scan');
  assert.deepEqual(ids(r), ['config.splice-enabled::2']);
  // The same backup with the AV profile switched to flow-based: no splice.
  const flow = analyzeConfig(
    load('fgt60d-5.6.3-profile-proxy.conf').replace(/(edit "mail-scan"[\s\S]*?set inspection-mode) proxy/, '$1 flow-based'),
    { mailServer: '192.168.10.5' },
  );
  assert.deepEqual(ids(flow), ['config.flow-based::2']);
  assert.equal(flow.fix, undefined);
});

test('6.2 flow-based: no splice applies, no fix', () => {
  const r = analyzeConfig(load('fgt61e-6.2.15-flow.conf'), { mailServer: '10.1.1.10' });
  assert.deepEqual(ids(r), ['config.flow-based::4']);
  assert.equal(r.smtpPolicies[0].spliceEnabled, false);
  assert.equal(r.fix, undefined);
});

test('4.0 MR3 with protocol options and a predefined SMTP service', () => {
  const r = analyzeConfig(load('fgt80c-4.0mr3-protocol-options.conf'), { mailServer: '192.0.2.11' });
  assert.equal(r.version, '4.0 MR3');
  assert.deepEqual(r.smtpPolicies.map((p) => p.policyId), ['2']);
  assert.equal(r.fix?.versionFamily, '4.0MR2-MR3');
  assert.equal(r.fix?.commands[3], 'set options fragmail no-content-summary');
});

test('3.0 firewall profile (CRLF file)', () => {
  const r = analyzeConfig(load('fgt60-3.0-firewall-profile.conf'), { mailServer: '192.168.1.20' });
  assert.equal(r.version, '3.0');
  assert.deepEqual(r.smtpPolicies.map((p) => p.policyId), ['3']);
  assert.equal(r.smtpPolicies[0].protocolOptions, 'scan');
  assert.deepEqual(r.smtpPolicies[0].smtpOptions, ['fragmail', 'oversize', 'scan', 'splice']);
  assert.match(r.findings[0].message, /firewall profile "scan"/);
  assert.deepEqual(r.fix?.commands, ['config firewall profile', 'edit "scan"', 'set smtp fragmail oversize scan', 'end']);
});

test('no policy toward the mail server', () => {
  const r = analyzeConfig(load('fgt61e-6.2.15-flow.conf'), { mailServer: '10.9.9.9' });
  assert.deepEqual(ids(r), ['config.smtp-policy-not-found::']);
  assert.equal(r.fix, undefined);
});

test('truncated backup: finding with the line, policies read so far still checked', () => {
  const full = load('fgt60f-7.2.8-vip-custom-splice.conf');
  const cut = full.slice(0, full.indexOf('    edit 6'));
  const r = analyzeConfig(cut, { mailServer: '10.10.20.25' });
  assert.equal(r.findings[0].id, 'config.truncated');
  assert.match(r.findings[0].message, /line \d+/);
  assert.ok(r.smtpPolicies.some((p) => p.policyId === '5' && p.spliceEnabled));
});

test('no secrets from the backup ever reach the report', () => {
  for (const f of ['fgt60f-7.2.8-vip-custom-splice.conf', 'fgt100f-6.4.11-default-implicit.conf', 'fgt200f-7.4.3-vdoms.conf',
    'fgt60d-5.6.3-profile-proxy.conf', 'fgt61e-6.2.15-flow.conf', 'fgt80c-4.0mr3-protocol-options.conf', 'fgt60-3.0-firewall-profile.conf']) {
    const text = load(f);
    const secrets = [...text.matchAll(/set (?:password|passwd|psksecret|private-key|ssh-public-key1) (?:ENC )?"?([^"\r\n]+)/g)].map((m) => m[1]);
    assert.ok(secrets.length > 0, `${f} has secrets to test with`);
    for (const mail of [undefined, '10.10.20.25']) {
      const json = JSON.stringify(analyzeConfig(text, { mailServer: mail }));
      assert.ok(!json.includes('ENC '), f);
      assert.ok(!json.includes('FAKESECRET'), f);
      for (const s of secrets) assert.ok(!json.includes(s.slice(0, 16)), `${f}: secret leaked`);
    }
  }
});

test('configCommand: reads files, errors are InputError with a line', async () => {
  const r = await configCommand(join(DIR, 'fgt61e-6.2.15-flow.conf'), { mailServer: '10.1.1.10' });
  assert.equal(r.model, 'FGT61E');
  const dir = testTempDir('sd-config-');
  const bin = join(dir, 'enc.conf');
  writeFileSync(bin, Buffer.from([0x23, 0x0a, 0x0a, 0x00, 0x01]));
  await assert.rejects(configCommand(bin), (e: unknown) => e instanceof InputError && /line 3/.test(e.message) && e.offset === 3);
  const junk = join(dir, 'junk.conf');
  writeFileSync(junk, 'hello world\nthis is not a config\n');
  await assert.rejects(configCommand(junk), (e: unknown) => e instanceof InputError && /no FortiOS configuration/.test(e.message));
  await assert.rejects(configCommand(join(dir, 'missing.conf')), (e: unknown) => e instanceof InputError && /ENOENT/.test(e.message));
  await assert.rejects(configCommand(junk, { mailServer: 'mail.example' }), UsageError);
});

test('6.0 without a stated inspection mode: proxy assumed and said so', () => {
  const text = load('fgt61e-6.2.15-flow.conf').replace('FGT61E-6.2.15-FW-build1378', 'FGT61E-6.0.4-FW-build0231');
  const r = analyzeConfig(text, { mailServer: '10.1.1.10' });
  assert.equal(r.version, '6.0.4');
  assert.deepEqual(ids(r), ['config.splice-enabled::4', 'config.inspection-mode-assumed::4']);
  const noHeader = analyzeConfig(text.replace(/^#config-version=.*\n/, ''), { mailServer: '10.1.1.10' });
  assert.equal(noHeader.version, undefined);
  assert.ok(ids(noHeader).includes('config.inspection-mode-assumed::4'));
  assert.equal(noHeader.fix?.versionFamily, '5.x-7.x');
  assert.ok(noHeader.fix?.notes.some((n) => n.includes('2.50')), 'older-version note without a version');
  // VDOM-level flow setting (5.6/6.0).
  const flow = analyzeConfig(text.replace('config system interface', 'config system settings\n    set inspection-mode flow\nend\nconfig system interface'),
    { mailServer: '10.1.1.10' });
  assert.deepEqual(ids(flow), ['config.flow-based::4']);
});

test('show full-configuration pasted from an SSH log (prompts, pager marks, CRLF, empty values)', async () => {
  const r = await configCommand(join(DIR, 'fgt40f-7.0-show-full-configuration-paste.txt'), { mailServer: '10.20.0.10:25' });
  assert.equal(r.version, undefined);
  assert.deepEqual(r.smtpPolicies.map((p) => [p.policyId, p.protocolOptions, p.inspectionMode, p.spliceEnabled]), [['12', 'relay-in', 'proxy', true]]);
  assert.deepEqual(r.smtpPolicies[0].dstaddr, ['mx-internal']);
  assert.deepEqual(r.smtpPolicies[0].smtpOptions, ['oversize', 'splice']);
  assert.equal(r.findings.find((f) => f.id === 'config.truncated'), undefined);
  assert.deepEqual(r.fix?.commands.slice(1, 4), ['edit "relay-in"', 'config smtp', 'set options oversize']);
});

test('a VDOM backup of a multi-VDOM unit: the fix enters that VDOM', () => {
  const text = load('fgt61e-6.2.15-flow.conf')
    .replace(':vdom=0:user=admin', ':vdom=1:user=admin').replace('#global_vdom=1', '#global_vdom=0:vd_name=MAIL/MAIL')
    .replace('set service "SMTP"', 'set service "SMTP"\n        set inspection-mode proxy');
  const r = analyzeConfig(text, { mailServer: '10.1.1.10' });
  assert.deepEqual(r.vdoms, ['MAIL']);
  assert.equal(r.smtpPolicies[0].vdom, 'MAIL');
  assert.deepEqual(r.fix?.commands.slice(0, 3), ['config vdom', 'edit "MAIL"', 'config firewall profile-protocol-options']);
});
