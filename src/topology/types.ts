// Topology contract: which SMTP session is which leg of which dialogue, and which host plays which role.

import type { LegRole } from '../analysis/types.js';
import type { SegmentRef } from '../reassembly/types.js';
import type { SmtpSession, SmtpTransaction } from '../smtp/types.js';

/** An address the user stated (`--fortigate IP`, `--host-av IP[:PORT]`, `--mail-server IP[:PORT]`). */
export interface HostSpec {
  ip: string;
  port?: number;
}

export interface TopologyOverrides {
  fortigate?: HostSpec;
  hostAv?: HostSpec;
  mailServer?: HostSpec;
}

export interface TxRef {
  session: SmtpSession;
  tx: SmtpTransaction;
}

/** How two transactions on different connections were recognised as the same message. */
export type MatchKind = 'message-id' | 'prefix' | 'envelope';

/** The same transaction seen on an upstream and a downstream connection (client leg -> server leg, leg -> relay). */
export interface TxPair {
  up: TxRef;
  down: TxRef;
  by: MatchKind;
}

/** Which side of a FortiGate a lone leg was captured on. */
export type Side = 'sender' | 'mail' | 'unknown';

export interface Leg {
  session: SmtpSession;
  role: LegRole;
  side: Side;
  dialogue: number | null;
  /** The other leg of the proxy pair, or the upstream leg of a relay / the leg a notification is about. */
  peer: number | null;
  /** Why it got this role: short statements. */
  reasons: string[];
}

export interface Relay {
  session: SmtpSession;
  upstream: SmtpSession;
  pairs: TxPair[];
}

export interface Notification {
  ref: TxRef;
  about: TxRef;
  /** What ties it to the original: 'sender <a@b>', 'recipient <c@d>', 'subject', 'Message-ID'. */
  matchedOn: string[];
  /** Virus words found in the notification. */
  words: string[];
}

export type HostAvSignalKind = 'user' | 'relay' | 'banner' | 'product-hint' | 'virus-reply' | 'notification' | 'av-header';

export interface HostAvSignal {
  kind: HostAvSignalKind;
  /** 'strong' is proof enough; 'hint' alone is not (product names, AV headers). */
  strength: 'strong' | 'hint';
  session: number | null;
  ref: SegmentRef | null;
  /** The line as seen on the wire, or a statement. */
  text: string;
  /** Session this was seen on belongs to another dialogue with the same mail host. */
  viaHost: boolean;
}

/** One proxied conversation: the client leg and/or server leg, with the relay legs and notifications hanging off it. */
export interface Dialogue {
  id: number;
  client: SmtpSession | null;
  server: SmtpSession | null;
  /** Transactions matched client leg -> server leg (empty when one leg is missing). */
  pairs: TxPair[];
  relays: Relay[];
  notifications: Notification[];
  /** Both legs carry the same addresses and ports (FortiGate in transparent mode); null when one leg is missing. */
  transparent: boolean | null;
  /** For a lone leg: where it was captured. */
  lone: Side | null;
  /** Why the legs were paired and oriented. */
  reasons: string[];
  hostAv: HostAvSignal[];
}

export interface RoleGuess {
  ip: string | null;
  port: number | null;
  source: 'user' | 'inferred' | 'unknown';
  evidence: string[];
}

export interface Topology {
  legs: Map<number, Leg>;
  dialogues: Dialogue[];
  notifications: Notification[];
  roles: { sender: RoleGuess; fortigate: RoleGuess; hostAv: RoleGuess; mailServer: RoleGuess };
  overrides: TopologyOverrides;
}
