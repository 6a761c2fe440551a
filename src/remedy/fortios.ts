// FortiOS remediation text: the CLI lines that turn SMTP splice off, by version, and capture advice for inconclusive cases.

export interface FixInput {
  /** Free-form version: '2.50', '2.80', '3.0', '4.0', '4.0MR3', '5.2', '5.6.3', '6.4', '7.2.8', 'v7.4.1,build2463'... */
  fortios?: string;
  /** protocol-options profile (4.0 MR2+) or firewall profile (3.0-4.0 MR1). */
  profile?: string;
  /** From a config backup: the profile's `config smtp` `set options` list (3.0-4.0 MR1: the `set smtp` list). */
  currentSmtpOptions?: string[];
  /** VDOM whose profile is meant (multi-VDOM units): the commands are wrapped in `config vdom` / `edit <vdom>`. */
  vdom?: string;
}

export interface Fix {
  /** '2.50', '2.80', '3.0-4.0MR1', '4.0MR2-MR3', '5.x-7.x'. */
  versionFamily: string;
  /** True when the option list is known (taken from the backup), so the commands can be pasted as they are. */
  exact: boolean;
  /** Lines to paste in the FortiGate CLI. Empty when splice is already off in the given option list. */
  commands: string[];
  notes: string[];
  tradeOff: string;
}

export type VersionFamily = '2.50' | '2.80' | '3.0-4.0MR1' | '4.0MR2-MR3' | '5.x-7.x';

export interface FortiosVersion {
  major: number;
  minor: number;
  patch?: number;
  /** 4.0 maintenance release (MR0..MR3), when stated or inferred from the build number. */
  mr?: number;
  build?: number;
  /** Normalised display form: '7.2.8', '5.6', '4.0 MR3', '2.80'. */
  text: string;
}

const TRADE_OFF =
  'With splice off, FortiGate holds each message until it has received and scanned all of it, and only then ' +
  'forwards it to the mail server: large mails are delivered later (the sender waits for the scan), and mails ' +
  'above the oversize limit are passed or blocked according to the profile\'s oversize setting instead of being ' +
  'streamed. In exchange, an infected message never reaches the mail server, so a host-based AV there has nothing ' +
  'to act on.';

/** The likely factory `config smtp` options of a `default` protocol-options profile (5.x-7.x), minus nothing. */
export const FACTORY_SMTP_OPTIONS: readonly string[] = ['fragmail', 'splice'];

/**
 * Parse a FortiOS version as people and devices write it: 'v7.2.8,build1639', 'FortiOS 6.4', '4.0 MR3', '4.00',
 * '3.00-b0400', '5.06', 'FGT60F-7.2.8-FW-build1639-240313', '2.50'. Returns undefined when no version is found.
 */
export function parseFortiosVersion(raw: string | undefined): FortiosVersion | undefined {
  if (!raw) return undefined;
  const s = raw.trim();
  // Prefer a version that follows a model prefix and a dash ('FGT60F-7.2.8-FW'), then any dotted number.
  const m = /(?:^|[^0-9.])v?(\d{1,2})\.(\d{1,2})(?:\.(\d{1,3}))?(?![0-9])/i.exec(s) ?? /^v?(\d{1,2})$/i.exec(s);
  if (!m) return undefined;
  const major = Number(m[1]);
  if (major < 2 || major > 9) return undefined;
  let minorText = m[2] ?? '0';
  let minor = Number(minorText);
  const patch = m[3] !== undefined ? Number(m[3]) : undefined;
  const buildM = /build\s*0*(\d{1,5})|[-,\s]b0*(\d{2,5})\b/i.exec(s);
  const build = buildM ? Number(buildM[1] ?? buildM[2]) : undefined;
  const mrM = /\bMR\s*(\d)\b|(?:^|[^a-z])mr(\d)/i.exec(s);
  let mr: number | undefined = mrM ? Number(mrM[1] ?? mrM[2]) : undefined;

  if (major === 2) {
    // 2.50 and 2.80 are written '2.5', '2.50', '2.8', '2.80'.
    if (minorText.length === 1) minor *= 10;
    return { major, minor, patch, build, mr, text: `2.${String(minor).padStart(2, '0')}` };
  }
  if (major === 4) {
    // '4.2'/'4.3' are how many write 4.0 MR2/MR3; '4.00' is 4.0 with the MR unknown.
    if (mr === undefined && minorText.length === 1 && minor >= 1 && minor <= 3) mr = minor;
    // [I] 4.0 build ranges: MR1 from ~0178, MR2 from ~0272, MR3 from ~0441.
    if (mr === undefined && build !== undefined) mr = build >= 441 ? 3 : build >= 272 ? 2 : build >= 178 ? 1 : 0;
    minor = 0;
    return { major, minor, build, mr, text: mr !== undefined ? `4.0 MR${mr}` : '4.0' };
  }
  // '5.06', '5.04', '3.00' (two-digit minor in older headers) mean 5.6, 5.4, 3.0.
  if (minorText.length === 2 && minorText.startsWith('0')) minorText = minorText.slice(1);
  minor = Number(minorText);
  const text = patch !== undefined ? `${major}.${minor}.${patch}` : `${major}.${minor}`;
  return { major, minor, patch, build, mr, text };
}

/** The command family for a version; undefined when no version is known. */
export function versionFamily(v: FortiosVersion | undefined): VersionFamily | undefined {
  if (!v) return undefined;
  if (v.major === 2) return v.minor < 80 ? '2.50' : '2.80';
  if (v.major === 3) return '3.0-4.0MR1';
  if (v.major === 4) return v.mr !== undefined && v.mr <= 1 ? '3.0-4.0MR1' : '4.0MR2-MR3';
  return '5.x-7.x';
}

/** FortiOS CLI quoting: names are shown double-quoted, with backslash before `"` and `\`. */
export function cliQuote(name: string): string {
  return '"' + name.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

function withoutSplice(options: readonly string[]): string[] {
  return options.filter((o) => o.toLowerCase() !== 'splice');
}

function vdomWrap(commands: string[], vdom: string | undefined): string[] {
  if (!vdom || commands.length === 0) return commands;
  return ['config vdom', `edit ${cliQuote(vdom)}`, ...commands, 'end'];
}

/** The commands that disable SMTP splice for one profile on one FortiOS version. Pure: no I/O. */
export function spliceFix(input: FixInput): Fix {
  const version = parseFortiosVersion(input.fortios);
  const family = versionFamily(version);
  const notes: string[] = [];
  const profileGiven = input.profile !== undefined && input.profile.trim() !== '';
  const known = input.currentSmtpOptions !== undefined;
  if (input.fortios && !version) notes.push(`The FortiOS version "${input.fortios.slice(0, 40)}" was not understood; the 5.x-7.x form is shown.`);

  if (family === '2.50') {
    notes.push('FortiOS 2.50 (Fortinet KB 198228): splice is a global SMTP antivirus setting, on by default and not shown in the configuration.');
    return { versionFamily: family, exact: true, commands: ['set antivirus service SMTP splice disable'], notes, tradeOff: TRADE_OFF };
  }
  if (family === '2.80') {
    notes.push('FortiOS 2.80: splice is a global setting of the SMTP antivirus service [inferred form: verify with `get antivirus service smtp`].');
    return { versionFamily: family, exact: true, commands: ['config antivirus service smtp', 'set splice disable', 'end'], notes, tradeOff: TRADE_OFF };
  }

  const profile = profileGiven ? input.profile!.trim() : 'default';
  if (!profileGiven) {
    notes.push(
      'No profile name was given: the profile `default` is assumed. Use the profile named by the mail policy (' +
        (family === '3.0-4.0MR1' ? '`set profile` in `config firewall policy`' : '`set profile-protocol-options` in `config firewall policy`; absent means `default`') +
        ').',
    );
  }

  if (family === '3.0-4.0MR1') {
    const readCmd = `get firewall profile ${cliQuote(profile)}`;
    if (known) {
      const cur = input.currentSmtpOptions!;
      if (!cur.some((o) => o.toLowerCase() === 'splice')) {
        notes.push(`Splice is already off in firewall profile ${cliQuote(profile)} (its smtp list has no \`splice\`): nothing to change.`);
        return { versionFamily: family, exact: true, commands: [], notes, tradeOff: TRADE_OFF };
      }
      const rest = withoutSplice(cur);
      const setLine = rest.length ? `set smtp ${rest.join(' ')}` : 'unset smtp';
      if (!rest.length) notes.push('The smtp option list would become empty, so it is cleared with `unset smtp`.');
      notes.push('`set smtp` replaces the whole list: the line keeps every current option except `splice`.');
      return {
        versionFamily: family,
        exact: true,
        commands: vdomWrap(['config firewall profile', `edit ${cliQuote(profile)}`, setLine, 'end'], input.vdom),
        notes,
        tradeOff: TRADE_OFF,
      };
    }
    notes.push(
      `Read the current list first with \`${readCmd}\` (field \`smtp\`), then repeat it without \`splice\`: ` +
        '`set smtp` replaces the whole list, and leaving out `scan` would turn SMTP virus scanning off. ' +
        'If only `splice` would remain, use `unset smtp`.',
    );
    return {
      versionFamily: family,
      exact: false,
      commands: vdomWrap(['config firewall profile', `edit ${cliQuote(profile)}`, 'set smtp <current options without splice>', 'end'], input.vdom),
      notes,
      tradeOff: TRADE_OFF,
    };
  }

  // 4.0 MR2/MR3, 5.x, 6.x, 7.x (and the default when no version is known).
  const fam: VersionFamily = family ?? '5.x-7.x';
  if (!version) {
    notes.push(
      'No FortiOS version was given: this is the form for 4.0 MR2 and later (5.x, 6.x, 7.x). Older units differ: ' +
        '2.50 `set antivirus service SMTP splice disable`; 2.80 `config antivirus service smtp` / `set splice disable` / `end`; ' +
        '3.0 and 4.0 MR0-MR1 `config firewall profile` / `edit <profile>` / `set smtp <current options without splice>` / `end`.',
    );
  } else if (version.major === 4 && version.mr === undefined) {
    notes.push(
      'FortiOS 4.0 without a maintenance release: this is the MR2/MR3 form. On 4.0 MR0 or MR1 (see `get system status`) use ' +
        '`config firewall profile` / `edit <profile>` / `set smtp <current options without splice>` / `end`.',
    );
  }
  const head = ['config firewall profile-protocol-options', `edit ${cliQuote(profile)}`, 'config smtp'];
  const tail = ['end', 'next', 'end'];
  const readCmd = `show firewall profile-protocol-options ${cliQuote(profile)}`;
  if (known) {
    const cur = input.currentSmtpOptions!;
    if (!cur.some((o) => o.toLowerCase() === 'splice')) {
      notes.push(`Splice is already off in protocol-options profile ${cliQuote(profile)}: nothing to change.`);
      return { versionFamily: fam, exact: true, commands: [], notes, tradeOff: TRADE_OFF };
    }
    const rest = withoutSplice(cur);
    if (!rest.length) notes.push('The option list would become empty, so it is cleared with `unset options`.');
    notes.push('`set options` replaces the whole list: the line keeps every current option except `splice`.');
    return {
      versionFamily: fam,
      exact: true,
      commands: vdomWrap([...head, rest.length ? `set options ${rest.join(' ')}` : 'unset options', ...tail], input.vdom),
      notes,
      tradeOff: TRADE_OFF,
    };
  }
  notes.push(
    `Not exact: read the current list first with \`${readCmd}\` (the \`set options\` line under \`config smtp\`) and repeat it ` +
      'without `splice`. The line below assumes the factory list `fragmail splice`. If only `splice` is set, use `unset options` instead.',
  );
  return {
    versionFamily: fam,
    exact: false,
    commands: vdomWrap([...head, `set options ${withoutSplice(FACTORY_SMTP_OPTIONS).join(' ')}`, ...tail], input.vdom),
    notes,
    tradeOff: TRADE_OFF,
  };
}

export type MissingLeg = 'server-leg' | 'client-leg' | 'relay-leg' | 'cleartext';

const RELAY_PORTS = [25, 10025, 10026, 2525];

/**
 * Capture instructions for an inconclusive result: the exact `diagnose sniffer packet` and tcpdump commands that would
 * show the missing legs. Placeholders in angle brackets stand for addresses the caller did not know.
 */
export function captureAdvice(input: {
  missing: MissingLeg[];
  sender?: string;
  mailServer?: string;
  port?: number;
  fortigate?: string;
}): { commands: string[]; notes: string[] } {
  const port = input.port && input.port > 0 && input.port < 65536 ? Math.trunc(input.port) : 25;
  const mail = input.mailServer?.trim() || '<mail-server-ip>';
  const sender = input.sender?.trim();
  const missing = new Set(input.missing);
  const commands: string[] = [];
  const notes: string[] = [];

  const needsFortigate = missing.has('server-leg') || missing.has('client-leg') || missing.size === 0;
  if (needsFortigate) {
    const filter = sender && missing.has('client-leg') && missing.has('server-leg')
      ? `(host ${mail} or host ${sender}) and port ${port}`
      : missing.has('client-leg') && !missing.has('server-leg') && sender
        ? `host ${sender} and port ${port}`
        : `host ${mail} and port ${port}`;
    commands.push(`diagnose sniffer packet any '${filter}' 6 0 a`);
    notes.push(
      `On the FortiGate${input.fortigate ? ` (${input.fortigate})` : ''} CLI over SSH with session logging on (e.g. PuTTY "All session output"): ` +
        'interface `any` shows both the client leg (sender -> FortiGate) and the server leg (FortiGate -> mail server) with interface names; ' +
        'verbose 6 prints interface names and the full packets in hex with Ethernet headers, count 0 means no limit (stop with Ctrl-C), ' +
        '`a` gives absolute UTC timestamps. The saved text can be given to splice-doctor as it is.',
    );
  }
  if (missing.has('relay-leg') || missing.has('server-leg')) {
    const ports = [...new Set([port, ...RELAY_PORTS])];
    commands.push(`tcpdump -i any -s 0 -w mail.pcap '${ports.map((p) => `port ${p}`).join(' or ')}'`);
    notes.push(
      'On the mail server (Linux, as root): `-i any` includes loopback, where a host AV proxy hands the message to the local ' +
        'SMTP program (its relay leg, typically 127.0.0.1:10025/10026 or :2525). On Windows use Wireshark or dumpcap with the ' +
        'Npcap loopback adapter as well as the external interface.',
    );
  }
  if (missing.has('cleartext')) {
    notes.push(
      'STARTTLS hides the message: for the test, stop offering STARTTLS to the FortiGate\'s address on the mail server (Postfix: ' +
        '`smtpd_discard_ehlo_keyword_address_maps = cidr:/etc/postfix/no_tls` with the line `<fortigate-or-sender-ip> starttls`, ' +
        'then `postfix reload`), send a test mail carrying the EICAR test file, and restore the setting afterwards.',
    );
    notes.push(
      'Where the FortiGate inspects SMTPS/STARTTLS itself (deep inspection in the ssl-ssh-profile), the packets on both legs ' +
        'are still encrypted on the wire: a capture cannot show the body; capture on the FortiGate anyway for the timing and ' +
        'the abort (RST/FIN on the server leg), and read its antivirus log for the verdict.',
    );
  }
  return { commands, notes };
}
