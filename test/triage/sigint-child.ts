// Child process for the Ctrl-C test: runs triage with its own SIGINT handling. Does nothing without arguments
// (the test runner also loads every file under test/).

import { triage } from '../../src/commands/triage.js';
import { FAKE_ANALYZER } from './helpers.js';

const [corpus, resumeFile] = process.argv.slice(2);
if (corpus && resumeFile) {
  const r = await triage([corpus], {
    analyzerModule: FAKE_ANALYZER,
    analyzeOptions: { maxDelayMs: 80 },
    jobs: 2,
    resume: resumeFile,
    format: 'ndjson',
    quiet: true,
  });
  process.stdout.write(JSON.stringify({ interrupted: r.interrupted, rows: r.rows.length, exitCode: r.exitCode }) + '\n');
}
