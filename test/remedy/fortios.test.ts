// Remediation text: version parsing, command families, exact and inexact option lists, capture advice.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureAdvice, parseFortiosVersion, spliceFix, versionFamily } from '../../src/remedy/fortios.js';

test('parseFortiosVersion is forgiving', () => {
  const cases: Array<[string, string, string]> = [
    ['2.50', '2.50', '2.50'],
    ['2.5', '2.50', '2.50'],
    ['2.80', '2.80', '2.80'],
    ['3.0', '3.0', '3.0-4.0MR1'],
    ['3.00-b0400', '3.0', '3.0-4.0MR1'],
    ['4.0 MR1', '4.0 MR1', '3.0-4.0MR1'],
    ['4.0MR3', '4.0 MR3', '4.0MR2-MR3'],
    ['4.0 MR2', '4.0 MR2', '4.0MR2-MR3'],
    ['4.3', '4.0 MR3', '4.0MR2-MR3'],
    ['4.00-build0665', '4.0 MR3', '4.0MR2-MR3'],
    ['4.00-build099', '4.0 MR0', '3.0-4.0MR1'],
    ['5.2', '5.2', '5.x-7.x'],
    ['5.06', '5.6', '5.x-7.x'],
    ['5.6.3', '5.6.3', '5.x-7.x'],
    ['FortiOS 6.4', '6.4', '5.x-7.x'],
    ['v7.2.8,build1639', '7.2.8', '5.x-7.x'],
    ['v7.4.1', '7.4.1', '5.x-7.x'],
    ['FGT60F-7.2.8-FW-build1639-240313', '7.2.8', '5.x-7.x'],
    ['7', '7.0', '5.x-7.x'],
  ];
  for (const [raw, text, fam] of cases) {
    const v = parseFortiosVersion(raw);
    assert.ok(v, raw);
    assert.equal(v.text, text, raw);
    assert.equal(versionFamily(v), fam, raw);
  }
  assert.equal(parseFortiosVersion('banana'), undefined);
  assert.equal(parseFortiosVersion(''), undefined);
  assert.equal(parseFortiosVersion('4.0')?.mr, undefined);
});

test('2.50 and 2.80 forms', () => {
  assert.deepEqual(spliceFix({ fortios: '2.50' }).commands, ['set antivirus service SMTP splice disable']);
  assert.deepEqual(spliceFix({ fortios: '2.80' }).commands, ['config antivirus service smtp', 'set splice disable', 'end']);
  assert.equal(spliceFix({ fortios: '2.80' }).versionFamily, '2.80');
});

test('3.0 / 4.0 MR1: firewall profile with the smtp list minus splice', () => {
  const f = spliceFix({ fortios: '3.0', profile: 'scan', currentSmtpOptions: ['fragmail', 'oversize', 'scan', 'splice'] });
  assert.equal(f.versionFamily, '3.0-4.0MR1');
  assert.equal(f.exact, true);
  assert.deepEqual(f.commands, ['config firewall profile', 'edit "scan"', 'set smtp fragmail oversize scan', 'end']);
  const g = spliceFix({ fortios: '4.0 MR1', profile: 'strict' });
  assert.equal(g.exact, false);
  assert.ok(g.commands.includes('set smtp <current options without splice>'));
  assert.ok(g.notes.some((n) => n.includes('get firewall profile "strict"')));
  assert.ok(g.notes.some((n) => n.includes('`scan`')), 'warns not to drop scan');
  assert.deepEqual(spliceFix({ fortios: '3.0', profile: 'x', currentSmtpOptions: ['splice'] }).commands[2], 'unset smtp');
});

test('modern form with the exact options', () => {
  const f = spliceFix({ fortios: '7.2.8', profile: 'PPO-Mail', currentSmtpOptions: ['fragmail', 'oversize', 'splice'] });
  assert.equal(f.versionFamily, '5.x-7.x');
  assert.equal(f.exact, true);
  assert.deepEqual(f.commands, [
    'config firewall profile-protocol-options',
    'edit "PPO-Mail"',
    'config smtp',
    'set options fragmail oversize',
    'end',
    'next',
    'end',
  ]);
  assert.match(f.tradeOff, /holds each message until/);
  assert.match(f.tradeOff, /oversize/);
  assert.equal(spliceFix({ fortios: '4.0MR3', profile: 'default', currentSmtpOptions: ['fragmail', 'splice'] }).versionFamily, '4.0MR2-MR3');
});

test('empty list after removing splice uses unset options', () => {
  const f = spliceFix({ fortios: '6.4', profile: 'p', currentSmtpOptions: ['splice'] });
  assert.equal(f.commands[3], 'unset options');
  assert.ok(f.notes.some((n) => n.includes('unset options')));
});

test('splice already off: no commands', () => {
  const f = spliceFix({ fortios: '7.0', profile: 'p', currentSmtpOptions: ['fragmail'] });
  assert.deepEqual(f.commands, []);
  assert.ok(f.notes.some((n) => n.includes('already off')));
});

test('no options known: read first, factory list minus splice, not exact', () => {
  const f = spliceFix({ fortios: '6.4', profile: 'mail' });
  assert.equal(f.exact, false);
  assert.equal(f.commands[3], 'set options fragmail');
  assert.ok(f.notes.some((n) => n.includes('show firewall profile-protocol-options "mail"')));
});

test('no version and no profile: modern form, default assumed, older versions noted', () => {
  const f = spliceFix({});
  assert.equal(f.versionFamily, '5.x-7.x');
  assert.equal(f.commands[1], 'edit "default"');
  assert.ok(f.notes.some((n) => n.includes('`default` is assumed')));
  assert.ok(f.notes.some((n) => n.includes('2.50') && n.includes('config firewall profile')));
  const g = spliceFix({ fortios: '4.0', profile: 'default' });
  assert.equal(g.versionFamily, '4.0MR2-MR3');
  assert.ok(g.notes.some((n) => n.includes('MR0 or MR1')));
});

test('profile names are quoted with escapes, VDOM wrap', () => {
  const f = spliceFix({ fortios: '7.4', profile: 'mail "in"\\x', currentSmtpOptions: ['splice', 'fragmail'], vdom: 'MAIL' });
  assert.deepEqual(f.commands.slice(0, 4), ['config vdom', 'edit "MAIL"', 'config firewall profile-protocol-options', 'edit "mail \\"in\\"\\\\x"']);
  assert.equal(f.commands.at(-1), 'end');
  assert.equal(f.commands.length, 10);
});

test('captureAdvice: sniffer and tcpdump commands', () => {
  const a = captureAdvice({ missing: ['server-leg', 'relay-leg'], mailServer: '10.0.0.25', sender: '198.51.100.7' });
  assert.ok(a.commands.includes("diagnose sniffer packet any 'host 10.0.0.25 and port 25' 6 0 a"));
  assert.ok(a.commands.includes("tcpdump -i any -s 0 -w mail.pcap 'port 25 or port 10025 or port 10026 or port 2525'"));
  assert.ok(a.notes.some((n) => n.includes('verbose 6') && n.includes('absolute UTC')));
  const b = captureAdvice({ missing: ['client-leg', 'server-leg'], mailServer: '10.0.0.25', sender: '198.51.100.7', port: 587 });
  assert.equal(b.commands[0], "diagnose sniffer packet any '(host 10.0.0.25 or host 198.51.100.7) and port 587' 6 0 a");
  assert.ok(b.commands[1].includes('port 587 or port 25 or port 10025'));
  const c = captureAdvice({ missing: ['cleartext'] });
  assert.equal(c.commands.length, 0);
  assert.ok(c.notes.some((n) => n.includes('STARTTLS')));
  assert.ok(c.notes.some((n) => n.includes('ssl-ssh-profile')));
  const d = captureAdvice({ missing: ['server-leg'] });
  assert.ok(d.commands[0].includes('<mail-server-ip>'));
});
