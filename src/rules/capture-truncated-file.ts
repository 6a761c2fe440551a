// capture.truncated-file: the capture file is damaged or cut; only the packets before the damage were analysed.

import type { Rule } from './types.js';

export const captureTruncatedFile: Rule = {
  id: 'capture.truncated-file',
  revision: 1,
  title: 'Capture file damaged or cut short',
  defaultSeverity: 'warning',
  description:
    'Reading stopped at a damaged or cut record: the packets before it were analysed, anything after it is unknown.',
  evaluate(ctx) {
    const e = ctx.capture.error;
    if (!e) return [];
    const where = e.unit === 'line' ? `line ${e.offset}` : `byte offset ${e.offset}`;
    return [
      {
        confidence: 'high',
        message: `The capture file is damaged at ${where} (${e.message}); the ${ctx.capture.packets} packets before it were analysed.`,
        evidence: [{ frames: [], time: null, leg: 'capture', session: null, text: `${e.message} at ${where}` }],
        remediation: 'Send the original capture file again (not a copy cut by a mail or upload size limit); compress it with gzip or zip if it is large.',
        sessions: [],
        facts: { weakens: true },
      },
    ];
  },
};
