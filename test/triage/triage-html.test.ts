// `triage --format html` (triageHtml): the summary table as usual, an index page, and one report per analysed capture,
// zip members included; errors are listed without a report. Skips when the scenario fixtures are absent.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { triageHtml } from '../../src/commands/triage-html.js';
import { UsageError } from '../../src/util/errors.js';
import { Sink, put, tempDir, zipBytes } from './helpers.js';

const SCENARIOS = fileURLToPath(new URL('../../../fixtures/scenarios/', import.meta.url));

describe('triage --format html', { skip: existsSync(SCENARIOS) ? false : 'fixtures/scenarios absent' }, () => {
  it('writes an index and one report per capture that was analysed, zip members included', async () => {
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.pcap')).sort().slice(0, 3);
    const root = tempDir();
    files.slice(0, 2).forEach((f) => copyFileSync(join(SCENARIOS, f), join(root, f)));
    put(root, 'junk.pcap', 'not a capture\n');
    put(root, 'T9.zip', zipBytes([{ name: files[2], data: readFileSync(join(SCENARIOS, files[2])), deflate: true }]));
    const out = join(tempDir(), 'report');
    const table = new Sink();
    const { result, written } = await triageHtml([root], { jobs: 1, quiet: true, handleSigint: false, stdout: table as unknown as NodeJS.WritableStream }, out);
    assert.equal(result.rows.length, 4);
    assert.equal(result.rows.filter((r) => r.verdict === 'error').length, 1);
    // Three captures analysed, three reports; the junk file is only a row of the index.
    assert.equal(written.reports.length, 3);
    for (const f of written.reports) assert.match(readFileSync(f, 'utf8'), /^<!doctype html>/i);
    const index = readFileSync(written.index, 'utf8');
    assert.equal((index.match(/href="reports\//g) ?? []).length, 3);
    assert.match(index, /junk\.pcap/);
    assert.match(table.text, /junk\.pcap/, 'the summary table still goes to stdout');
  });

  it('needs a folder', async () => {
    await assert.rejects(triageHtml(['x'], { quiet: true }, undefined), (e: Error) => e instanceof UsageError && /--output DIR/.test(e.message));
  });
});
