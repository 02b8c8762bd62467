import { decodeEvent, type HistoryLog } from './event-log';
import { notFound } from './errors';
import { RecentEvents } from './recent-events';
import type { EventSpan, Journal } from './journal';
import type { HistoryEvent } from './proto';

/**
 * What the recent events' cache holds for all runs, and for each at most its last events: enough for
 * what a sticky worker is sent after a signal or an update (about 6 events).
 */
const DEFAULT_RECENT_BYTES = 4 * 1024 * 1024;
const RECENT_PER_RUN = 8;
/** Events of a run lying closer than this in one file are read in one go (in a snapshot they lie together). */
const READ_GAP_BYTES = 16 * 1024;

/**
 * With a data dir, histories live in the journal's files, which hold every event anyway: a run keeps
 * only where each of its events lies there, and the last events written are cached. So the journal
 * stays the one source of truth: recovery finds the spans where it finds the events, and nothing
 * can be served that the journal does not hold. Compaction moves the live runs' events to the new
 * snapshot (relocating their spans); it also runs once deleted runs' events are most of the files.
 */
export class JournalHistories {
  readonly recent: RecentEvents<JournalEventLog>;
  /** Bytes of deleted runs' events still in the journal's files. */
  deadBytes = 0;
  /** Called when a run's history is deleted (compaction weighs the dead bytes). */
  onRelease?: () => void;

  constructor(
    readonly journal: Journal,
    recentBytes = DEFAULT_RECENT_BYTES,
  ) {
    this.recent = new RecentEvents(recentBytes, RECENT_PER_RUN);
  }

  create(): JournalEventLog {
    return new JournalEventLog(this);
  }
}

/** A run's history read back from the journal's files: a start and a length per event, off the heap. */
export class JournalEventLog implements HistoryLog {
  private spans = new Float64Array(16);
  private count = 0;
  /** Events [0, inSnapshot) lie in the snapshot, the rest in the tail. */
  private inSnapshot = 0;
  /** The journal generation the spans point into; a deleted run is not moved on by compaction. */
  private generation: number;

  constructor(private readonly store: JournalHistories) {
    this.generation = store.journal.generation;
  }

  get length(): number {
    return this.count;
  }

  push(encoded: Uint8Array, span?: EventSpan): void {
    if (!span) throw new Error('an event of a run kept in the data dir must come with its place in the journal');
    if (2 * this.count + 2 > this.spans.length) {
      const grown = new Float64Array(this.spans.length * 2);
      grown.set(this.spans);
      this.spans = grown;
    }
    this.spans[2 * this.count] = span.start;
    this.spans[2 * this.count + 1] = span.length;
    if (span.inSnapshot) this.inSnapshot++;
    this.store.recent.add(this, this.count, encoded);
    this.count++;
  }

  slice(from = 0, to = this.count): HistoryEvent[] {
    return this.encodedSlice(Math.max(0, from), Math.min(to, this.count)).map(decodeEvent);
  }

  at(index: number): HistoryEvent | undefined {
    const i = index < 0 ? this.count + index : index;
    return i >= 0 && i < this.count ? decodeEvent(this.encodedSlice(i, i + 1)[0]) : undefined;
  }

  /** Events [from, to) as encoded, each in its own memory: decoded events' bytes fields are views into it. */
  encodedSlice(from: number, to: number): Uint8Array[] {
    if (this.generation !== this.store.journal.generation) {
      throw notFound('workflow execution history was deleted (retention)');
    }
    const out: Uint8Array[] = [];
    for (let i = from; i < to; ) {
      const cached = this.store.recent.get(this, i);
      if (cached) {
        out.push(cached);
        i++;
        continue;
      }
      let j = i + 1;
      while (j < to && this.readsWith(j) && (j < this.inSnapshot) === (i < this.inSnapshot)) j++;
      const start = this.spans[2 * i];
      const raw = this.store.journal.readSpan(i < this.inSnapshot, start, this.spans[2 * j - 2] + this.spans[2 * j - 1] - start);
      for (; i < j; i++) {
        const at = this.spans[2 * i] - start;
        out.push(new Uint8Array(Buffer.from(raw.toString('latin1', at, at + this.spans[2 * i + 1]), 'base64')));
      }
    }
    return out;
  }

  /** Event j is read in one go with j - 1: not cached, after it and close by in the same file. */
  private readsWith(j: number): boolean {
    const gap = this.spans[2 * j] - (this.spans[2 * j - 2] + this.spans[2 * j - 1]);
    return gap >= 0 && gap <= READ_GAP_BYTES && !this.store.recent.get(this, j);
  }

  /** After compaction: the events lie in the new snapshot, at `spans[at..]` (start, length pairs). Returns where the next run's begin. */
  relocate(spans: number[], at: number): number {
    this.spans.set(spans.slice(at, at + 2 * this.count));
    this.inSnapshot = this.count;
    this.generation = this.store.journal.generation;
    return at + 2 * this.count;
  }

  release(): void {
    for (let i = 0; i < this.count; i++) this.store.deadBytes += this.spans[2 * i + 1];
    this.store.recent.delete(this);
    this.store.onRelease?.();
  }
}
