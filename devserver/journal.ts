import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { api, type HistoryEvent } from './proto';

const HistoryEventType = api.history.v1.HistoryEvent;

/** One line of the journal. Events are stored protobuf-encoded, exactly as the server holds them. */
export type JournalRecord =
  | { t: 'ns'; name: string; id: string; retentionMs?: number; retentionDays?: number }
  | { t: 'sa'; ns: string; name: string; kind: string }
  | { t: 'start'; ns: string; wid: string; rid: string; requestId: string }
  | { t: 'ev'; ns: string; wid: string; rid: string; e: string }
  | { t: 'buf'; ns: string; rid: string; e: string; link?: boolean }
  | { t: 'flush'; ns: string; rid: string }
  /** An activity attempt's state, which history holds only once the activity closes (`at`: started, or retry due). */
  | { t: 'act'; ns: string; rid: string; id: number; attempt: number; state: 'started' | 'backoff'; at: number; identity?: string; hb?: number; failure?: string; details?: string }
  /** How far time skipping has moved the clock ahead of real time. */
  | { t: 'clock'; offset: number };

export type RecoveredRecord =
  | Exclude<JournalRecord, { t: 'ev' } | { t: 'buf' }>
  | { t: 'ev'; ns: string; wid: string; rid: string; event: HistoryEvent }
  | { t: 'buf'; ns: string; rid: string; event: HistoryEvent; link?: boolean };

/**
 * Append-only journal in the data directory. Every write is a synchronous append made before the
 * RPC that caused it answers, so a `kill -9` loses nothing that a client was told had happened.
 */
export class Journal {
  private readonly file: string;
  // Opened once: an open/close per appended event cost more than the write itself.
  private fd?: number;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, 'journal.jsonl');
  }

  read(): RecoveredRecord[] {
    if (!existsSync(this.file)) return [];
    const out: RecoveredRecord[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line) continue;
      let rec: JournalRecord;
      try {
        rec = JSON.parse(line) as JournalRecord;
      } catch {
        continue; // a torn final line from a crash mid-write: nothing was acknowledged for it
      }
      if (rec.t === 'ev') {
        out.push({ t: 'ev', ns: rec.ns, wid: rec.wid, rid: rec.rid, event: HistoryEventType.decode(Buffer.from(rec.e, 'base64')) });
      } else if (rec.t === 'buf') {
        out.push({ t: 'buf', ns: rec.ns, rid: rec.rid, event: HistoryEventType.decode(Buffer.from(rec.e, 'base64')), link: rec.link });
      } else {
        out.push(rec);
      }
    }
    return out;
  }

  write(records: JournalRecord[]): void {
    if (!records.length) return;
    this.fd ??= openSync(this.file, 'a');
    const data = Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    for (let written = 0; written < data.length; ) written += writeSync(this.fd, data, written);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  static eventRecord(ns: string, wid: string, rid: string, encoded: Uint8Array): JournalRecord {
    return { t: 'ev', ns, wid, rid, e: Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength).toString('base64') };
  }

  /** A buffered event is journaled as an event without an id; it gets one when flushed. */
  static bufferedRecord(ns: string, rid: string, event: HistoryEvent, link?: boolean): JournalRecord {
    return { t: 'buf', ns, rid, e: Buffer.from(HistoryEventType.encode(event).finish()).toString('base64'), link };
  }
}
