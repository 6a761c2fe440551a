// Draws the splice timing chart (cumulative message bytes per leg over time) as one self-contained SVG.

import { clip, escapeHtml as esc } from '../html/escape.js';
import type { ChartData, ChartLeg, ChartMarker } from './series.js';

export interface ChartSvgOptions {
  /** Standalone file (xmlns, width/height in pixels); inline in HTML otherwise (scales to its box). */
  standalone?: boolean;
  width?: number;
  /** The capture's name, for the title of a standalone chart. */
  caption?: string;
}

const W = 900;
const H = 400;
const M = { left: 64, right: 24, top: 118, bottom: 48 };

/** Colours by class; light and dark variants and print. Scoped under .sdc so the page's own styles stay apart. */
const LIGHT = `.sdc .bg{fill:#ffffff}.sdc .fg{fill:#1f2328}.sdc .mute{fill:#57606a}.sdc .grid{stroke:#d0d7de;stroke-width:1}
.sdc .axis{stroke:#57606a;stroke-width:1}
.sdc .l-client{stroke:#0969da}.sdc .f-client{fill:#0969da}
.sdc .l-server{stroke:#d1242f}.sdc .f-server{fill:#d1242f}
.sdc .l-relay{stroke:#8250df}.sdc .f-relay{fill:#8250df}
.sdc .l-session{stroke:#1a7f37}.sdc .f-session{fill:#1a7f37}
.sdc .m-abort{stroke:#cf222e;fill:#cf222e}.sdc .m-refusal{stroke:#bc4c00;fill:#bc4c00}
.sdc .m-accepted{stroke:#1a7f37;fill:#1a7f37}.sdc .m-mail-reply{stroke:#8250df;fill:#8250df}
.sdc .m-notification{stroke:#9a6700;fill:#9a6700}
.sdc .band-stream{fill:#d1242f;opacity:.10}.sdc .band-buffer{fill:#1a7f37;opacity:.12}
.sdc .head-streaming{fill:#cf222e}.sdc .head-buffered{fill:#1a7f37}.sdc .head-unknown{fill:#57606a}`;

/** Colours by class; light and dark variants, light again for print. Scoped under .sdc, apart from the page's styles. */
export const CHART_CSS = `
.sdc{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:12px}
.sdc .curve{fill:none;stroke-width:2.5;stroke-linejoin:round}
.sdc .mline{stroke-width:1.5;stroke-dasharray:5 3}
.sdc .title{font-size:15px;font-weight:600}.sdc .small{font-size:11px}
${LIGHT}
@media (prefers-color-scheme:dark){
.sdc .bg{fill:#0d1117}.sdc .fg{fill:#e6edf3}.sdc .mute{fill:#8d96a0}.sdc .grid{stroke:#30363d}.sdc .axis{stroke:#8d96a0}
.sdc .l-client{stroke:#58a6ff}.sdc .f-client{fill:#58a6ff}.sdc .l-server{stroke:#ff7b72}.sdc .f-server{fill:#ff7b72}
.sdc .l-relay{stroke:#d2a8ff}.sdc .f-relay{fill:#d2a8ff}.sdc .l-session{stroke:#3fb950}.sdc .f-session{fill:#3fb950}
.sdc .m-abort{stroke:#ff7b72;fill:#ff7b72}.sdc .m-refusal{stroke:#ffa657;fill:#ffa657}.sdc .m-accepted{stroke:#3fb950;fill:#3fb950}
.sdc .m-mail-reply{stroke:#d2a8ff;fill:#d2a8ff}.sdc .m-notification{stroke:#e3b341;fill:#e3b341}
.sdc .head-streaming{fill:#ff7b72}.sdc .head-buffered{fill:#3fb950}.sdc .head-unknown{fill:#8d96a0}
.sdc .band-stream{opacity:.18}.sdc .band-buffer{opacity:.18}}
@media print{
${LIGHT}}
`;

function n(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** '+12.5 ms' below a second, '+1.234 s' above. */
export function formatOffset(t: number, span: number): string {
  if (span < 1) {
    const ms = t * 1000;
    const d = span < 0.01 ? 2 : span < 0.1 ? 1 : 0;
    return `${ms < 0 ? '-' : '+'}${Math.abs(ms).toFixed(d)} ms`;
  }
  const d = span < 10 ? 2 : span < 100 ? 1 : 0;
  return `${t < 0 ? '-' : '+'}${Math.abs(t).toFixed(d)} s`;
}

function formatBytes(b: number): string {
  if (b < 10_000) return String(Math.round(b));
  if (b < 10_000_000) return `${(b / 1000).toFixed(b < 100_000 ? 1 : 0)} kB`;
  return `${(b / 1e6).toFixed(1)} MB`;
}

const HEADLINE: Record<ChartData['shape'], string> = {
  streaming: 'Splice ON: the server leg receives the body while the sender is still sending',
  buffered: 'Splice OFF: the server leg starts only after the sender\u2019s end of data (store and forward)',
  unknown: 'Message bytes on the legs in the capture',
};

/** The chart's one-line reading (its title). */
export function headline(d: ChartData): string {
  if (d.shape === 'streaming' && !d.interleaved) return 'Splice ON: FortiGate forwarded part of the message, then cut the server leg off';
  if (d.shape === 'unknown') {
    const cut = d.markers.some((m) => m.kind === 'abort' && m.leg !== 'client' && m.leg !== 'relay');
    const relayed = d.markers.some((m) => m.kind === 'accepted' && m.leg === 'relay');
    if (cut && relayed) return 'Mail side: the message was cut off mid-body, yet the host AV relayed a copy onward';
    if (cut) return 'Mail side: the message was cut off mid-body (the shape of a splice abort)';
    if (d.legs.length === 1 && d.legs[0].leg === 'client') return 'Sender side only: the chart cannot tell splice on from off';
    if (neverForwarded(d)) return 'The message never reached the server leg: FortiGate held it and refused it (splice off)';
  }
  return HEADLINE[d.shape];
}

/** Both legs present, the client sent a body and was refused, the server leg carried none of it. */
function neverForwarded(d: ChartData): boolean {
  const c = d.legs.find((l) => l.leg === 'client');
  const s = d.legs.find((l) => l.leg === 'server');
  return !!c && !!s && c.points.length > 0 && s.points.length === 0 && d.markers.some((m) => m.kind === 'refusal');
}

const MARKER_NAME: Record<ChartMarker['kind'], string> = {
  abort: 'abort',
  refusal: 'FortiGate refusal',
  accepted: 'accepted',
  'mail-reply': 'mail side replies',
  notification: 'notification',
};

/** The x window: the body transfers, the abort and the refusal; later markers that would squash it go off-scale. */
export function chartWindow(d: ChartData): { t0: number; t1: number } {
  const core: number[] = [];
  for (const l of d.legs) {
    for (const p of l.points) core.push(p.t);
    if (l.endOfData) core.push(l.endOfData.t);
  }
  for (const m of d.markers) if (m.kind === 'abort' || m.kind === 'refusal') core.push(m.t);
  if (core.length === 0) for (const m of d.markers) core.push(m.t);
  if (core.length === 0) return { t0: 0, t1: 1 };
  let t0 = Math.min(...core);
  let t1 = Math.max(...core);
  const span = Math.max(t1 - t0, 0.001);
  for (const m of d.markers) if (m.t > t1 && m.t <= t0 + 2 * span) t1 = Math.max(t1, m.t);
  const s = Math.max(t1 - t0, 0.001);
  t0 -= s * 0.06;
  t1 += s * 0.08;
  return { t0, t1 };
}

export function chartSvgFromData(d: ChartData, opts: ChartSvgOptions = {}): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const { t0, t1 } = chartWindow(d);
  const span = t1 - t0;
  let maxBytes = 0;
  for (const l of d.legs) {
    maxBytes = Math.max(maxBytes, l.wireBytes);
    for (const p of l.points) maxBytes = Math.max(maxBytes, p.bytes);
  }
  const yStep = niceStep(Math.max(maxBytes, 1) / 4);
  const yMax = Math.max(yStep, Math.ceil(Math.max(maxBytes, 1) / yStep) * yStep);
  const X = (t: number) => M.left + ((Math.min(Math.max(t, t0), t1) - t0) / span) * pw;
  const Y = (b: number) => M.top + ph - (b / yMax) * ph;
  const o: string[] = [];
  const attrs = opts.standalone
    ? `xmlns="http://www.w3.org/2000/svg" width="${opts.width ?? W}" height="${Math.round(((opts.width ?? W) * H) / W)}"`
    : `width="100%"`;
  o.push(`<svg ${attrs} viewBox="0 0 ${W} ${H}" class="sdc chart" role="img" aria-labelledby="sdc-t sdc-d">`);
  o.push(`<title id="sdc-t">${esc(headline(d))}</title>`);
  o.push(`<desc id="sdc-d">Cumulative message bytes over time on each leg of the key dialogue${d.start ? `, from ${esc(d.start)}` : ''}.</desc>`);
  o.push(`<style>${CHART_CSS}</style>`);
  o.push(`<rect class="bg" x="0" y="0" width="${W}" height="${H}" rx="6"/>`);
  const cutOff = d.markers.some((m) => m.kind === 'abort' && m.leg !== 'client');
  const headClass = d.shape === 'unknown' && cutOff ? 'streaming' : d.shape === 'unknown' && neverForwarded(d) ? 'buffered' : d.shape;
  o.push(`<text class="title head-${headClass}" x="${M.left}" y="24">${esc(headline(d))}</text>`);
  const sub = opts.caption ? `${clip(opts.caption, 70)} \u2014 ` : '';
  o.push(`<text class="small mute" x="${M.left}" y="42">${esc(sub)}cumulative message bytes per leg; time from the dialogue start${d.start ? ` (${esc(d.start)})` : ''}</text>`);

  // Legend.
  let lx = M.left;
  for (const l of d.legs) {
    const txt = `${l.label} (session ${l.session}${l.transaction !== null && l.transactions > 1 ? `, tx ${l.transaction}/${l.transactions}` : ''}): ${formatBytes(l.wireBytes)}${l.wireBytes < 10_000 ? ' bytes' : ''}${l.endOfData ? ', ended' : l.points.length ? ', cut off' : ''}`;
    o.push(`<line class="l-${l.leg}" x1="${lx}" y1="60" x2="${lx + 18}" y2="60" stroke-width="3"/>`);
    o.push(`<text class="small fg" x="${lx + 24}" y="64">${esc(txt)}</text>`);
    lx += 24 + txt.length * 6 + 18;
  }

  // Grid and axes.
  const xStep = niceStep(span / 7);
  for (let v = Math.ceil(t0 / xStep) * xStep; v <= t1 + 1e-12; v += xStep) {
    const x = X(v);
    o.push(`<line class="grid" x1="${n(x)}" y1="${M.top}" x2="${n(x)}" y2="${M.top + ph}"/>`);
    o.push(`<text class="small mute" x="${n(x)}" y="${M.top + ph + 16}" text-anchor="middle">${esc(formatOffset(v, span))}</text>`);
  }
  for (let b = 0; b <= yMax + 1e-9; b += yStep) {
    const y = Y(b);
    o.push(`<line class="grid" x1="${M.left}" y1="${n(y)}" x2="${M.left + pw}" y2="${n(y)}"/>`);
    o.push(`<text class="small mute" x="${M.left - 6}" y="${n(y + 4)}" text-anchor="end">${esc(formatBytes(b))}</text>`);
  }
  o.push(`<line class="axis" x1="${M.left}" y1="${M.top + ph}" x2="${M.left + pw}" y2="${M.top + ph}"/>`);
  o.push(`<line class="axis" x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}"/>`);
  o.push(`<text class="small mute" x="${M.left + pw / 2}" y="${M.top + ph + 34}" text-anchor="middle">time from the dialogue start</text>`);
  o.push(`<text class="small mute" transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">message bytes</text>`);

  // The band that tells splice on from off: overlap (streaming) or the hold (buffered).
  const c = d.legs.find((l) => l.leg === 'client');
  const s = d.legs.find((l) => l.leg === 'server');
  if (c && s && c.points.length && s.points.length) {
    const cEnd = (c.endOfData ?? c.points[c.points.length - 1]).t;
    const sFirst = s.points[0].t;
    if (d.shape === 'streaming' && d.interleaved) {
      const a = X(sFirst);
      const b = X(Math.max(cEnd, sFirst));
      o.push(`<rect class="band-stream" x="${n(a)}" y="${M.top}" width="${n(Math.max(b - a, 3))}" height="${ph}"/>`);
      o.push(`<text class="small head-streaming" x="${n(a + 4)}" y="${M.top + ph - 8}">streamed while the sender was still sending</text>`);
    } else if (d.shape === 'buffered') {
      const a = X(cEnd);
      const b = X(sFirst);
      o.push(`<rect class="band-buffer" x="${n(a)}" y="${M.top}" width="${n(Math.max(b - a, 3))}" height="${ph}"/>`);
      const held = sFirst - cEnd;
      o.push(`<text class="small head-buffered" x="${n(a + 4)}" y="${M.top + ph - 8}">held and scanned: ${esc(formatOffset(held, held).slice(1))}</text>`);
    }
  }

  // Curves: steps (bytes arrive in frames), a dot per frame with its frame number in a tooltip.
  for (const l of d.legs) {
    if (l.points.length === 0) {
      // A leg that carried no body: a flat dashed line at zero says "nothing reached it".
      o.push(`<path class="curve l-${l.leg}" stroke-dasharray="7 5" d="M${M.left},${n(Y(0) - 1.5)}L${M.left + pw},${n(Y(0) - 1.5)}"><title>${esc(`${l.label}, session ${l.session}: no message bytes`)}</title></path>`);
      o.push(`<text class="small f-${l.leg}" x="${M.left + pw - 6}" y="${n(Y(0) - 8)}" text-anchor="end">${esc(`${l.label}: no message bytes`)}</text>`);
      continue;
    }
    let path = `M${n(X(l.points[0].t))},${n(Y(0))}`;
    let prev = 0;
    for (const p of l.points) {
      const x = n(X(p.t));
      path += `L${x},${n(Y(prev))}L${x},${n(Y(p.bytes))}`;
      prev = p.bytes;
    }
    o.push(`<path class="curve l-${l.leg}" d="${path}"><title>${esc(`${l.label}, session ${l.session}`)}</title></path>`);
    for (const p of l.points) {
      o.push(`<circle class="f-${l.leg}" cx="${n(X(p.t))}" cy="${n(Y(p.bytes))}" r="2.6"><title>${esc(`${l.label} #${p.frame} ${formatOffset(p.t, span)}: ${p.bytes} bytes`)}</title></circle>`);
    }
    if (l.endOfData) {
      const x = X(l.endOfData.t);
      const y = Y(l.endOfData.bytes);
      o.push(`<circle class="f-${l.leg}" cx="${n(x)}" cy="${n(y)}" r="5"><title>${esc(`${l.label}: end of data #${l.endOfData.frame} ${formatOffset(l.endOfData.t, span)}`)}</title></circle>`);
      const right = x > W - 140;
      o.push(`<text class="small fg" x="${n(right ? x - 8 : x + 7)}" y="${n(y - 6)}"${right ? ' text-anchor="end"' : ''}>${esc(`end of data #${l.endOfData.frame}`)}</text>`);
    } else {
      const last = l.points[l.points.length - 1];
      const right = X(last.t) > W - 140;
      o.push(`<text class="small f-${l.leg}" x="${n(X(last.t) + (right ? -8 : 7))}" y="${n(Y(last.bytes) + 14)}"${right ? ' text-anchor="end"' : ''}>no end of data</text>`);
    }
  }

  // Where a leg was cut off: a cross at the height it had reached.
  for (const m of d.markers) {
    if (m.kind !== 'abort' || m.t > t1) continue;
    const l = d.legs.find((x) => x.session === m.session);
    const reached = l?.points.length ? l.points[l.points.length - 1].bytes : 0;
    const x = X(m.t);
    const yy = Y(reached);
    o.push(`<g class="m-abort cut"><title>${esc(`cut off: ${m.label} (frame ${m.frame})`)}</title><path stroke-width="3.5" d="M${n(x - 7)},${n(yy - 7)}L${n(x + 7)},${n(yy + 7)}M${n(x - 7)},${n(yy + 7)}L${n(x + 7)},${n(yy - 7)}"/>`);
    if (l?.points.length) o.push(`<line class="mline" x1="${n(X(l.points[l.points.length - 1].t))}" y1="${n(yy)}" x2="${n(x)}" y2="${n(yy)}"/>`);
    o.push('</g>');
  }

  // Markers: a vertical line each; labels stacked in rows above the plot so they never overlap.
  const rows: number[] = [];
  const charW = 6.1;
  const placed = d.markers.slice(0, 12);
  for (const m of placed) {
    const off = m.t > t1;
    const x = off ? M.left + pw : X(m.t);
    const label = `${off ? '\u2192 ' : ''}${clip(m.label, 64)} #${m.frame} ${formatOffset(m.t, span)}`;
    const w = label.length * charW + 16;
    const anchorEnd = x + w > W - 4;
    const left = anchorEnd ? x - w : x;
    let row = rows.findIndex((end) => end < left);
    if (row === -1) {
      row = rows.length;
      rows.push(0);
    }
    rows[row] = left + w;
    const ly = M.top - 10 - row * 15;
    if (ly < 76) continue;
    o.push(`<g class="m-${m.kind}"><title>${esc(`${MARKER_NAME[m.kind]}: ${m.label} (frame ${m.frame}, session ${m.session})`)}</title>`);
    o.push(`<line class="mline" x1="${n(x)}" y1="${ly + 3}" x2="${n(x)}" y2="${M.top + ph}"/>`);
    const sym = markerSymbol(m, x, ly);
    o.push(sym);
    o.push(`<text class="small" stroke="none" x="${n(anchorEnd ? x - 8 : x + 8)}" y="${ly + 4}"${anchorEnd ? ' text-anchor="end"' : ''}>${esc(label)}</text></g>`);
  }
  if (d.legs.every((l) => l.points.length === 0)) {
    o.push(`<text class="fg" x="${M.left + pw / 2}" y="${M.top + ph / 2}" text-anchor="middle">no message body in the key dialogue</text>`);
  }
  o.push('</svg>');
  return o.join('\n');
}

function markerSymbol(m: ChartMarker, x: number, y: number): string {
  if (m.kind === 'abort') {
    return `<path stroke-width="2.5" d="M${n(x - 4)},${n(y - 4)}L${n(x + 4)},${n(y + 4)}M${n(x - 4)},${n(y + 4)}L${n(x + 4)},${n(y - 4)}"/>`;
  }
  return `<circle cx="${n(x)}" cy="${n(y)}" r="3.5" stroke="none"/>`;
}

/** Legend entries of a chart in text (for the HTML page's caption and for tests). */
export function legSummary(l: ChartLeg): string {
  const first = l.points[0];
  const last = l.points[l.points.length - 1];
  if (!first || !last) return `${l.label}: no message body`;
  return `${l.label} (session ${l.session}): ${l.wireBytes} bytes from #${first.frame} to #${(l.endOfData ?? last).frame}${l.endOfData ? '' : ', no end of data'}`;
}
