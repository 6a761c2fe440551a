// Triage progress line on a terminal: files done of total, MB/s, ETA and verdict counts, redrawn at most 10 times a second.

import type { WriteStream } from 'node:tty';

export interface ProgressState {
  done: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
  counts: Record<string, number>;
  note?: string;
}

export class TriageProgress {
  private last = 0;
  private readonly t0 = Date.now();
  private shown = false;

  constructor(private readonly out: NodeJS.WritableStream & Partial<Pick<WriteStream, 'columns'>>) {}

  update(s: ProgressState, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    this.out.write('\r\x1b[K' + this.line(s, now));
    this.shown = true;
  }

  /** Clears the line so the output that follows starts clean. */
  finish(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }

  line(s: ProgressState, now = Date.now()): string {
    const secs = Math.max((now - this.t0) / 1000, 0.001);
    const rate = s.bytesDone / secs;
    let eta = '';
    if (s.done > 0 && s.done < s.total) {
      const left = s.bytesTotal > 0 && rate > 0 ? (s.bytesTotal - s.bytesDone) / rate : ((s.total - s.done) * secs) / s.done;
      eta = ` ETA ${clock(left)}`;
    }
    const counts = Object.entries(s.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    let text = `triage ${s.done}/${s.total} ${(rate / 1e6).toFixed(1)} MB/s${eta}${counts ? ' | ' + counts : ''}${s.note ? ' | ' + s.note : ''}`;
    const width = this.out.columns ?? 0;
    if (width > 10 && text.length > width - 1) text = text.slice(0, width - 2) + '…';
    return text;
  }
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}
