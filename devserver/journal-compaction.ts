import { Journal, type JournalRecord } from './journal';
import type { Engine } from './engine';
import type { JournalEventLog, JournalHistories } from './journal-event-log';

/** The tail is compacted once it outgrows both this and the last snapshot (so each byte is rewritten a bounded number of times). */
const DEFAULT_COMPACT_AFTER_BYTES = 8 * 1024 * 1024;

/**
 * The records that rebuild the engine's live state, as recovery replays them: namespaces and their
 * attributes, the clock offset, the schedules, the standalone activities, the Nexus endpoints, and each run's history, reset, buffered events and
 * activity attempts. Runs that retention deleted are not in the engine, so they drop out of the data dir here.
 */
export function* snapshotRecords(e: Engine, logs: JournalEventLog[]): Iterable<JournalRecord> {
  yield* e.namespaces.records();
  yield { t: 'clock', offset: e.clock.skippedMs };
  yield* e.schedules.records();
  yield* e.standaloneActivities.records();
  yield* e.nexusEndpoints.records();
  for (const exec of e.allRuns()) {
    if (exec.startRequestId) yield { t: 'start', ns: exec.ns, wid: exec.workflowId, rid: exec.runId, requestId: exec.startRequestId };
    // With a data dir every history is a journal log (Engine.newHistory); its events move to the snapshot.
    const history = exec.history as JournalEventLog;
    logs.push(history);
    for (const encoded of history.encodedSlice(0, history.length)) yield Journal.eventRecord(exec.ns, exec.workflowId, exec.runId, encoded);
    if (exec.resetRunId) yield { t: 'reset', ns: exec.ns, rid: exec.runId, newRid: exec.resetRunId };
    for (const b of exec.buffered) yield Journal.bufferedRecord(exec.ns, exec.runId, b.event, b.linkStarted);
    for (const act of exec.activities.values()) {
      const rec = e.activities.attemptRecord(exec, act);
      if (rec) yield rec;
    }
  }
}

/**
 * Compacts the journal when its tail has grown past the threshold, and at a clean shutdown. It runs
 * on its own turn of the event loop, never inside a write: there the engine may have journaled a
 * change it has not applied yet, and the snapshot would miss it.
 */
export class Compaction {
  private scheduled?: NodeJS.Immediate;
  private active = false;

  constructor(
    private readonly journal: Journal,
    private readonly e: Engine,
    private readonly histories: JournalHistories,
    private readonly afterBytes = DEFAULT_COMPACT_AFTER_BYTES,
  ) {
    journal.onWrite = () => this.check();
    histories.onRelease = () => this.check();
  }

  /**
   * From when the server listens: a second server started on the same data dir fails to bind first,
   * and must not replace the files the running one writes to.
   */
  start(): void {
    this.active = true;
    this.check();
  }

  /** Schedules a compaction if the tail is due for one, or if deleted runs' events are most of the files. */
  check(): void {
    const { tailBytes, snapshotBytes } = this.journal;
    const total = tailBytes + snapshotBytes;
    const due = tailBytes > Math.max(this.afterBytes, snapshotBytes) || (total > this.afterBytes && 2 * this.histories.deadBytes > total);
    if (!this.active || this.scheduled || !due) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.run();
    });
  }

  /** Writes the snapshot, switches to it, and points the live runs' histories at their events there. */
  run(): void {
    const logs: JournalEventLog[] = [];
    const spans: number[] = [];
    const gen = this.journal.writeSnapshot(snapshotRecords(this.e, logs), (start, length) => spans.push(start, length));
    this.journal.switchTo(gen);
    let at = 0;
    for (const log of logs) at = log.relocate(spans, at);
    this.histories.deadBytes = 0;
  }

  /** At a clean shutdown (always: retention may have deleted runs the last snapshot holds), so the next start reads one snapshot. */
  close(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.active) this.run();
    this.active = false;
  }
}
