// Percentiles, CPU and memory sampling, and the text tables the bench prints.

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentile of sorted values. */
const rank = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

export function summarize(values: number[]): Summary {
  if (!values.length) return { n: 0, p50: NaN, p95: NaN, p99: NaN, mean: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    n: sorted.length,
    p50: round(rank(sorted, 50)),
    p95: round(rank(sorted, 95)),
    p99: round(rank(sorted, 99)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    max: round(sorted[sorted.length - 1]),
  };
}

/** Samples named durations (ms); one recorder per measured run. */
export class Recorder {
  private readonly samples = new Map<string, number[]>();

  add(name: string, ms: number): void {
    let list = this.samples.get(name);
    if (!list) this.samples.set(name, (list = []));
    list.push(ms);
  }

  get(name: string): number[] {
    return this.samples.get(name) ?? [];
  }

  /** Every name with its summary, in first-recorded order. */
  summaries(prefix = ''): Record<string, Summary> {
    const out: Record<string, Summary> = {};
    for (const [name, values] of this.samples) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = summarize(values);
    return out;
  }
}

export const MiB = 1024 * 1024;

/** CPU time (all threads of the process) and peak RSS between start() and stop(). */
export class ResourceMonitor {
  private cpuStart = process.cpuUsage();
  private wallStart = performance.now();
  private peakRss = process.memoryUsage.rss();
  private readonly timer: NodeJS.Timeout;

  constructor(sampleMs = 50) {
    this.timer = setInterval(() => {
      const rss = process.memoryUsage.rss();
      if (rss > this.peakRss) this.peakRss = rss;
    }, sampleMs);
    this.timer.unref();
  }

  /** Starts a new window: CPU from now, peak RSS from the current RSS. */
  start(): void {
    this.cpuStart = process.cpuUsage();
    this.wallStart = performance.now();
    this.peakRss = process.memoryUsage.rss();
  }

  /** The window so far. */
  read(): { wallS: number; cpuUserS: number; cpuSystemS: number; cpuS: number; cores: number; peakRssMiB: number; rssMiB: number } {
    const cpu = process.cpuUsage(this.cpuStart);
    const wallS = (performance.now() - this.wallStart) / 1000;
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
    const cpuS = (cpu.user + cpu.system) / 1e6;
    return {
      wallS: round2(wallS),
      cpuUserS: round2(cpu.user / 1e6),
      cpuSystemS: round2(cpu.system / 1e6),
      cpuS: round2(cpuS),
      cores: round2(cpuS / Math.max(wallS, 1e-9)),
      peakRssMiB: Math.round(this.peakRss / MiB),
      rssMiB: Math.round(rss / MiB),
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export const round2 = (x: number) => Math.round(x * 100) / 100;

/** A markdown table: first column left-aligned, the others right-aligned. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isNaN(c) ? '-' : String(c)) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => (i > 0 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i > 0 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  return [line(headers), rule, ...cells.map(line)].join('\n');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
