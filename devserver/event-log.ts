import { api, type HistoryEvent } from './proto';

const HistoryEventType = api.history.v1.HistoryEvent;

export const encodeEvent = (event: HistoryEvent): Uint8Array => HistoryEventType.encode(event).finish();
export const decodeEvent = (encoded: Uint8Array): HistoryEvent => HistoryEventType.decode(encoded);

/**
 * A run's history, held encoded: one compact buffer per event instead of a decoded object graph that
 * also pins the RPC buffers its payloads were sliced from. Open runs are many and their histories are
 * mostly cold (a sticky worker is sent only the events it has not seen), so events are decoded when read.
 */
export class EventLog {
  private readonly events: Uint8Array[] = [];

  get length(): number {
    return this.events.length;
  }

  push(event: HistoryEvent, encoded: Uint8Array = encodeEvent(event)): void {
    this.events.push(encoded);
  }

  /** Events [from, to) in order, decoded. */
  slice(from = 0, to = this.events.length): HistoryEvent[] {
    return this.events.slice(from, to).map(decodeEvent);
  }

  at(index: number): HistoryEvent | undefined {
    const bytes = this.events.at(index);
    return bytes && decodeEvent(bytes);
  }
}
