// Verdicts on hand-built dialogues: every combination the issue names, with the rules expected to fire.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../src/analysis/analyze.js';
import type { AnalysisDocument } from '../../src/analysis/types.js';
import { parseHostSpec } from '../../src/topology/match.js';
import { buildSessions, captureSummary, dialogue, MX, SENDER, FGT_LAN, FGT_WAN, type DialogueOpts } from './helpers.js';

function run(o: DialogueOpts, over: Parameters<typeof diagnose>[1] = {}): AnalysisDocument {
  return diagnose({ capture: captureSummary(), sessions: dialogue(o) }, over);
}

function rules(d: AnalysisDocument): string[] {
  return [...new Set(d.findings.map((f) => f.ruleId))].sort();
}

const cases: Array<{ name: string; o: DialogueOpts; verdict: string; confidence: string; rules: string[]; over?: Parameters<typeof diagnose>[1] }> = [
  {
    name: 'splice abort, host AV relays a cleaned copy onward',
    o: { mode: 'streaming', virus: true, relay: 'accepted' },
    verdict: 'misconfigured',
    confidence: 'high',
    rules: ['hostav.acted-on-abort', 'hostav.proxy', 'splice.abort', 'splice.streaming'],
  },
  {
    name: 'splice abort to a plain MTA',
    o: { mode: 'streaming', virus: true },
    verdict: 'healthy',
    confidence: 'high',
    rules: ['splice.abort', 'splice.streaming'],
  },
  {
    name: 'splice streaming into amavisd-new, no virus',
    o: { mode: 'streaming', banner: 'mail.example ESMTP amavisd-new service ready' },
    verdict: 'at-risk',
    confidence: 'high',
    rules: ['hostav.proxy', 'splice.streaming'],
  },
  {
    name: 'buffered into amavisd-new',
    o: { mode: 'buffered', banner: 'mail.example ESMTP amavisd-new service ready' },
    verdict: 'healthy',
    confidence: 'high',
    rules: ['hostav.proxy', 'splice.buffered'],
  },
  {
    name: 'buffered, virus refused, never reaches the server leg',
    o: { mode: 'buffered', virus: true, banner: 'clamsmtp' },
    verdict: 'healthy',
    confidence: 'high',
    rules: ['hostav.proxy', 'splice.buffered'],
  },
  {
    name: 'FIN half-close answered by the host AV (F-Secure)',
    o: { mode: 'streaming', virus: true, abortHow: 'fin', virusReplyAfterFin: 'Infected by EICAR_Test_File' },
    verdict: 'misconfigured',
    confidence: 'high',
    rules: ['hostav.acted-on-abort', 'hostav.proxy', 'splice.abort', 'splice.streaming'],
  },
  {
    name: 'abort into an AV banner, host AV honours it (no action seen)',
    o: { mode: 'streaming', virus: true, banner: 'mail.example ESMTP amavisd-new service ready' },
    verdict: 'misconfigured',
    confidence: 'medium',
    rules: ['hostav.proxy', 'splice.abort', 'splice.streaming'],
  },
  {
    name: 'abort honoured down the relay leg',
    o: { mode: 'streaming', virus: true, relay: 'aborted' },
    verdict: 'misconfigured',
    confidence: 'medium',
    rules: ['hostav.proxy', 'splice.abort', 'splice.streaming'],
  },
  {
    name: 'mail server capture: server leg and loopback relay only',
    o: { mode: 'streaming', virus: true, relay: 'accepted', legs: ['server', 'relay'] },
    verdict: 'misconfigured',
    confidence: 'high',
    rules: ['capture.one-leg-only', 'hostav.acted-on-abort', 'hostav.proxy', 'splice.abort'],
  },
  {
    name: "sender's side only, FortiGate refused the message",
    o: { mode: 'streaming', virus: true, legs: ['client'] },
    verdict: 'inconclusive',
    confidence: 'medium',
    rules: ['capture.one-leg-only'],
  },
  {
    name: 'virus notification from the mail server after the abort (ClamSMTP)',
    o: { mode: 'streaming', virus: true, notification: true, banner: 'clamsmtp' },
    verdict: 'misconfigured',
    confidence: 'high',
    rules: ['hostav.acted-on-abort', 'hostav.proxy', 'splice.abort', 'splice.streaming'],
  },
  {
    name: 'NAT mode splice abort with relay',
    o: { mode: 'streaming', virus: true, relay: 'accepted', transparent: false },
    verdict: 'misconfigured',
    confidence: 'high',
    rules: ['hostav.acted-on-abort', 'hostav.proxy', 'splice.abort', 'splice.streaming'],
  },
  {
    name: 'product name only (Sophos) with streaming: a hint, not proof',
    o: { mode: 'streaming', banner: 'mail.example ESMTP Sophos Email Appliance' },
    verdict: 'healthy',
    confidence: 'medium',
    rules: ['hostav.proxy', 'splice.streaming'],
  },
  {
    name: '--host-av stated by the user',
    o: { mode: 'streaming' },
    verdict: 'at-risk',
    confidence: 'high',
    rules: ['hostav.proxy', 'splice.streaming'],
    over: { overrides: { hostAv: parseHostSpec(`${MX}:25`) } },
  },
];

for (const c of cases) {
  test(`verdict: ${c.name}`, () => {
    const d = run(c.o, c.over);
    assert.deepEqual({ verdict: d.verdict, confidence: d.confidence, rules: rules(d) }, { verdict: c.verdict, confidence: c.confidence, rules: c.rules });
  });
}

test('no SMTP sessions: no-smtp, exit 0', () => {
  const d = diagnose({ capture: captureSummary(), sessions: [] });
  assert.equal(d.verdict, 'no-smtp');
  assert.equal(d.exitCode, 0);
  assert.equal(d.findings.length, 0);
});

test('STARTTLS before any transaction: inconclusive with capture advice', () => {
  const sessions = buildSessions([
    { id: 1, client: `${SENDER}:40000`, server: `${MX}:25`, start: 0, banner: 'mx ESMTP', tlsAt: 0.1, txs: [] },
  ]);
  const d = diagnose({ capture: captureSummary(), sessions });
  assert.equal(d.verdict, 'inconclusive');
  assert.equal(d.exitCode, 3);
  assert.ok(d.findings.some((f) => f.ruleId === 'capture.encrypted'));
  assert.equal(d.fix?.kind, 'capture-more');
  assert.ok(d.fix!.notes.some((n) => /STARTTLS/.test(n)));
});

test('misconfigured: the fix disables splice for the given version and profile', () => {
  const d = run({ mode: 'streaming', virus: true, relay: 'accepted' }, { fortios: '6.4.9', profile: 'mail-in' });
  assert.equal(d.exitCode, 1);
  assert.equal(d.fix?.kind, 'disable-splice');
  assert.ok(d.fix!.commands.includes('config firewall profile-protocol-options'));
  assert.ok(d.fix!.commands.some((c) => c.includes('"mail-in"')));
});

test('roles: transparent mode leaves the FortiGate IP unknown and says so', () => {
  const d = run({ mode: 'streaming', virus: true, relay: 'accepted' });
  assert.equal(d.roles.sender.ip, SENDER);
  assert.equal(d.roles.fortigate.ip, null);
  assert.match(d.roles.fortigate.evidence.join(' '), /transparent/);
  assert.equal(d.roles.hostAv.ip, MX);
  assert.equal(d.roles.mailServer.ip, '127.0.0.1');
  assert.equal(d.roles.mailServer.port, 10025);
});

test('roles: NAT mode names FortiGate by the inside address that opens the server leg', () => {
  const d = run({ mode: 'streaming', transparent: false });
  assert.equal(d.roles.fortigate.ip, FGT_LAN);
  assert.equal(d.roles.fortigate.source, 'inferred');
  assert.match(d.roles.fortigate.evidence.join(' '), new RegExp(FGT_WAN.replace(/\./g, '\\.')));
});

test('roles: a private client on a lone mail-side leg is FortiGate (NAT), and the sender is unknown', () => {
  const d = run({ mode: 'streaming', virus: true, relay: 'accepted', transparent: false, legs: ['server', 'relay'] });
  assert.equal(d.roles.fortigate.ip, FGT_LAN);
  assert.equal(d.roles.sender.ip, null);
});

test('roles: overrides win over inference', () => {
  const d = run({ mode: 'streaming', virus: true, relay: 'accepted' }, {
    overrides: { fortigate: parseHostSpec('192.0.2.1'), mailServer: parseHostSpec('[2001:db8::25]:2525') },
  });
  assert.deepEqual([d.roles.fortigate.ip, d.roles.fortigate.source], ['192.0.2.1', 'user']);
  assert.deepEqual([d.roles.mailServer.ip, d.roles.mailServer.port, d.roles.mailServer.source], ['2001:db8::25', 2525, 'user']);
});

test('findings: ids F1.. in order, critical first, evidence cites frames and legs', () => {
  const d = run({ mode: 'streaming', virus: true, relay: 'accepted' });
  assert.deepEqual(d.findings.map((f) => f.id), d.findings.map((_, i) => `F${i + 1}`));
  assert.equal(d.findings[0].severity, 'critical');
  const abort = d.findings.find((f) => f.ruleId === 'splice.abort')!;
  assert.ok(abort.evidence.every((e) => e.frames.length > 0 && e.time !== null && e.leg));
  assert.ok(abort.evidence.some((e) => e.leg === 'server leg' && /RST/.test(e.text)));
  assert.ok(abort.evidence.some((e) => e.leg === 'client leg' && /^554 /.test(e.text)));
});

test('document is deterministic', () => {
  const a = JSON.stringify(run({ mode: 'streaming', virus: true, relay: 'accepted', notification: true }));
  const b = JSON.stringify(run({ mode: 'streaming', virus: true, relay: 'accepted', notification: true }));
  assert.equal(a, b);
});
