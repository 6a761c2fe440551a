// Configuration cross-check: which firewall policies carry SMTP to the mail server, and does their profile splice?

import { parseFortiosVersion, spliceFix, versionFamily, type Fix } from '../remedy/fortios.js';
import { anyAddressMatches, anyServiceCarries, parseIp, Scope, type Ip } from './match.js';
import { block, configs, get, get1, parseConfig, table, vdomScopes, type ConfNode, type ParsedConfig } from './parse.js';
import { specMatches } from './match.js';

export type ConfigFindingId =
  | 'config.splice-enabled'
  | 'config.splice-disabled'
  | 'config.flow-based'
  | 'config.no-av-on-smtp'
  | 'config.smtp-policy-not-found'
  | 'config.inspection-mode-assumed'
  | 'config.truncated';

export interface ConfigFinding {
  id: string;
  severity: 'high' | 'medium' | 'low' | 'info';
  /** One sentence; holds only policy ids, profile, VDOM and option names, never other configuration text. */
  message: string;
  vdom?: string;
  policyIds: string[];
  profiles: string[];
}

export interface SmtpPolicy {
  vdom?: string;
  policyId: string;
  name?: string;
  srcintf: string[];
  dstintf: string[];
  dstaddr: string[];
  service: string[];
  /** 'proxy' or 'flow' (3.0/4.0: always 'proxy'). */
  inspectionMode?: string;
  avProfile?: string;
  /** The protocol-options profile (4.0 MR2+) or the firewall profile (3.0-4.0 MR1). */
  protocolOptions: string;
  spliceEnabled: boolean;
  /** The profile's `config smtp` `set options` list (3.0-4.0 MR1: `set smtp`). */
  smtpOptions: string[];
  /** The profile or its option line is missing, so the factory `default` options (`fragmail splice`) were assumed. */
  defaultProfileAssumed: boolean;
}

export interface ConfigReport {
  model?: string;
  version?: string;
  vdoms: string[];
  smtpPolicies: SmtpPolicy[];
  findings: ConfigFinding[];
  fix?: Fix;
}

interface PolicyState {
  p: SmtpPolicy;
  utm: boolean;
  av: boolean;
  flow: boolean;
  modeAssumed: boolean;
  legacy: boolean;
}

const FACTORY_DEFAULT_SMTP = ['fragmail', 'splice'];

function avScansSmtp(scope: Scope, name: string | undefined): boolean {
  if (!name) return false;
  const prof = scope.t('antivirus profile').get(name);
  // A profile named in a policy but absent from the backup: assume the factory one, which scans SMTP.
  if (!prof) return true;
  const smtp = block(prof, 'smtp');
  if (smtp) {
    const avScan = get1(smtp, 'av-scan');
    if (avScan !== undefined) return avScan !== 'disable';
    const opts = (get(smtp, 'options') ?? []).map((o) => o.toLowerCase());
    return opts.includes('scan') || opts.includes('avmonitor') || opts.includes('quarantine');
  }
  // 4.0 MR2/MR3 flat form: `set smtp scan ...`.
  const flat = (get(prof, 'smtp') ?? []).map((o) => o.toLowerCase());
  return flat.includes('scan') || flat.includes('avmonitor');
}

interface ModeContext {
  major?: number;
  minor?: number;
  settings?: ConfNode;
}

/** Proxy or flow, for one policy. */
function inspectionMode(scope: Scope, pol: ConfNode, avName: string | undefined, ctx: ModeContext): { flow: boolean; assumed: boolean } {
  const sysMode = get1(ctx.settings, 'inspection-mode');
  const ngfw = get1(ctx.settings, 'ngfw-mode');
  if (ngfw === 'policy-based') return { flow: true, assumed: false };
  const polMode = get1(pol, 'inspection-mode');
  if (polMode) return { flow: polMode !== 'proxy', assumed: false };
  const atLeast62 = ctx.major !== undefined && (ctx.major > 6 || (ctx.major === 6 && (ctx.minor ?? 0) >= 2));
  // 6.2+: policy-level setting, default flow (hidden in `show` output when flow).
  if (atLeast62) return { flow: true, assumed: false };
  if (sysMode === 'flow' || sysMode === 'flow-based') return { flow: true, assumed: false };
  const avProf = avName ? scope.t('antivirus profile').get(avName) : undefined;
  const avMode = get1(avProf, 'inspection-mode');
  if (avMode) return { flow: avMode.startsWith('flow'), assumed: false };
  // 5.x/6.0 (and older) without a flow setting: proxy. 5.6/6.0 took the mode from `system settings`, whose default
  // on new installs may be flow [I], so there (and with no version) proxy is reported as an assumption.
  const v56to60 = ctx.major !== undefined && ((ctx.major === 5 && (ctx.minor ?? 0) >= 6) || (ctx.major === 6 && (ctx.minor ?? 0) < 2));
  return { flow: false, assumed: ctx.major === undefined || v56to60 };
}

function policyName(pol: ConfNode): string | undefined {
  return get1(pol, 'name');
}

export function analyzeConfig(text: string, opts: { mailServer?: string } = {}): ConfigReport {
  return analyzeParsed(parseConfig(text), opts);
}

export function analyzeParsed(cfg: ParsedConfig, opts: { mailServer?: string } = {}): ConfigReport {
  const headerVersion = cfg.header?.version
    ? cfg.header.version + (cfg.header.build !== undefined ? `-build${cfg.header.build}` : '')
    : undefined;
  const ver = parseFortiosVersion(headerVersion);
  const mail: Ip | undefined = parseIp(opts.mailServer);
  const scopes = vdomScopes(cfg);
  const multiVdom = scopes.length > 1 || scopes[0].vdom !== undefined;
  const findings: ConfigFinding[] = [];
  const states: PolicyState[] = [];

  if (cfg.error) {
    findings.push({
      id: 'config.truncated',
      severity: 'medium',
      message: `The configuration is damaged or incomplete (${cfg.error.message}); the check used what was read before line ${cfg.error.line}.`,
      policyIds: [],
      profiles: [],
    });
  }

  const egress = mail ? connectedInterfaces(cfg, mail) : new Set<string>();
  /** `vdom\0profile` -> ids of every enabled policy naming that profile (for the "also used by" note). */
  const profileUsers = new Map<string, string[]>();
  for (const { vdom, node } of scopes) {
    const scope = new Scope(node);
    const zones = scope.t('system zone');
    const mailIsVipExt = mail !== undefined && [...scope.t(mail.v === 4 ? 'firewall vip' : 'firewall vip6').values()]
      .some((v) => { const e = get(v, 'extip'); return e !== undefined && e.length > 0 && specMatches([e[0]], mail) === 'yes'; });
    const settings = block(node, 'system settings');
    const ctx: ModeContext = { major: ver?.major, minor: ver?.minor, settings };
    const policyTables: Array<[string, ConfNode]> = [
      ...[...scope.t('firewall policy')].map(([id, n]) => [id, n] as [string, ConfNode]),
      ...[...scope.t('firewall policy6')].map(([id, n]) => [`policy6/${id}`, n] as [string, ConfNode]),
    ];
    const vdomStates: PolicyState[] = [];
    for (const [id, pol] of policyTables) {
      if (get1(pol, 'status') === 'disable') continue;
      const prof = get1(pol, 'profile') ?? get1(pol, 'profile-protocol-options') ??
        (get1(pol, 'utm-status') === 'enable' ? 'default' : undefined);
      if (prof !== undefined) {
        const key = `${vdom ?? ''}\u0000${prof}`;
        profileUsers.set(key, [...(profileUsers.get(key) ?? []), id]);
      }
      const action = get1(pol, 'action');
      if (action !== 'accept' && action !== 'ipsec') continue;
      const services = get(pol, 'service') ?? [];
      if (anyServiceCarries(scope, services, get1(pol, 'service-negate') === 'enable') !== 'yes') continue;
      const isPolicy6 = id.startsWith('policy6/');
      const dst4 = get(pol, 'dstaddr') ?? [];
      const dst6 = isPolicy6 ? dst4 : get(pol, 'dstaddr6') ?? [];
      if (mail) {
        const names = mail.v === 4 ? (isPolicy6 ? [] : dst4) : dst6;
        const negate = get1(pol, mail.v === 6 && !isPolicy6 ? 'dstaddr6-negate' : 'dstaddr-negate') === 'enable';
        if (!names.length || anyAddressMatches(scope, names, mail, negate) !== 'yes') continue;
        // Policies to a VIP are already specific; the interface test is for plain addresses such as `all`.
        const viaVip = names.some((n) => scope.t(mail.v === 4 ? 'firewall vip' : 'firewall vip6').has(n) ||
          scope.t(mail.v === 4 ? 'firewall vipgrp' : 'firewall vipgrp6').has(n));
        // Traffic to a VIP's external address is translated before the policy lookup: only VIP policies match it.
        if (!viaVip && mailIsVipExt) continue;
        if (egress.size && !viaVip && !reachesInterface(get(pol, 'dstintf') ?? [], egress, zones)) continue;
      }
      vdomStates.push(evaluatePolicy(scope, vdom, id, pol, ctx, isPolicy6 ? dst4 : [...dst4, ...(get(pol, 'dstaddr6') ?? [])], services));
    }
    states.push(...vdomStates);
    findings.push(...vdomFindings(vdom, vdomStates, mail !== undefined));
  }

  if (!states.length) {
    findings.push({
      id: 'config.smtp-policy-not-found',
      severity: 'medium',
      message: mail
        ? `No enabled accept policy carries SMTP (service SMTP, SMTPS, ALL or a custom service with TCP 25/465/587) to ${opts.mailServer}.`
        : 'No enabled accept policy carries SMTP (service SMTP, SMTPS, ALL or a custom service with TCP 25/465/587).',
      policyIds: [],
      profiles: [],
    });
  }

  const report: ConfigReport = {
    model: cfg.header?.model,
    version: ver?.text,
    vdoms: multiVdom ? scopes.map((s) => s.vdom!).filter((v) => v !== undefined) : [],
    smtpPolicies: states.map((s) => s.p),
    findings,
  };
  const fix = buildFix(states, ver?.text ?? headerVersion, profileUsers);
  if (fix) report.fix = fix;
  return report;
}

/**
 * Interfaces whose own subnet holds the mail server: traffic to it leaves through one of them, so a policy whose
 * destination interface is elsewhere (an outbound `all` policy) does not carry mail to it. Empty when not directly
 * connected (routed, transparent mode): then no policy is filtered out by interface.
 */
function connectedInterfaces(cfg: ParsedConfig, ip: Ip): Set<string> {
  const out = new Set<string>();
  const tables = [table(cfg.root, 'system interface'), ...configs(cfg.root, 'global').map((g) => table(g, 'system interface'))];
  for (const t of tables) {
    for (const [name, intf] of t) {
      const spec = ip.v === 4 ? get(intf, 'ip') : get(block(intf, 'ipv6'), 'ip6-address');
      if (!spec || !spec.length) continue;
      if (ip.v === 4 && spec[0] === '0.0.0.0') continue;
      if (specMatches(spec, ip) === 'yes') out.add(name);
    }
  }
  return out;
}

function reachesInterface(dstintf: string[], egress: Set<string>, zones: Map<string, ConfNode>): boolean {
  for (const d of dstintf) {
    if (d === 'any' || egress.has(d)) return true;
    const zone = zones.get(d);
    if (zone && (get(zone, 'interface') ?? []).some((i) => egress.has(i))) return true;
  }
  // An SD-WAN zone or a name we cannot resolve: keep the policy rather than lose it.
  return dstintf.some((d) => !zones.has(d) && d.toLowerCase().includes('sd-wan'));
}

function evaluatePolicy(
  scope: Scope,
  vdom: string | undefined,
  id: string,
  pol: ConfNode,
  ctx: ModeContext,
  dstaddr: string[],
  service: string[],
): PolicyState {
  const legacyProfile = get1(pol, 'profile');
  const legacyStatus = get1(pol, 'profile_status') ?? get1(pol, 'profile-status');
  const legacy = legacyProfile !== undefined || legacyStatus !== undefined ||
    (scope.t('firewall profile').size > 0 && scope.t('firewall profile-protocol-options').size === 0);
  const base = {
    vdom,
    policyId: id,
    name: policyName(pol),
    srcintf: get(pol, 'srcintf') ?? [],
    dstintf: get(pol, 'dstintf') ?? [],
    dstaddr,
    service,
  };
  if (vdom === undefined) delete base.vdom;
  if (base.name === undefined) delete base.name;

  if (legacy) {
    // 3.0 - 4.0 MR1: one "protection profile" per policy holds the AV switch and the smtp option list.
    const profName = legacyProfile ?? 'default';
    const prof = scope.t('firewall profile').get(profName);
    const utm = legacyStatus === 'enable' || (legacyStatus === undefined && legacyProfile !== undefined);
    let opts = get(prof, 'smtp');
    let assumed = false;
    if (!prof || !opts) { opts = ['scan', ...FACTORY_DEFAULT_SMTP]; assumed = true; }
    const lower = opts.map((o) => o.toLowerCase());
    const av = utm && lower.includes('scan');
    const p: SmtpPolicy = {
      ...base,
      inspectionMode: 'proxy',
      protocolOptions: profName,
      spliceEnabled: av && lower.includes('splice'),
      smtpOptions: opts,
      defaultProfileAssumed: assumed,
    };
    return { p, utm, av, flow: false, modeAssumed: false, legacy: true };
  }

  // Profile group: the policy names a group that holds the AV and protocol-options profiles.
  let holder: ConfNode = pol;
  if (get1(pol, 'profile-type') === 'group') {
    const g = get1(pol, 'profile-group');
    const grp = g ? scope.t('firewall profile-group').get(g) : undefined;
    if (grp) holder = grp;
  }
  const utmStatus = get1(pol, 'utm-status');
  const avProfile = get1(holder, 'av-profile');
  const utm = utmStatus === 'enable';
  const protocolOptions = get1(holder, 'profile-protocol-options') ?? 'default';
  const mode = inspectionMode(scope, pol, avProfile, ctx);
  const ppo = scope.t('firewall profile-protocol-options').get(protocolOptions);
  const smtp = ppo ? block(ppo, 'smtp') : undefined;
  let smtpOptions: string[];
  let assumed = false;
  const optLine = get(smtp, 'options');
  if (optLine) smtpOptions = optLine;
  else if (smtp?.unset.has('options')) smtpOptions = [];
  else if (!ppo || protocolOptions === 'default') {
    // The factory `default` profile has `fragmail splice`; a missing profile is taken to be like it.
    smtpOptions = [...FACTORY_DEFAULT_SMTP];
    assumed = true;
  } else smtpOptions = []; // a custom profile without an options line: the option list is empty
  const av = utm && avScansSmtp(scope, avProfile);
  const p = { ...base, inspectionMode: mode.flow ? 'flow' : 'proxy' } as SmtpPolicy;
  if (avProfile !== undefined) p.avProfile = avProfile;
  p.protocolOptions = protocolOptions;
  // Splice only matters where the SMTP proxy scans: proxy mode with antivirus on SMTP.
  p.spliceEnabled = av && !mode.flow && smtpOptions.some((o) => o.toLowerCase() === 'splice');
  p.smtpOptions = smtpOptions;
  p.defaultProfileAssumed = assumed;
  return { p, utm, av, flow: mode.flow, modeAssumed: mode.assumed, legacy: false };
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

function ids(states: PolicyState[]): string[] {
  return states.map((s) => s.p.policyId);
}

function profiles(states: PolicyState[]): string[] {
  return uniq(states.map((s) => s.p.protocolOptions));
}

/** 'policy 5 scans' / 'policies 5, 7 scan'. */
function pol(states: PolicyState[], singular: string, plural: string): string {
  return states.length > 1 ? `policies ${ids(states).join(', ')} ${plural}` : `policy ${ids(states).join(', ')} ${singular}`;
}

function profileKind(states: PolicyState[]): string {
  const many = profiles(states).length > 1;
  return states.every((s) => s.legacy) ? (many ? 'firewall profiles' : 'firewall profile') : (many ? 'protocol-options profiles' : 'protocol-options profile');
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function list(xs: string[]): string {
  return xs.map((x) => `"${x}"`).join(', ');
}

function vdomFindings(vdom: string | undefined, states: PolicyState[], mailKnown: boolean): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const where = vdom !== undefined ? ` in VDOM "${vdom}"` : '';
  const scanned = states.filter((s) => s.utm && s.av);
  const proxy = scanned.filter((s) => !s.flow);
  const splice = proxy.filter((s) => s.p.spliceEnabled);
  const push = (f: Omit<ConfigFinding, 'vdom'>) => out.push(vdom !== undefined ? { ...f, vdom } : f);

  const explicit = splice.filter((s) => !s.p.defaultProfileAssumed);
  const assumed = splice.filter((s) => s.p.defaultProfileAssumed);
  if (explicit.length) {
    push({
      id: 'config.splice-enabled',
      severity: 'high',
      message:
        `SMTP splice is on${where}: ${pol(explicit, 'scans', 'scan')} SMTP in proxy mode ` +
        `with ${profileKind(explicit)} ${list(profiles(explicit))}, whose smtp options include splice, so FortiGate streams mail to the ` +
        'server while scanning and aborts the transfer on a virus.',
      policyIds: ids(explicit),
      profiles: profiles(explicit),
    });
  }
  if (assumed.length) {
    push({
      id: 'config.splice-enabled',
      severity: 'medium',
      message:
        `SMTP splice is probably on${where}: ${pol(assumed, 'scans', 'scan')} SMTP in proxy ` +
        `mode with ${profileKind(assumed)} ${list(profiles(assumed))}, which is not in the backup or has no smtp options line, so the factory ` +
        'options `fragmail splice` are assumed.',
      policyIds: ids(assumed),
      profiles: profiles(assumed),
    });
  }
  const buffered = proxy.filter((s) => !s.p.spliceEnabled);
  if (buffered.length) {
    push({
      id: 'config.splice-disabled',
      severity: 'info',
      message: `${cap(pol(buffered, 'scans', 'scan'))} SMTP${where} in proxy mode without splice (store and forward).`,
      policyIds: ids(buffered),
      profiles: profiles(buffered),
    });
  }
  const flow = scanned.filter((s) => s.flow);
  if (flow.length) {
    push({
      id: 'config.flow-based',
      severity: 'info',
      message:
        `${cap(pol(flow, 'scans', 'scan'))} SMTP${where} with flow-based inspection, where the SMTP proxy's ` +
        'splice option does not apply.',
      policyIds: ids(flow),
      profiles: profiles(flow),
    });
  }
  const unscanned = states.filter((s) => !(s.utm && s.av));
  if (unscanned.length) {
    push({
      id: 'config.no-av-on-smtp',
      severity: 'info',
      message:
        `${cap(pol(unscanned, 'carries', 'carry'))} SMTP${mailKnown ? ' to the mail server' : ''}${where} ` +
        'without antivirus scanning of SMTP (no UTM, no antivirus profile, or one that does not scan SMTP): no splice abort can ' +
        `come from ${unscanned.length > 1 ? 'them' : 'it'}.`,
      policyIds: ids(unscanned),
      profiles: profiles(unscanned),
    });
  }
  const modeAssumed = scanned.filter((s) => s.modeAssumed);
  if (modeAssumed.length) {
    push({
      id: 'config.inspection-mode-assumed',
      severity: 'low',
      message:
        `No inspection mode is stated for ${pol(modeAssumed, '', '').trim()}${where} (FortiOS 5.6/6.0 take it from ` +
        '`config system settings`, where the default can be flow; with no version the policy form is unknown): proxy mode was ' +
        'assumed. Check with `get system settings | grep inspection-mode`.',
      policyIds: ids(modeAssumed),
      profiles: profiles(modeAssumed),
    });
  }
  return out;
}

/** One fix covering every splicing profile (each once per VDOM), in policy order. */
function buildFix(states: PolicyState[], version: string | undefined, users: Map<string, string[]>): Fix | undefined {
  const splicing = states.filter((s) => s.utm && s.av && !s.flow && s.p.spliceEnabled);
  if (!splicing.length) return undefined;
  const seen = new Set<string>();
  const fixes: Fix[] = [];
  for (const s of splicing) {
    const key = `${s.p.vdom ?? ''}\u0000${s.p.protocolOptions}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // The configuration's structure decides the command family where the header is vague (4.00 without MR).
    let fortios = version;
    const fam = versionFamily(parseFortiosVersion(version));
    if (s.legacy && fam !== '3.0-4.0MR1') fortios = fam === '4.0MR2-MR3' ? '4.0 MR1' : '3.0';
    else if (!s.legacy && fam === '3.0-4.0MR1') fortios = '4.0 MR2';
    const f = spliceFix({
      fortios,
      profile: s.p.protocolOptions,
      currentSmtpOptions: s.p.defaultProfileAssumed ? undefined : s.p.smtpOptions,
      vdom: s.p.vdom,
    });
    const mailIds = new Set(splicing.filter((x) => x.p.vdom === s.p.vdom && x.p.protocolOptions === s.p.protocolOptions).map((x) => x.p.policyId));
    const others = (users.get(key) ?? []).filter((id) => !mailIds.has(id));
    if (others.length) {
      const shown = others.slice(0, 10).join(', ') + (others.length > 10 ? `, ... (${others.length} in all)` : '');
      f.notes.push(
        `Profile "${s.p.protocolOptions}"${s.p.vdom !== undefined ? ` in VDOM "${s.p.vdom}"` : ''} is also used by ` +
          `${others.length > 1 ? `policies ${shown}: any SMTP they carry` : `policy ${shown}: any SMTP it carries`} is buffered too. To limit the change to mail, ` +
          'clone the profile, remove splice in the clone, and set it on the mail policies only.',
      );
    }
    fixes.push(f);
  }
  const first = fixes[0];
  return {
    versionFamily: first.versionFamily,
    exact: fixes.every((f) => f.exact),
    commands: fixes.flatMap((f) => f.commands),
    notes: uniq(fixes.flatMap((f) => f.notes)),
    tradeOff: first.tradeOff,
  };
}

/** What the configuration says about splice on the mail path, for the verdict stage (one word and its evidence). */
export interface ConfigSpliceSummary {
  /**
   * 'on': a policy toward the mail server scans SMTP in proxy mode with splice in its profile's options;
   * 'assumed-on': the same, but only because the factory `default` options were assumed;
   * 'off': SMTP is scanned in proxy mode without splice; 'flow': only flow-based scanning; 'no-av': SMTP passes without
   * AV; 'not-found': no policy carries SMTP (to the mail server).
   */
  splice: 'on' | 'assumed-on' | 'off' | 'flow' | 'no-av' | 'not-found';
  policyIds: string[];
  profiles: string[];
}

export function spliceSummary(report: ConfigReport): ConfigSpliceSummary {
  const pick = (id: string, pred?: (f: ConfigFinding) => boolean) => report.findings.filter((f) => f.id === id && (!pred || pred(f)));
  const order: Array<[ConfigSpliceSummary['splice'], ConfigFinding[]]> = [
    ['on', pick('config.splice-enabled', (f) => f.severity === 'high')],
    ['assumed-on', pick('config.splice-enabled', (f) => f.severity !== 'high')],
    ['off', pick('config.splice-disabled')],
    ['flow', pick('config.flow-based')],
    ['no-av', pick('config.no-av-on-smtp')],
  ];
  for (const [splice, fs] of order) {
    if (fs.length) {
      return { splice, policyIds: uniq(fs.flatMap((f) => f.policyIds)), profiles: uniq(fs.flatMap((f) => f.profiles)) };
    }
  }
  return { splice: 'not-found', policyIds: [], profiles: [] };
}
