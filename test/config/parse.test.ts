// FortiOS configuration reader: structure, quoting, VDOMs, damage.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, get1, parseConfig, parseHeader, table, vdomScopes } from '../../src/config/parse.js';

test('nested config/edit/next/end with quoted and multi-value sets', () => {
  const c = parseConfig(
    [
      '#config-version=FGT60F-7.2.8-FW-build1639-240313:opmode=0:vdom=0:user=admin',
      '#conf_file_ver=123',
      'config firewall policy',
      '    edit 5',
      '        set name "Inbound \\"SMTP\\" \\\\ in"',
      '        set srcintf "wan1" "wan2"',
      '        set service SMTP',
      '        unset comments',
      '    next',
      'end',
      'config firewall profile-protocol-options',
      '    edit "default"',
      '        config smtp',
      '            set options fragmail splice',
      '        end',
      '    next',
      'end',
      '',
    ].join('\n'),
  );
  assert.equal(c.error, null);
  assert.deepEqual(c.header && { model: c.header.model, version: c.header.version, build: c.header.build, vdom: c.header.vdomMode },
    { model: 'FGT60F', version: '7.2.8', build: 1639, vdom: false });
  const pol = table(c.root, 'firewall policy').get('5');
  assert.ok(pol);
  assert.equal(get1(pol, 'name'), 'Inbound "SMTP" \\ in');
  assert.deepEqual(get(pol, 'srcintf'), ['wan1', 'wan2']);
  assert.ok(pol.unset.has('comments'));
  assert.equal(pol.line, 4);
  const ppo = table(c.root, 'firewall profile-protocol-options').get('default');
  assert.deepEqual(get(ppo!.configs[0], 'options'), ['fragmail', 'splice']);
});

test('multi-line quoted values cannot break the block structure', () => {
  const text = [
    'config system replacemsg mail "email-av-fail"',
    '    set buffer "virus found',
    'end',
    'config firewall policy',
    '"',
    'end',
    'config firewall policy',
    '    edit 1',
    '        set action accept',
    '    next',
    'end',
  ].join('\n');
  const c = parseConfig(text);
  assert.equal(c.error, null);
  assert.equal(table(c.root, 'firewall policy').size, 1);
  assert.equal(c.root.configs.length, 2);
});

test('CRLF, BOM, comments and pager marks', () => {
  const text = '\ufeff#config-version=FGT60-3.00-FW-build0400-061221:opmode=0\r\n# a comment\r\nconfig firewall profile\r\n    edit "scan"\r\n--More-- \r        set smtp scan splice\r\n    next\r\nend\r\n';
  const c = parseConfig(text);
  assert.equal(c.error, null);
  assert.equal(c.header?.version, '3.00');
  assert.equal(c.header?.build, 400);
  assert.deepEqual(get(table(c.root, 'firewall profile').get('scan'), 'smtp'), ['scan', 'splice']);
});

test('show full-configuration paste with a prompt line', () => {
  const c = parseConfig('FGT60F # show full-configuration firewall policy\nconfig firewall policy\n    edit 1\n        set action accept\n    next\nend\nFGT60F # ');
  assert.equal(c.error, null);
  assert.equal(c.header, undefined);
  assert.equal(table(c.root, 'firewall policy').size, 1);
  assert.ok(c.skipped >= 1);
});

test('truncated file: error with a line number, tree keeps what was read', () => {
  const text = 'config firewall address\n    edit "a"\n        set subnet 10.0.0.1 255.255.255.255\n    next\nend\nconfig firewall policy\n    edit 1\n        set action accept\n    next\n    edit 2\n        set name "cut';
  const c = parseConfig(text);
  assert.ok(c.error);
  assert.equal(c.error.line, 11);
  assert.match(c.error.message, /line 11/);
  assert.equal(table(c.root, 'firewall policy').size, 2);
  assert.equal(table(c.root, 'firewall address').size, 1);
  const d = parseConfig('config firewall policy\n    edit 1\n        set action accept\n');
  assert.ok(d.error);
  assert.match(d.error.message, /open block/);
  assert.equal(d.error.line, 3);
  assert.equal(table(d.root, 'firewall policy').size, 1);
});

test('stray end and next are reported, parsing continues', () => {
  const c = parseConfig('end\nconfig firewall policy\n    edit 1\n    next\nend\n');
  assert.equal(c.error?.line, 1);
  assert.equal(table(c.root, 'firewall policy').size, 1);
});

test('VDOM scopes merge the repeated config vdom blocks; config global stays apart', () => {
  const text = [
    '#config-version=FG200F-7.4.3-FW-build2573-240201:opmode=0:vdom=1:user=admin',
    'config vdom', 'edit root', 'next', 'edit MAIL', 'next', 'end',
    'config global', 'config system global', '    set hostname "x"', 'end', 'end',
    'config vdom', 'edit root', 'config firewall policy', '    edit 1', '    next', 'end', 'next', 'end',
    'config vdom', 'edit MAIL', 'config firewall policy', '    edit 2', '    next', 'end', 'next', 'end',
  ].join('\n');
  const c = parseConfig(text);
  assert.equal(c.error, null);
  assert.equal(c.header?.vdomMode, true);
  const scopes = vdomScopes(c);
  assert.deepEqual(scopes.map((s) => s.vdom), ['root', 'MAIL']);
  assert.deepEqual([...table(scopes[1].node, 'firewall policy').keys()], ['2']);
});

test('header variants', () => {
  assert.deepEqual(
    { ...parseHeader('#config-version=FG3K8A-4.00-FW-build099-090407:opmode=1:vdom=1:user=admin\n') },
    { raw: 'FG3K8A-4.00-FW-build099-090407', model: 'FG3K8A', version: '4.00', build: 99, opmode: 'transparent', vdomMode: true },
  );
  assert.equal(parseHeader('#config-version=FGT1KD-5.6.2-FW-build1486-170816:opmode=0')?.version, '5.6.2');
  assert.equal(parseHeader('config system global\n'), undefined);
});
