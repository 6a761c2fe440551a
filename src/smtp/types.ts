// SMTP stage contract: reassembled streams become sessions, transactions and messages (neutral facts, no judgement).

import type { ConnectionStats, Endpoint, SegmentRef } from '../reassembly/types.js';

export interface SmtpCommand {
  /** Upper-cased verb ('EHLO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'AUTH', 'STARTTLS', ...), or 'UNKNOWN'. */
  verb: string;
  /** Argument text with AUTH secrets replaced by '[redacted]'; never raw credentials. */
  args: string;
  frame: number;
  tsSec: number;
  tsNsec: number;
  /** Stream offset of the command's first byte in the client direction. */
  offset: number;
  /** Index in `replies` of the reply that answered it, if any. */
  replyIndex?: number;
}

export interface SmtpReply {
  code: number;
  /** The reply's lines without the code and separator; a multi-line reply is one reply. */
  lines: string[];
  /** Enhanced status code (RFC 3463) of the last line, if any, e.g. '5.7.1'. */
  enhanced?: string;
  frame: number;
  tsSec: number;
  tsNsec: number;
  offset: number;
  /** Index in `commands` of the command it answers; undefined for the greeting or an unsolicited reply. */
  commandIndex?: number;
  /** The reply answers the end of a DATA body (the '.' line), which is no command: commandIndex is undefined. */
  endOfData?: boolean;
}

/** Cumulative message bytes on the wire over time (for splice timing and charts); capped, evenly thinned. */
export interface BodyPoint {
  frame: number;
  tsSec: number;
  tsNsec: number;
  /** Cumulative body bytes (as sent on the wire, dot-stuffed for DATA) up to and including this frame. */
  bytes: number;
}

export interface BodyTransfer {
  /** Bytes as sent (DATA: between the 354 and the terminating '.', dot-stuffing included; BDAT: chunk octets). */
  wireBytes: number;
  /** Bytes of the message after dot-unstuffing. */
  bytes: number;
  first?: SegmentRef;
  last?: SegmentRef;
  /** The end-of-data marker (DATA '.', BDAT LAST chunk's last octet) if it was seen. */
  endOfData?: SegmentRef;
  points: BodyPoint[];
  /** A gap in the capture fell inside the body. */
  gapBytes: number;
}

export interface Attachment {
  name?: string;
  type: string;
  size: number;
  sha256?: string;
  /** The part was cut by the retention limit or by the end of the body. */
  truncated: boolean;
}

export interface MessageInfo {
  messageId?: string;
  subject?: string;
  from?: string;
  to: string[];
  date?: string;
  attachments: Attachment[];
  /** The EICAR anti-virus test string occurs in the message (decoded parts or raw). */
  eicar: boolean;
  /** Headers added by AV products (X-Virus-Scanned, X-Amavis-Alert, X-Virus-Status, ...), name: value. */
  avHeaders: string[];
  /** A short plain-text excerpt of the first text part (for notification matching), at most 2 KiB. */
  textExcerpt?: string;
  /** Only the first `retainedBytes` of the message were kept for MIME parsing. */
  retainedBytes: number;
  truncated: boolean;
}

export type TransactionOutcome = 'accepted' | 'rejected' | 'aborted' | 'incomplete' | 'reset';

export interface TransactionAbort {
  /** Who ended it: the client side ('client'), the server side ('server'), or not known. */
  by: 'client' | 'server' | 'unknown';
  how: 'rst' | 'fin' | 'reply' | 'gap' | 'quit' | 'rset';
  ref: SegmentRef;
  /** For how = 'reply' (e.g. 421): the reply. */
  reply?: { code: number; text: string };
  /** Body bytes on the wire before the abort. */
  bodyBytesSent: number;
}

export interface SmtpTransaction {
  index: number;
  mailFrom?: string;
  rcptTo: string[];
  /** Recipients the server accepted (2xx to RCPT). */
  rcptAccepted: string[];
  method?: 'DATA' | 'BDAT';
  outcome: TransactionOutcome;
  /** The first MAIL command's frame and time. */
  start: SegmentRef;
  /** Reply that decided the outcome (end-of-data reply, or the rejection). */
  finalReply?: SmtpReply;
  /** For 'rejected': the stage at which it was refused. */
  rejectedAt?: 'MAIL' | 'RCPT' | 'DATA' | 'BDAT' | 'end-of-data';
  body: BodyTransfer;
  /** SHA-256 of the unstuffed message received so far (complete when endOfData is set). Hex. */
  bodySha256?: string;
  /** SHA-256 of the first 4096 unstuffed message bytes (to match partial copies across legs). */
  prefixSha256?: string;
  message?: MessageInfo;
  abort?: TransactionAbort;
}

export interface SmtpEvent {
  /** Catalogue name, e.g. 'reply-without-command', 'line-too-long', 'invalid-bdat', 'data-after-quit',
   *  'gap-in-data', 'tcp-gap', 'tcp-fin', 'tcp-rst', 'starttls', 'limit-message-bytes', ... */
  name: string;
  kind: 'anomaly' | 'tcp' | 'info' | 'limit';
  dir?: 'c2s' | 's2c';
  frame: number;
  tsSec: number;
  tsNsec: number;
  detail?: string;
}

export interface SmtpSession {
  /** 1-based, in order of the connection's first packet. */
  id: number;
  connectionId: number;
  client: Endpoint;
  server: Endpoint;
  interfaceIndex: number;
  interfaceName?: string;
  start: SegmentRef;
  end: SegmentRef;
  banner?: string;
  helo?: string;
  /** EHLO keywords advertised by the server (upper-case), e.g. ['PIPELINING','CHUNKING','STARTTLS']. */
  extensions: string[];
  commands: SmtpCommand[];
  replies: SmtpReply[];
  transactions: SmtpTransaction[];
  tls?: { ref: SegmentRef };
  auth?: { mechanism: string; outcome?: 'success' | 'failure' };
  events: SmtpEvent[];
  tcp: {
    startSeen: boolean;
    close: 'fin' | 'rst' | 'capture-end' | 'evicted';
    /** Who sent the first FIN or the RST. */
    closedBy?: 'client' | 'server';
    closeRef?: SegmentRef;
    clientIsn?: number;
    serverIsn?: number;
    clientTtl?: number;
    serverTtl?: number;
    clientMss?: number;
    serverMss?: number;
    stats: ConnectionStats;
    vlan?: number[];
  };
}

export interface SmtpLimits {
  /** Message bytes kept in memory per message for MIME parsing. */
  maxMessageBytes: number;
  /** Longest command or reply line kept before a 'line-too-long' event. */
  maxLineBytes: number;
}

export const DEFAULT_SMTP_LIMITS: SmtpLimits = {
  maxMessageBytes: 2 * 1024 * 1024,
  maxLineBytes: 64 * 1024,
};
