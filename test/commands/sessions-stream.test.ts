// The streamed sessions pass (sessions on the command line, the bench) equals the retained one, session for session.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { randomScenario } from '../../fixtures/gen/scenarios.js';
import { sessions, sessionsStream } from '../../src/commands/sessions.js';
import { sessionJson, sessionsJson, sessionsJsonWriter } from '../../src/report/sessions-text.js';
import { queueState } from '../../src/smtp/mime-pool.js';
import type { SmtpSession } from '../../src/smtp/types.js';
import { safeJson } from '../../src/util/json.js';

const SCENARIOS = fileURLToPath(new URL('../../../fixtures/scenarios/', import.meta.url));
const PUBLIC = fileURLToPath(new URL('../../../../shared/captures/public/', import.meta.url));

async function compare(path: string): Promise<number> {
  const kept = await sessions(path);
  const streamed: SmtpSession[] = [];
  const r = await sessionsStream(path, {}, (s) => streamed.push(s));
  assert.equal(r.count, kept.sessions.length, path);
  assert.deepEqual(streamed.map(sessionJson), kept.sessions.map(sessionJson), path);
  let text = '';
  const w = sessionsJsonWriter((t) => (text += t));
  for (const s of streamed) w.add(s);
  w.end();
  assert.equal(text, `${safeJson(sessionsJson(kept))}\n`, path);
  return streamed.length;
}

describe('sessionsStream', () => {
  it('gives the sessions of every committed scenario in the same order, numbered the same', async () => {
    let n = 0;
    for (const f of readdirSync(SCENARIOS).filter((f) => !f.endsWith('.json')).sort()) n += await compare(join(SCENARIOS, f));
    assert.ok(n > 40);
  });

  it('does so on random scenarios too (proxy legs that close out of order, notifications, non-SMTP traffic)', async () => {
    const dir = join(tmpdir(), `splice-doctor-stream-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const stored = queueState().slotsStored;
    try {
      for (let seed = 7000; seed < 7030; seed++) {
        for (const file of randomScenario(seed).files) {
          const p = join(dir, `${seed}-${file.name}`);
          writeFileSync(p, file.bytes);
          await compare(p);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Messages went through the shared slots (delivered, aborted, cut by the capture's end), and every slot came back.
    assert.ok(queueState().slotsStored - stored >= 20, `${queueState().slotsStored - stored} chunks in slots`);
    assert.deepEqual({ ...queueState(), slotsStored: 0 }, { queued: 0, deferred: 0, slotsInUse: 0, slotsStored: 0 });
  });

  it('does so on the public captures', { skip: !existsSync(PUBLIC) && 'no ../shared/captures/public' }, async () => {
    const files = (readdirSync(PUBLIC, { recursive: true }) as string[]).map((f) => join(PUBLIC, f)).filter((f) => statSync(f).isFile() && !f.endsWith('.md'));
    for (const f of files) {
      try {
        await compare(f);
      } catch (e) {
        // Files that are not captures fail the same way in both passes; anything else is a real difference.
        if (e instanceof assert.AssertionError) throw e;
      }
    }
  });

  it('writes `{ "sessions": [] }` for a capture without SMTP, as the whole document would', () => {
    let text = '';
    const w = sessionsJsonWriter((t) => (text += t));
    w.end();
    assert.equal(text, `${safeJson({ sessions: [] })}\n`);
  });
});
