// Progress for long CLI jobs: a bar redrawn in place on a terminal, plain lines (every few seconds)
// when output goes to a file or a pipe, so logs stay readable.

import type { Output } from './command.js';

export interface ProgressLine {
  done: number;
  total: number;
  label?: string;
  rate?: number;
  etaSeconds?: number | null;
}

const formatEta = (s: number | null | undefined): string => {
  if (s == null || !Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
};

export class Progress {
  private lastLine = 0;
  private drawn = false;

  constructor(
    private readonly out: Output & { isTTY?: boolean; columns?: number },
    private readonly everyMs = 2000,
  ) {}

  update(p: ProgressLine, force = false): void {
    const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
    const rate = p.rate !== undefined ? ` ${p.rate.toFixed(1)} photos/s` : '';
    const text = `${p.label ?? 'progress'} ${p.done}/${p.total} (${pct}%)${rate} eta ${formatEta(p.etaSeconds)}`;
    if (this.out.isTTY) {
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - text.length - 4));
      const filled = Math.round((width * pct) / 100);
      this.out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
      this.drawn = true;
      return;
    }
    const now = Date.now();
    if (force || now - this.lastLine >= this.everyMs) {
      this.out.write(`${text}\n`);
      this.lastLine = now;
    }
  }

  /** Ends the bar's line on a terminal. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
