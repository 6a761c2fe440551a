// Renders replay lines for a terminal: relative time, direction, escaped text, frame number.

import type { ReplayedSession, ReplayLine } from '../commands/replay.js';
import { escapeTerminal } from '../util/escape.js';
import { relative } from '../util/time.js';

function endpoint(e: { ip: string; port: number }): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

export function replayHeader(s: ReplayedSession): string {
  const iface = s.interfaceName ? ` on ${escapeTerminal(s.interfaceName)}` : '';
  return `== session ${s.id}: ${endpoint(s.client)} -> ${endpoint(s.server)}${iface}`;
}

export function replayLine(s: ReplayedSession, l: ReplayLine): string {
  const dir = l.dir === '-' ? '  ' : `${l.dir}:`;
  return `${relative(s.start, l).padStart(13)}  ${dir} ${escapeTerminal(l.text)}  [#${l.frame}]`;
}
