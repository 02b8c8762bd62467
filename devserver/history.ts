import { api, long, num, timestamp, timestampMs, type HistoryEvent, type proto } from './proto';
import { eventAttributesKey } from './event-names';
import { decodeEvent, encodeEvent } from './event-log';
import { Journal, type JournalRecord } from './journal';
import type { Execution } from './execution';
import type { VirtualClock } from './clock';

export type Attrs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export const NORMAL = api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL;
/** The workflow task timeout a start or continue-as-new writes when it sets none. */
export const DEFAULT_WFT_TIMEOUT_MS = 10_000;

/** An outside event to add; `linkStarted` fills startedEventId with the id written just before it. */
export interface ExternalEntry {
  type: number;
  attrs: Attrs;
  linkStarted?: boolean;
  /** When it happened, if not now (an activity's started event, written when the activity closes). */
  time?: number;
}

/**
 * Writes history: every event goes to the journal first, then is applied to its Execution. Events
 * from outside the workflow wait in the run's buffer while a workflow task runs.
 */
export class HistoryWriter {
  constructor(
    private readonly clock: VirtualClock,
    private readonly journal: Journal | undefined,
    /** Called when outside events were written: the workflow needs a task to see them. */
    private readonly onNewEvents: (exec: Execution) => void,
  ) {}

  makeEvent(type: number, attrs: Attrs, time = this.clock.now(), id = 0): HistoryEvent {
    return { eventId: long(id), eventTime: timestamp(time), eventType: type, [eventAttributesKey(type)]: attrs } as HistoryEvent;
  }

  /** `userMetadata` is the summary/details an SDK attached to the command or start (shown by UIs). */
  append(exec: Execution, type: number, attrs: Attrs, time?: number, userMetadata?: proto.temporal.api.sdk.v1.IUserMetadata | null): number {
    const event = this.makeEvent(type, attrs, time, exec.nextEventId);
    if (userMetadata) event.userMetadata = userMetadata;
    return this.write(exec, event);
  }

  /** Writes another run's event as it was (time, attributes, metadata) under this run's next id: a reset's copy of its base. */
  copy(exec: Execution, event: HistoryEvent): number {
    return this.write(exec, { ...event, eventId: long(exec.nextEventId) });
  }

  private write(exec: Execution, event: HistoryEvent): number {
    const encoded = encodeEvent(event);
    const span = this.journal?.writeEvent(exec.ns, exec.workflowId, exec.runId, encoded);
    // The execution keeps pieces of some events (update outcomes, search attributes...): they come
    // from the event's own encoding, not from views into the RPC message that carried them, which
    // would keep the whole message alive for as long as the workflow runs.
    exec.apply(decodeEvent(new Uint8Array(encoded)), encoded, span);
    return num(event.eventId);
  }

  record(rec: JournalRecord): void {
    if (this.journal) this.journal.write([rec]);
  }

  /**
   * Adds events that come from outside the workflow (signals, activity results, fired timers...).
   * While a workflow task runs they are buffered, as the real server does, and written after it.
   */
  addExternal(exec: Execution, entries: ExternalEntry[]): void {
    if (!exec.running) return;
    if (exec.completing || exec.wft?.startedEventId) {
      for (const e of entries) {
        const event = this.makeEvent(e.type, e.attrs, e.time);
        this.record(Journal.bufferedRecord(exec.ns, exec.runId, event, e.linkStarted));
        exec.buffered.push({ event, linkStarted: e.linkStarted });
      }
      return;
    }
    let last = 0;
    for (const e of entries) {
      last = this.append(exec, e.type, e.linkStarted ? { ...e.attrs, startedEventId: long(last) } : e.attrs, e.time);
    }
    this.onNewEvents(exec);
  }

  flushBuffered(exec: Execution): boolean {
    if (!exec.buffered.length) return false;
    const entries = exec.buffered;
    exec.buffered = [];
    let last = 0;
    for (const { event, linkStarted } of entries) {
      const key = eventAttributesKey(event.eventType!);
      const attrs = (event as Attrs)[key] as Attrs;
      last = this.append(exec, event.eventType!, linkStarted ? { ...attrs, startedEventId: long(last) } : attrs, timestampMs(event.eventTime));
    }
    // In the same journal write as the events (Journal.flush): recovery finds both or neither.
    this.record({ t: 'flush', ns: exec.ns, rid: exec.runId });
    return true;
  }
}
