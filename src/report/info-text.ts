// capinfos-like text for `info`: aligned "key: value" lines, one block per capture.

import type { InfoResult } from '../commands/info.js';
import { escapeTerminal } from '../util/escape.js';

const FORMAT_NAMES: Record<string, string> = {
  pcap: 'pcap (microsecond timestamps)',
  'pcap-nsec': 'pcap (nanosecond timestamps)',
  'pcap-modified': 'pcap, modified (Kuznetzov) variant',
  pcapng: 'pcapng',
  'fortigate-sniffer': 'FortiGate sniffer text',
};

function block(r: InfoResult): string {
  const rows: Array<[string, string]> = [['File name', escapeTerminal(r.path)]];
  if (r.format === null) {
    rows.push(['Error', escapeTerminal(r.error?.message ?? 'unreadable')]);
  } else {
    let fmt = FORMAT_NAMES[r.format] ?? r.format;
    if (r.format === 'fortigate-sniffer' && r.timestampKind === 'relative') fmt += ' (relative timestamps)';
    if (r.gzip) fmt += ', gzip-compressed';
    rows.push(['File format', fmt]);
    rows.push(['Packets', String(r.packets)]);
    rows.push(['Link types', r.linkTypes.map((l) => `${l.name} (${l.linkType})`).join(', ') || '-']);
    const ifaces = r.interfaces.map((i) => `${i.index}${i.name ? ` ${escapeTerminal(i.name)}` : ''} (link type ${i.linkType})`);
    rows.push(['Interfaces', ifaces.length ? ifaces.join(', ') : '-']);
    rows.push(['First packet time', r.firstTimestamp ?? 'n/a']);
    rows.push(['Last packet time', r.lastTimestamp ?? 'n/a']);
    rows.push(['Duration', r.durationSeconds === null ? 'n/a' : `${r.durationSeconds.toFixed(6)} seconds`]);
    rows.push(['TCP connections', String(r.tcpConnections)]);
    rows.push(['Captured bytes', String(r.bytes)]);
    rows.push(['File size', `${r.fileBytes} bytes`]);
    rows.push(['SHA256', r.sha256 ?? 'n/a']);
    const skipped = Object.entries(r.skipped).filter(([k]) => !k.startsWith('decode: '));
    if (skipped.length) rows.push(['Passed over', skipped.map(([k, v]) => `${v} ${k}`).join(', ')]);
    if (r.error) {
      const where = r.error.offset === undefined ? '' : ` (at ${r.error.unit === 'line' ? 'line' : 'byte offset'} ${r.error.offset})`;
      rows.push(['Damaged', `${escapeTerminal(r.error.message)}${where}; the packets before it were read`]);
    }
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${(k + ':').padEnd(width)}${v}`).join('\n');
}

/** All captures, separated by a blank line; ends with a newline. */
export function renderInfoText(results: InfoResult[]): string {
  return results.map(block).join('\n\n') + '\n';
}
