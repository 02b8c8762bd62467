import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { api, type HistoryEvent } from './proto';

const HistoryEventType = api.history.v1.HistoryEvent;

/** One line of the journal. Events are stored protobuf-encoded, exactly as the server holds them. */
export type JournalRecord =
  | { t: 'ns'; name: string; id: string; retentionMs?: number; retentionDays?: number }
  | { t: 'sa'; ns: string; name: string; kind: string }
  | { t: 'start'; ns: string; wid: string; rid: string; requestId: string }
  /** Run `rid` was reset: `newRid` is the run that made. */
  | { t: 'reset'; ns: string; rid: string; newRid: string }
  | { t: 'ev'; ns: string; wid: string; rid: string; e: string }
  | { t: 'buf'; ns: string; rid: string; e: string; link?: boolean }
  | { t: 'flush'; ns: string; rid: string }
  /** An activity attempt's state, which history holds only once the activity closes (`at`: started, or retry due). */
  | { t: 'act'; ns: string; rid: string; id: number; attempt: number; state: 'started' | 'backoff'; at: number; identity?: string; hb?: number; failure?: string; details?: string }
  /** How far time skipping has moved the clock ahead of real time. */
  | { t: 'clock'; offset: number }
  | { t: 'schedule'; ns: string; id: string; s: string }
  | { t: 'schedule-deleted'; ns: string; id: string }
  /** A standalone activity's run, whole (devserver/standalone-activities.ts). */
  | { t: 'activity'; ns: string; rid: string; s: string }
  | { t: 'activity-deleted'; ns: string; rid: string }
  /** A Nexus endpoint, whole (devserver/nexus-endpoints.ts). */
  | { t: 'nexus-endpoint'; e: string }
  | { t: 'nexus-endpoint-deleted'; id: string };

/**
 * Where an event's encoding lies in the journal: `length` base64 bytes from `start` in the current
 * generation's snapshot or tail. The journal is where histories are read back from (JournalEventLog).
 */
export interface EventSpan {
  inSnapshot: boolean;
  start: number;
  length: number;
}

export type RecoveredRecord =
  | Exclude<JournalRecord, { t: 'ev' } | { t: 'buf' }>
  | { t: 'ev'; ns: string; wid: string; rid: string; event: HistoryEvent; encoded: Uint8Array; span: EventSpan }
  | { t: 'buf'; ns: string; rid: string; event: HistoryEvent; link?: boolean };

// Generation n: a snapshot of the whole state (none for 0) and the tail of records written after it.
// A data dir from before snapshots holds generation 0's tail, journal.jsonl.
const tailName = (gen: number) => (gen ? `journal-${gen}.jsonl` : 'journal.jsonl');
const snapshotName = (gen: number) => `snapshot-${gen}.jsonl`;
const SNAPSHOT_FILE = /^snapshot-(\d+)\.jsonl$/;
const CHUNK_BYTES = 1 << 20;
const NEWLINE = 10;

/** An event record's line, and where its base64 (the last field: the line ends `"}`) starts in it, in bytes. */
function eventLine(rec: Extract<JournalRecord, { t: 'ev' }>): { line: Buffer; at: number } {
  const line = Buffer.from(JSON.stringify(rec) + '\n');
  return { line, at: line.length - 3 - rec.e.length };
}

/**
 * The journal in the data directory: the latest snapshot plus an append-only tail. What one stretch
 * of the engine's synchronous work appends (an RPC's handling, a timer firing, a task handed to a
 * poller) goes out in one write when it ends, before the RPC that caused it answers: a `kill -9`
 * leaves all of it or none, and loses nothing a client was told had happened. Compaction writes the
 * next generation's snapshot whole (temp file, fsync, rename): until the rename, recovery reads the
 * previous snapshot and tail, both intact; after it, the new snapshot, which holds everything they
 * did, and the new tail.
 */
export class Journal {
  private gen: number;
  // Opened once: an open/close per appended event cost more than the write itself.
  private fd?: number;
  // Histories are read back from the journal: one descriptor per file, until it is replaced.
  private readFds: Record<string, number> = {};
  /** Bytes in the current tail and in its snapshot: compaction weighs one against the other. */
  tailBytes = 0;
  snapshotBytes = 0;
  /** Called after each write (compaction watches the tail grow). */
  onWrite?: () => void;
  // Appended and not yet written (see flush), and their length.
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    const gens = readdirSync(dir).map((f) => SNAPSHOT_FILE.exec(f)).filter((m) => m !== null).map((m) => Number(m[1]));
    this.gen = Math.max(0, ...gens);
  }

  /** The snapshot's records, then the tail's. Files of older generations (a crash mid-compaction) go. */
  read(): RecoveredRecord[] {
    this.removeStale();
    const out: RecoveredRecord[] = [];
    if (this.gen) this.snapshotBytes = this.readFile(snapshotName(this.gen), out);
    this.tailBytes = this.readFile(tailName(this.gen), out);
    return out;
  }

  /** The current generation: spans point into its files. */
  get generation(): number {
    return this.gen;
  }

  write(records: JournalRecord[]): void {
    if (records.length) this.append(Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n'));
  }

  /** Appends a history event; where its encoding lies in the tail. */
  writeEvent(ns: string, wid: string, rid: string, encoded: Uint8Array): EventSpan {
    const rec = Journal.eventRecord(ns, wid, rid, encoded) as Extract<JournalRecord, { t: 'ev' }>;
    const { line, at } = eventLine(rec);
    const start = this.tailBytes + at;
    this.append(line);
    return { inSnapshot: false, start, length: rec.e.length };
  }

  private append(data: Buffer): void {
    this.tailBytes += data.length;
    this.pendingBytes += data.length;
    if (this.pending.push(data) === 1) queueMicrotask(() => this.flush());
  }

  /**
   * Writes what was appended since the last write, in one write. It runs as a microtask queued by the
   * first append, so everything the engine changes in one synchronous stretch lands together: a signal
   * does not split a write to a file (a machine crash's torn last line is dropped at the next start).
   * Appended one by one, a kill between an activity's started event and its outcome, or between
   * buffered events and the record that says they were written, left a history recovery wrote again
   * (an ActivityTaskStarted twice: the SDK failed the workflow's tasks from then on).
   */
  flush(): void {
    if (!this.pending.length) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      this.writeOut(data);
    } catch (err) {
      // From a microtask, this ends the process: what the server holds is no longer what it can recover.
      throw new Error(`the dev server's journal in ${this.dir} could not be written (${(err as Error).message}); stopping, as its state in memory is no longer on disk`);
    }
  }

  private writeOut(data: Buffer): void {
    this.fd ??= openSync(join(this.dir, tailName(this.gen)), 'a');
    for (let written = 0; written < data.length; ) written += writeSync(this.fd, data, written);
    this.onWrite?.();
  }

  /**
   * The encoding of events the current generation holds from `start` (its base64 as written, `length`
   * bytes). Several events of a run are read in one go: the range may run from the file into what is
   * appended and not yet written.
   */
  readSpan(inSnapshot: boolean, start: number, length: number): Buffer {
    const out = Buffer.allocUnsafeSlow(length);
    const fileEnd = inSnapshot ? Infinity : this.tailBytes - this.pendingBytes;
    const name = inSnapshot ? snapshotName(this.gen) : tailName(this.gen);
    let filled = 0;
    const fromFile = Math.max(0, Math.min(length, fileEnd - start));
    if (fromFile > 0) {
      const fd = (this.readFds[name] ??= openSync(join(this.dir, name), 'r'));
      while (filled < fromFile) {
        const n = readSync(fd, out, filled, fromFile - filled, start + filled);
        if (n === 0) break;
        filled += n;
      }
    }
    if (filled === fromFile && filled < length) {
      let at = fileEnd;
      for (const data of this.pending) {
        const from = start + filled - at;
        if (from < data.length) filled += data.copy(out, filled, from, Math.min(data.length, from + length - filled));
        at += data.length;
        if (filled === length) break;
      }
    }
    if (filled < length) throw new Error(`journal ${name}: ${length} bytes at ${start} are past its end`);
    return out;
  }

  /**
   * Compaction's first step: the next generation's snapshot, durable once this returns. `placed` is
   * told, in order, where each event record's base64 lies in it.
   */
  writeSnapshot(state: Iterable<JournalRecord>, placed?: (start: number, length: number) => void): number {
    this.flush();
    const next = this.gen + 1;
    const tmp = join(this.dir, `${snapshotName(next)}.tmp`);
    const fd = openSync(tmp, 'w');
    let chunk: Buffer[] = [];
    let chunkLength = 0;
    let bytes = 0;
    const flush = () => {
      const data = Buffer.concat(chunk, chunkLength);
      for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
      bytes += data.length;
      chunk = [];
      chunkLength = 0;
    };
    try {
      for (const rec of state) {
        let line: Buffer;
        if (rec.t === 'ev') {
          const ev = eventLine(rec);
          placed?.(bytes + chunkLength + ev.at, rec.e.length);
          line = ev.line;
        } else {
          line = Buffer.from(JSON.stringify(rec) + '\n');
        }
        chunk.push(line);
        chunkLength += line.length;
        if (chunkLength >= CHUNK_BYTES) flush();
      }
      flush();
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, snapshotName(next)));
    this.syncDir();
    this.snapshotBytes = bytes;
    return next;
  }

  /** Compaction's second step: new records go to the new generation's tail, and the old files go. */
  switchTo(gen: number): void {
    this.close();
    this.gen = gen;
    this.tailBytes = 0;
    this.removeStale();
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    for (const fd of Object.values(this.readFds)) closeSync(fd);
    this.readFds = {};
  }

  private readFile(name: string, out: RecoveredRecord[]): number {
    const file = join(this.dir, name);
    if (!existsSync(file)) return 0;
    const data = readFileSync(file);
    const inSnapshot = name !== tailName(this.gen);
    let at = 0;
    for (let end = data.indexOf(NEWLINE); end >= 0; at = end + 1, end = data.indexOf(NEWLINE, at)) {
      if (end === at) continue;
      let rec: JournalRecord;
      try {
        rec = JSON.parse(data.toString('utf8', at, end)) as JournalRecord;
      } catch {
        continue; // a torn line a server before this fix appended to: it was never acknowledged whole
      }
      if (rec.t === 'ev') {
        const encoded = Buffer.from(rec.e, 'base64');
        const span = { inSnapshot, start: end - 2 - rec.e.length, length: rec.e.length };
        out.push({ t: 'ev', ns: rec.ns, wid: rec.wid, rid: rec.rid, event: HistoryEventType.decode(encoded), encoded, span });
      } else if (rec.t === 'buf') {
        out.push({ t: 'buf', ns: rec.ns, rid: rec.rid, event: HistoryEventType.decode(Buffer.from(rec.e, 'base64')), link: rec.link });
      } else {
        out.push(rec);
      }
    }
    // A torn last line from a crash mid-write: nothing was acknowledged for it. It goes, or the next
    // record appended would join it and be lost with it at the next start.
    if (at < data.length) truncateSync(file, at);
    return at;
  }

  /** Removes the snapshots and tails of older generations, and any unfinished snapshot. */
  private removeStale(): void {
    const keep = new Set([snapshotName(this.gen), tailName(this.gen)]);
    for (const f of readdirSync(this.dir)) {
      if (keep.has(f) || !(SNAPSHOT_FILE.test(f) || /^journal(-\d+)?\.jsonl$/.test(f) || /^snapshot-\d+\.jsonl\.tmp$/.test(f))) continue;
      rmSync(join(this.dir, f), { force: true });
    }
  }

  // The rename is durable only once the directory is.
  private syncDir(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  static eventRecord(ns: string, wid: string, rid: string, encoded: Uint8Array): JournalRecord {
    return { t: 'ev', ns, wid, rid, e: Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength).toString('base64') };
  }

  /** A buffered event is journaled as an event without an id; it gets one when flushed. */
  static bufferedRecord(ns: string, rid: string, event: HistoryEvent, link?: boolean): JournalRecord {
    return { t: 'buf', ns, rid, e: Buffer.from(HistoryEventType.encode(event).finish()).toString('base64'), link };
  }
}
