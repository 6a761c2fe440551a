// The timing chart's data against what the fixtures generated (splice on interleaves, splice off stores and forwards)
// and against hand-built dialogues with known times.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runPipeline } from '../../src/pipeline.js';
import { diagnose } from '../../src/analysis/analyze.js';
import { chartSeries, renderChartSvg } from '../../src/report/html/index.js';
import { chartWindow } from '../../src/report/chart/svg.js';
import { captureSummary, dialogue } from '../analysis/helpers.js';

const FIX = resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'scenarios');

interface Expected {
  name: string;
  file: string;
  verdict: string;
  scenario?: { splice?: boolean; kind?: string };
}

function fixtures(): Expected[] {
  if (!existsSync(FIX)) return [];
  return readdirSync(FIX)
    .filter((f) => f.endsWith('.expected.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(FIX, f), 'utf8')) as Expected)
    .filter((e) => existsSync(join(FIX, e.file)));
}

const near = (a: number, b: number, eps = 1e-6) => Math.abs(a - b) <= eps;

test('fixtures: splice on interleaves the legs, splice off starts the server leg after the client end-of-data', async () => {
  let streaming = 0;
  let buffered = 0;
  let interleaved = 0;
  for (const e of fixtures()) {
    const r = await runPipeline(join(FIX, e.file));
    const doc = diagnose(r);
    const c = chartSeries(doc, r.sessions);
    for (const l of c.legs) {
      for (let i = 1; i < l.points.length; i++) {
        assert.ok(l.points[i].bytes > l.points[i - 1].bytes, `${e.name}: ${l.label} bytes rise`);
        assert.ok(l.points[i].frame >= l.points[i - 1].frame, `${e.name}: ${l.label} frames ascend`);
        assert.ok(l.points[i].t >= l.points[i - 1].t, `${e.name}: ${l.label} time never goes back`);
      }
      for (const p of l.points) assert.ok(p.t >= 0, `${e.name}: times from the dialogue start are >= 0`);
      if (l.points.length) assert.ok(l.points[l.points.length - 1].bytes <= l.wireBytes, `${e.name}: last point within the wire bytes`);
      if (l.endOfData) assert.equal(l.endOfData.bytes, l.wireBytes);
    }
    const client = c.legs.find((l) => l.leg === 'client');
    const server = c.legs.find((l) => l.leg === 'server');
    if (!client?.points.length || !server?.points.length || e.scenario?.splice === undefined) continue;
    const clientEnd = client.endOfData ?? client.points[client.points.length - 1];
    if (e.scenario.splice) {
      streaming++;
      assert.equal(c.shape, 'streaming', e.name);
      // Server-leg bytes arrive while the client leg is still sending: the curves rise together.
      if (c.interleaved) {
        assert.ok(server.points[0].frame < clientEnd.frame, `${e.name}: server body starts before the client's end-of-data`);
        assert.ok(server.points[0].t <= clientEnd.t, `${e.name}: ...also by the clock`);
        interleaved++;
      } else {
        // Forwarded part of the message, then cut off.
        assert.equal(server.endOfData, null, `${e.name}: not interleaved, so the server leg must be cut off`);
        assert.ok(server.wireBytes < client.wireBytes, e.name);
      }
      assert.ok(server.points[0].t >= client.points[0].t, `${e.name}: FortiGate forwards what it received`);
    } else {
      buffered++;
      assert.equal(c.shape, 'buffered', e.name);
      assert.equal(c.interleaved, false, e.name);
      assert.ok(server.points[0].t >= clientEnd.t, `${e.name}: server leg starts after the client's end-of-data`);
      assert.ok(server.points[0].frame > clientEnd.frame, e.name);
    }
  }
  if (existsSync(FIX)) {
    assert.ok(streaming >= 5, `streaming fixtures checked: ${streaming}`);
    assert.ok(interleaved >= 5, `interleaved fixtures: ${interleaved}`);
    assert.ok(buffered >= 1, `buffered fixtures checked: ${buffered}`);
  }
});

test('fixtures: the abort and the FortiGate refusal are marked at the frames the splice.abort finding cites', async () => {
  let checked = 0;
  for (const e of fixtures().filter((x) => x.verdict === 'misconfigured')) {
    const r = await runPipeline(join(FIX, e.file));
    const doc = diagnose(r);
    const f = doc.findings.find((x) => x.ruleId === 'splice.abort');
    if (!f) continue;
    const cited = new Set(f.evidence.flatMap((x) => x.frames));
    const c = chartSeries(doc, r.sessions);
    const aborts = c.markers.filter((m) => m.kind === 'abort' && m.leg === 'server');
    assert.ok(aborts.length >= 1, `${e.name}: abort marked`);
    assert.ok(aborts.some((m) => cited.has(m.frame)), `${e.name}: abort frame ${aborts.map((m) => m.frame)} cited in ${[...cited]}`);
    const server = c.legs.find((l) => l.leg === 'server')!;
    assert.equal(server.endOfData, null, `${e.name}: the aborted server leg has no end-of-data`);
    const last = server.points[server.points.length - 1];
    if (last) assert.ok(aborts[0].t >= last.t, `${e.name}: the abort follows the last forwarded bytes`);
    const refusal = c.markers.find((m) => m.kind === 'refusal');
    if (c.legs.some((l) => l.leg === 'client')) {
      assert.ok(refusal, `${e.name}: refusal to the sender marked`);
      assert.match(refusal.label, /^refused to the sender: 5\d\d/);
    }
    checked++;
  }
  if (existsSync(FIX)) assert.ok(checked >= 8, `misconfigured fixtures checked: ${checked}`);
});

test('hand-built streaming dialogue: curves at the generated times', () => {
  const sessions = dialogue({ mode: 'streaming', virus: true, relay: 'accepted' });
  const doc = diagnose({ capture: captureSummary(), sessions });
  const c = chartSeries(doc, sessions);
  assert.equal(c.shape, 'streaming');
  const client = c.legs.find((l) => l.leg === 'client')!;
  const server = c.legs.find((l) => l.leg === 'server')!;
  const relay = c.legs.find((l) => l.leg === 'relay')!;
  assert.deepEqual(
    client.points.map((p) => [Number(p.t.toFixed(6)), p.bytes]),
    [
      [1.0, 1000],
      [1.1, 2000],
      [1.2, 3000],
      [1.3, 4000],
    ],
  );
  assert.ok(client.endOfData && near(client.endOfData.t, 1.4));
  assert.deepEqual(
    server.points.map((p) => [Number(p.t.toFixed(6)), p.bytes]),
    [
      [1.01, 1000],
      [1.11, 2000],
      [1.21, 3000],
    ],
  );
  assert.equal(server.endOfData, null);
  assert.ok(relay.points.length >= 3 && near(relay.points[0].t, 1.02));
  const abort = c.markers.find((m) => m.kind === 'abort' && m.leg === 'server')!;
  assert.ok(near(abort.t, 1.42), `abort at ${abort.t}`);
  assert.equal(abort.frame, sessions[1].transactions[0].abort!.ref.frame);
  assert.match(abort.label, /RST by FortiGate after 3000 body bytes/);
  const refusal = c.markers.find((m) => m.kind === 'refusal')!;
  assert.ok(near(refusal.t, 1.45));
  assert.match(refusal.label, /^refused to the sender: 554 /);
  // The window holds the body transfers, the abort and the refusal.
  const w = chartWindow(c);
  assert.ok(w.t0 < 1.0 && w.t1 > 1.45, JSON.stringify(w));
});

test('hand-built buffered dialogue: the server leg starts 0.5 s after the client end-of-data', () => {
  const sessions = dialogue({ mode: 'buffered', banner: 'mail.example ESMTP amavisd-new service ready' });
  const doc = diagnose({ capture: captureSummary(), sessions });
  const c = chartSeries(doc, sessions);
  assert.equal(c.shape, 'buffered');
  const client = c.legs.find((l) => l.leg === 'client')!;
  const server = c.legs.find((l) => l.leg === 'server')!;
  assert.ok(near(client.endOfData!.t, 1.4));
  assert.ok(near(server.points[0].t, 1.9), `server starts at ${server.points[0].t}`);
  assert.equal(server.points.at(-1)!.bytes, 4000);
  assert.equal(c.markers.filter((m) => m.kind === 'abort').length, 0);
  assert.ok(c.markers.some((m) => m.kind === 'accepted' && m.leg === 'server'));
});

test('one leg only: shape unknown, still a curve', () => {
  const sessions = dialogue({ mode: 'streaming', virus: true, legs: ['client'] });
  const doc = diagnose({ capture: captureSummary(), sessions });
  const c = chartSeries(doc, sessions);
  assert.equal(c.shape, 'unknown');
  assert.equal(c.legs.length, 1);
  assert.equal(c.legs[0].points.length, 4);
  const svg = renderChartSvg({ document: doc, sessions });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/);
  assert.match(svg, /class="curve l-client"/);
});

test('no SMTP: empty chart data and a chart that says so', () => {
  const doc = diagnose({ capture: captureSummary(), sessions: [] });
  const c = chartSeries(doc, []);
  assert.deepEqual(c.legs, []);
  const svg = renderChartSvg({ document: doc, sessions: [] });
  assert.match(svg, /no message body/);
});

test('headlines: the chart reads as the verdict does (splice on, off, refused before forwarding, mail side only)', async (t) => {
  if (!existsSync(FIX)) return t.skip('fixtures absent');
  const cases: Array<[string, RegExp]> = [
    ['at-risk-fgt-any-text-clean.txt', /Splice ON: the server leg receives the body while the sender is still sending/],
    ['healthy-splice-off-fgt-any-text.txt', /Splice OFF: the server leg starts only after/],
    ['healthy-buffered-virus-fgt-any-pcap.pcap', /never reached the server leg/],
    ['misconfigured-fgt-any-text-crlf-relative.txt', /forwarded part of the message, then cut the server leg off/],
    ['misconfigured-mail-any-relays.pcap', /Mail side: the message was cut off mid-body/],
    ['inconclusive-sender-554.pcapng', /Sender side only/],
  ];
  for (const [file, re] of cases) {
    if (!existsSync(join(FIX, file))) continue;
    const r = await runPipeline(join(FIX, file));
    const svg = renderChartSvg({ document: diagnose(r), sessions: r.sessions });
    assert.match(svg.split('\n')[1], re, file);
  }
});
