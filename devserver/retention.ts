import type { ClockTimer } from './clock';
import type { Execution } from './execution';
import type { Engine } from './engine';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `24h`, `7d`, `90m`, `30s` or `500ms` in milliseconds; undefined when it is none. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  return m ? Math.round(Number(m[1]) * UNITS[m[2]]) : undefined;
}

/** Something closed that retention deletes: a workflow run, or a standalone activity's run. */
interface Retained {
  ns: string;
  closeTime: number;
  remove(): void;
}

/**
 * Deletes closed runs (and standalone activities' runs) once their namespace's retention has passed
 * since they closed, as the real server does. They wait in one queue per namespace in close order,
 * so the head of each queue is its next deletion: one passive clock timer (time skipping reaches it,
 * but never skips to it) for the earliest head, and no scan of the runs.
 */
export class Retention {
  private readonly queues = new Map<string, Retained[]>();
  private timer?: ClockTimer;
  private timerAt = Infinity;
  private started = false;

  constructor(private readonly e: Engine) {}

  /** Queues a closed workflow run for deletion. */
  add(exec: Execution): void {
    this.track({ ns: exec.ns, closeTime: exec.closeTime, remove: () => this.e.removeRun(exec) });
  }

  /** Queues anything closed for deletion; `remove` deletes it (if it is still there). */
  track(item: Retained): void {
    let queue = this.queues.get(item.ns);
    if (!queue) this.queues.set(item.ns, (queue = []));
    // Things close in clock order, so this is an append but for what is recovered out of order.
    let i = queue.length;
    while (i > 0 && queue[i - 1].closeTime > item.closeTime) i--;
    queue.splice(i, 0, item);
    if (this.started) this.arm();
  }

  /** After recovery (and the namespaces' configured retention): deletes what is past due and arms the timer. */
  start(): void {
    this.started = true;
    this.sweep();
  }

  close(): void {
    this.timer?.cancel();
    this.started = false;
  }

  private sweep(): void {
    const now = this.e.clock.now();
    for (const [ns, queue] of this.queues) {
      const retentionMs = this.e.namespaces.get(ns).retentionMs;
      let due = 0;
      while (due < queue.length && queue[due].closeTime + retentionMs <= now) queue[due++].remove();
      queue.splice(0, due);
    }
    this.timerAt = Infinity;
    this.arm();
  }

  private arm(): void {
    let next = Infinity;
    for (const [ns, queue] of this.queues) if (queue.length) next = Math.min(next, queue[0].closeTime + this.e.namespaces.get(ns).retentionMs);
    if (next >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = next;
    this.timer = next === Infinity ? undefined : this.e.clock.at(next, () => this.sweep(), true);
  }
}
