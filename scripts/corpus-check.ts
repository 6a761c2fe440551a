// Compares our reader with capinfos on every public capture (sniffer text against SOURCES.md counts); exits 1 on a mismatch.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readCapture } from '../src/capture/read.js';
import { InputError } from '../src/capture/types.js';
import { CORPUS, CORPUS_ROOT } from '../test/capture/corpus-expected.js';

interface Reference {
  packets: number | null;
  damaged: boolean;
  source: string;
}

function walk(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function capinfos(file: string): Reference | null {
  const r = spawnSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
  if (r.error) return null;
  const out = `${r.stdout}\n${r.stderr}`;
  const count = /Number of packets:\s+(\d+)/.exec(out);
  const after = /error occurred after reading (\d+) packets/.exec(out);
  const damaged = /damaged or corrupt|cut short|error occurred/.test(out);
  if (count) return { packets: Number(count[1]), damaged, source: 'capinfos' };
  if (after) return { packets: Number(after[1]), damaged: true, source: 'capinfos' };
  return { packets: null, damaged: true, source: `capinfos: ${out.trim().split('\n').pop()}` };
}

async function main(): Promise<number> {
  if (!existsSync(CORPUS_ROOT)) {
    console.log(`corpus not found at ${CORPUS_ROOT}: nothing to check`);
    return 0;
  }
  const haveCapinfos = !spawnSync('capinfos', ['-v'], { encoding: 'utf8' }).error;
  if (!haveCapinfos) console.log('capinfos not found (apt-get install tshark): comparing with the recorded table only');
  const table = new Map(CORPUS.map(([p, n, d]) => [p, { packets: n, damaged: d !== null }]));
  const files = walk(CORPUS_ROOT)
    .map((p) => relative(CORPUS_ROOT, p))
    .filter((p) => !p.endsWith('.md'))
    .sort();
  let bad = 0;
  const rows: string[][] = [['file', 'ours', 'reference', 'ours damaged', 'ref damaged', 'source', 'status']];
  for (const rel of files) {
    const file = join(CORPUS_ROOT, rel);
    let ours: number | null = null;
    let oursDamaged = false;
    let note = '';
    try {
      const s = await readCapture(file, () => {});
      ours = s.packets;
      oursDamaged = s.error !== null;
      if (s.error) note = `${s.error.unit} ${s.error.offset}: ${s.error.message}`;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      note = e.message;
      oursDamaged = true;
    }
    const isText = rel.startsWith('fortigate-sniffer-text/');
    let ref: Reference | null = !isText && haveCapinfos ? capinfos(file) : null;
    if (!ref) {
      const t = table.get(rel);
      ref = t ? { ...t, source: isText ? 'SOURCES.md' : 'recorded table' } : { packets: null, damaged: false, source: 'none' };
    }
    const ok = ref.packets === ours && ref.damaged === oursDamaged;
    if (!ok) bad++;
    rows.push([rel, String(ours ?? '-'), String(ref.packets ?? '-'), oursDamaged ? 'yes' : '', ref.damaged ? 'yes' : '', ref.source, ok ? 'ok' : 'MISMATCH']);
    if (note && (!ok || oursDamaged)) rows.push(['', '', '', '', '', '', `  ${note}`]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.filter((r) => r[i] !== undefined && !r[6]?.startsWith('  ')).map((r) => r[i].length)));
  for (const r of rows) {
    if (r[6]?.startsWith('  ')) console.log(r[6]);
    else console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  }
  console.log(`\n${files.length} files, ${files.length - bad} agree, ${bad} mismatch${bad === 1 ? '' : 'es'}`);
  return bad ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
