// Recognises a host AV (and FortiGate's own refusals) from SMTP lines: banners, EHLO replies, virus replies.

import type { SmtpReply, SmtpSession, SmtpTransaction } from '../smtp/types.js';

/** Product names that identify an SMTP AV proxy outright (DOMAIN.md "How a host AV shows itself"). */
const AV_PROXY = /\b(amavisd(?:-new)?|amavis|clamsmtpd?|clamav|av ?proxy|smtp ?scanner|mailscanner)\b/i;
/** Vendor names that are only hints: they also name mail gateways and plain MTAs with a plug-in. (F-Secure's proof is
 *  its `554 Infected by` reply, not its banner.) */
const AV_HINT = /\b(f-?secure|internet gatekeeper|scanmail|interscan|symantec|kaspersky|eset|sophos|mcafee|trend ?micro|bitdefender|avast|avg|norton|dr\.?web|g ?data|panda|anti-?virus|virus ?wall)\b/i;
/** Host-AV virus replies (ClamSMTP, F-Secure IGK, amavisd-new). */
const AV_VIRUS_REPLY = /(virus detected;|infected by\b|\breject, id=|clamsmtp|amavis)/i;
/** Words of any virus refusal (FortiGate's or an AV's). */
export const VIRUS_WORDS = /\b(virus(?:es)?|infected|infection|malware|eicar|quarantin\w*|worm|trojan|malicious|threat)\b/gi;
/** FortiGate replacement-message hints. */
const FORTI = /\b(fortinet|fortigate|fortiguard|forti\w*)\b/i;

export function virusWords(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(VIRUS_WORDS)) out.add(m[1].toLowerCase());
  return [...out].sort();
}

export function replyText(r: SmtpReply): string {
  return `${r.code}${r.enhanced ? ' ' + r.enhanced : ''} ${r.lines.join(' / ')}`.trim();
}

/** The reply as the first line looked on the wire (code, separator, text). */
export function replyLine(r: SmtpReply): string {
  const first = r.lines[0] ?? '';
  return `${r.code}${r.lines.length > 1 ? '-' : ' '}${first}`;
}

export function isAvProxyText(s: string): boolean {
  return AV_PROXY.test(s);
}

export function isAvHintText(s: string): boolean {
  return AV_HINT.test(s);
}

/** A refusal that only a host AV writes (not FortiGate, not a plain MTA). */
export function isAvVirusReply(r: SmtpReply): boolean {
  const t = r.lines.join(' ');
  if (r.code < 400 && !/virus detected/i.test(t)) return false;
  return AV_VIRUS_REPLY.test(t) && !FORTI.test(t);
}

/** A 4xx/5xx (or ClamSMTP's 250 "Virus Detected; Discarded") that names a virus. */
export function isVirusReply(r: SmtpReply): boolean {
  const t = r.lines.join(' ');
  if (r.code >= 400) return virusWords(t).length > 0 || AV_VIRUS_REPLY.test(t) || /\bblock(ed)?\b.*\b(file|attachment|content)\b/i.test(t);
  return /virus detected/i.test(t);
}

/** A refusal that reads like FortiGate's replacement message (names FortiGate, or a virus without AV product marks). */
export function isFortigateStyleRefusal(r: SmtpReply): boolean {
  if (r.code < 500) return false;
  const t = r.lines.join(' ');
  if (FORTI.test(t)) return true;
  return isVirusReply(r) && !isAvVirusReply(r);
}

/** Greeting and EHLO/HELO reply lines of a session: where product names show. */
export function greetingLines(s: SmtpSession): SmtpReply[] {
  const out: SmtpReply[] = [];
  for (const r of s.replies) {
    if (r.code === 220 && r.commandIndex === undefined) out.push(r);
    else if (r.code === 250 && r.commandIndex !== undefined) {
      const verb = s.commands[r.commandIndex]?.verb;
      if (verb === 'EHLO' || verb === 'HELO') out.push(r);
    }
  }
  if (out.length === 0 && s.banner !== undefined) {
    out.push({ code: 220, lines: [s.banner], frame: s.start.frame, tsSec: s.start.tsSec, tsNsec: s.start.tsNsec, offset: 0 });
  }
  return out;
}

/**
 * The reply that refused a transaction after (or during) its body, if any: the final reply of a rejected
 * transaction, or a 5xx that ended it during DATA (seen when a capture gap hid the end of data).
 */
export function bodyRefusal(t: SmtpTransaction): SmtpReply | null {
  if (t.outcome === 'rejected' && t.finalReply && t.rejectedAt !== 'MAIL' && t.rejectedAt !== 'RCPT') return t.finalReply;
  const r = t.abort?.reply;
  if (t.outcome === 'aborted' && t.abort?.how === 'reply' && r && r.code >= 500) {
    return { code: r.code, lines: [r.text], frame: t.abort.ref.frame, tsSec: t.abort.ref.tsSec, tsNsec: t.abort.ref.tsNsec, offset: 0 };
  }
  return null;
}

/**
 * A FortiGate-style refusal of a message body anywhere in a session: a transaction's body refusal, or a stray 5xx
 * that the SMTP stage could not pair (e.g. a capture gap kept it from seeing the end of data).
 */
export function senderRefusal(s: SmtpSession): SmtpReply | null {
  for (const t of s.transactions) {
    const r = bodyRefusal(t);
    if (r && isFortigateStyleRefusal(r)) return r;
  }
  for (const r of s.replies) {
    if (r.code < 500 || !isFortigateStyleRefusal(r)) continue;
    const verb = r.commandIndex !== undefined ? s.commands[r.commandIndex]?.verb : undefined;
    if (verb === undefined || verb === 'DATA' || verb === 'BDAT') return r;
  }
  return null;
}
