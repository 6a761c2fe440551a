// SMTP event catalogue: every protocol anomaly, TCP fact and limit the session parser can report (data, not code).

import type { SmtpEvent } from './types.js';

export interface SmtpEventSpec {
  name: string;
  kind: SmtpEvent['kind'];
  description: string;
}

export const SMTP_EVENTS: readonly SmtpEventSpec[] = [
  { name: 'reply-without-command', kind: 'anomaly', description: 'A server reply arrived while no command was waiting for one.' },
  { name: 'invalid-reply', kind: 'anomaly', description: 'A server line did not start with a three-digit reply code, or a multi-line reply changed its code.' },
  { name: 'line-too-long', kind: 'anomaly', description: 'A command or reply line exceeded limits.maxLineBytes; it was truncated.' },
  { name: 'bare-lf', kind: 'anomaly', description: 'A command or reply line ended with a bare LF instead of CRLF.' },
  { name: 'binary-data', kind: 'anomaly', description: 'A command or reply line contained control characters or NUL bytes.' },
  { name: 'unknown-command', kind: 'anomaly', description: 'The client sent a command verb that is not a known SMTP/ESMTP/LMTP command.' },
  { name: 'invalid-bdat', kind: 'anomaly', description: 'A BDAT command without a valid chunk size (RFC 3030: BDAT <digits> [LAST]); the following bytes are read as commands.' },
  { name: 'bdat-too-long', kind: 'limit', description: 'A BDAT chunk size beyond 2^53-1; it is followed as a chunk but never allocated.' },
  { name: 'data-after-quit', kind: 'anomaly', description: 'The client sent more bytes after its QUIT command.' },
  { name: 'gap-in-data', kind: 'anomaly', description: 'Bytes missing from the capture inside a message body (DATA or BDAT); the message is cut there.' },
  { name: 'no-greeting', kind: 'anomaly', description: 'The connection start was captured but the first server reply is not a greeting (220, 421 or 554).' },
  { name: 'command-before-greeting', kind: 'anomaly', description: 'The client sent a command before the server greeting.' },
  { name: 'reply-during-data', kind: 'anomaly', description: 'The server replied while the client was still sending a DATA body (the server gave up on the body).' },
  { name: 'data-without-354', kind: 'anomaly', description: 'The client sent body bytes after DATA without a captured 354 reply; they were read as the body.' },
  { name: 'pipelining-overflow', kind: 'limit', description: 'More than 1024 commands awaited replies; the oldest were dropped from the reply queue.' },
  { name: 'unterminated-line', kind: 'info', description: 'The stream ended in the middle of a line; the partial line was used.' },
  { name: 'one-sided', kind: 'info', description: 'Only one direction of the connection carried SMTP bytes in the capture.' },
  { name: 'preamble', kind: 'info', description: 'SMTP started after a proxy preamble (HTTP CONNECT or SOCKS); the preamble was skipped.' },
  { name: 'starttls', kind: 'info', description: 'The server accepted STARTTLS; from its first TLS record on, each direction is counted, not parsed.' },
  { name: 'plaintext-after-starttls', kind: 'info', description: 'After the 220 to STARTTLS the client went on in plain text (a decrypted capture, or a client ignoring TLS); parsing continues.' },
  { name: 'tls', kind: 'info', description: 'TLS bytes (a ClientHello) where SMTP commands were expected (implicit TLS); not parsed further.' },
  { name: 'started-in-data', kind: 'info', description: 'The capture started inside a message body (no SYN, no greeting): a DATA transaction with an unknown envelope was assumed; no hash or MIME facts.' },
  { name: 'resync-after-gap', kind: 'info', description: 'After a gap inside a body, a server reply showed where the body ended; parsing resumed there.' },
  { name: 'mime-parse-error', kind: 'anomaly', description: 'The MIME parser failed on the retained message bytes; header fields are missing.' },
  { name: 'limit-message-bytes', kind: 'limit', description: 'A message was larger than limits.maxMessageBytes; only its start was kept for MIME parsing.' },
  { name: 'events-suppressed', kind: 'limit', description: 'An event name occurred more than 100 times in a session; later occurrences were counted only.' },
  { name: 'tcp-gap', kind: 'tcp', description: 'The capture missed bytes of this direction (reassembly gap).' },
  { name: 'tcp-fin', kind: 'tcp', description: 'A FIN closed this direction.' },
  { name: 'tcp-rst', kind: 'tcp', description: 'A RST reset the connection.' },
];

export const SMTP_EVENT_BY_NAME: ReadonlyMap<string, SmtpEventSpec> = new Map(SMTP_EVENTS.map((e) => [e.name, e]));
