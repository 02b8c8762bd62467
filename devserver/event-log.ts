import { api, type HistoryEvent } from './proto';
import type { EventSpan } from './journal';

const HistoryEventType = api.history.v1.HistoryEvent;

export const encodeEvent = (event: HistoryEvent): Uint8Array => HistoryEventType.encode(event).finish();
export const decodeEvent = (encoded: Uint8Array): HistoryEvent => HistoryEventType.decode(encoded);

/** A run's history as the engine reads and appends it: in memory (EventLog) or read back from the data dir's journal (JournalEventLog). */
export interface HistoryLog {
  readonly length: number;
  /** Appends an event; `span` is where the journal holds it, when there is a journal. */
  push(encoded: Uint8Array, span?: EventSpan): void;
  /** Events [from, to) in order, decoded. */
  slice(from?: number, to?: number): HistoryEvent[];
  at(index: number): HistoryEvent | undefined;
  /** The run was deleted (retention). */
  release?(): void;
}

/**
 * A run's history in memory (no data dir), held encoded in one buffer per run. Open runs are many
 * and their histories mostly cold (a sticky worker is sent only the events it has not seen), so
 * events are decoded when read.
 * A decoded object graph per event cost kilobytes; a small buffer per event from Node's shared pool
 * kept whole 8 KiB pool slabs alive.
 */
export class EventLog implements HistoryLog {
  private data = new Uint8Array(0);
  private size = 0;
  /** Where each event starts in `data`; one more entry marks the end of the last. */
  private readonly offsets: number[] = [0];

  get length(): number {
    return this.offsets.length - 1;
  }

  push(encoded: Uint8Array): void {
    const end = this.size + encoded.byteLength;
    if (end > this.data.byteLength) {
      // A quarter to spare: histories grow by a few events at a time, and open runs are many.
      const grown = new Uint8Array(Math.max(1024, end + (end >> 2)));
      grown.set(this.data.subarray(0, this.size));
      this.data = grown;
    }
    this.data.set(encoded, this.size);
    this.size = end;
    this.offsets.push(end);
  }

  /** Events [from, to) in order, decoded. */
  slice(from = 0, to = this.length): HistoryEvent[] {
    const out: HistoryEvent[] = [];
    for (let i = Math.max(0, from); i < Math.min(to, this.length); i++) out.push(this.decode(i));
    return out;
  }

  at(index: number): HistoryEvent | undefined {
    const i = index < 0 ? this.length + index : index;
    return i >= 0 && i < this.length ? this.decode(i) : undefined;
  }

  // A copy, so that what a reader keeps of an event never pins the whole log.
  private decode(i: number): HistoryEvent {
    return decodeEvent(this.data.slice(this.offsets[i], this.offsets[i + 1]));
  }
}
