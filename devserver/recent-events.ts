/**
 * The last events written to each run's history, within a byte budget for all runs: a sticky worker
 * is sent only the events since its last task, which are nearly always here, so most reads of a
 * history kept in the data dir never go to disk. The runs written to least recently go first.
 */
/** What an event held costs the heap beyond its bytes (its Uint8Array and ArrayBuffer objects), counted in the budget. */
const EVENT_OVERHEAD_BYTES = 200;

export class RecentEvents<K> {
  // A Map iterates in insertion order: re-inserting a run on each write keeps the oldest first.
  private readonly tails = new Map<K, { first: number; events: Uint8Array[]; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxPerRun: number,
  ) {}

  /** Event `index` of `key`'s history was written (events are added in order). */
  add(key: K, index: number, encoded: Uint8Array): void {
    let tail = this.tails.get(key);
    this.tails.delete(key);
    if (!tail || tail.first + tail.events.length !== index) {
      this.bytes -= tail?.bytes ?? 0;
      tail = { first: index, events: [], bytes: 0 };
    }
    // Its own memory: the encoder's output is a slice of Node's shared pool, and would pin a whole slab.
    const copy = new Uint8Array(encoded);
    tail.events.push(copy);
    tail.bytes += copy.byteLength + EVENT_OVERHEAD_BYTES;
    this.bytes += copy.byteLength + EVENT_OVERHEAD_BYTES;
    while (tail.events.length > this.maxPerRun) {
      const old = tail.events.shift()!;
      tail.first++;
      tail.bytes -= old.byteLength + EVENT_OVERHEAD_BYTES;
      this.bytes -= old.byteLength + EVENT_OVERHEAD_BYTES;
    }
    this.tails.set(key, tail);
    for (const [k, t] of this.tails) {
      if (this.bytes <= this.maxBytes) break;
      this.tails.delete(k);
      this.bytes -= t.bytes;
    }
  }

  /** Event `index` of `key`'s history, when it is held. */
  get(key: K, index: number): Uint8Array | undefined {
    const tail = this.tails.get(key);
    return tail && index >= tail.first ? tail.events[index - tail.first] : undefined;
  }

  delete(key: K): void {
    this.bytes -= this.tails.get(key)?.bytes ?? 0;
    this.tails.delete(key);
  }
}
