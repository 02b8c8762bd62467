// Replaying the histories a test made on the workflow code, to prove it deterministic for them.
import { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { mapLimit } from '../../app/concurrency';
import { inDebugMode } from './debug-mode';

type History = temporal.api.history.v1.IHistory;
export interface RecordedHistory {
  workflowId: string;
  history: History;
}

/** Every run a visibility query finds, with its history. */
export async function historiesOf(client: Client, query: string): Promise<RecordedHistory[]> {
  const runs = [];
  for await (const info of client.workflow.list({ query })) runs.push(info);
  return mapLimit(runs, 8, async (info) => ({ workflowId: info.workflowId, history: await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory() }));
}

/**
 * Each history replayed on `code`, in order, through one replay worker (a worker per history costs far
 * more than the replays): what each replay ended with, `error` unset when it replayed.
 */
export function replayResults(code: string, histories: RecordedHistory[]): Promise<Array<{ workflowId: string; error?: Error }>> {
  return inDebugMode(async () => {
    const results = [];
    for await (const { workflowId, error } of Worker.runReplayHistories({ workflowBundle: { code } }, histories)) results.push({ workflowId, error });
    return results;
  });
}

/** Replays them all (see `replayResults`); throws the first failure, else answers how many replayed. */
export async function replayHistories(code: string, histories: RecordedHistory[]): Promise<number> {
  const results = await replayResults(code, histories);
  const failed = results.find((r) => r.error);
  if (failed) throw new Error(`${failed.workflowId} does not replay: ${failed.error!.message}`, { cause: failed.error });
  return results.length;
}

/** Replays one history on `code`; rejects with the SDK's error (a DeterminismViolationError...) when it does not replay. */
export function replayHistory(code: string, history: History, workflowId: string): Promise<void> {
  return inDebugMode(() => Worker.runReplayHistory({ workflowBundle: { code } }, history, workflowId));
}

/**
 * What a history asked of the workflow code and what the code answered, step by step: each event's
 * type with the message, activity, timer outcome or marker it names.
 */
function stepsOf(history: History): string[] {
  return (history.events ?? []).map((e) => {
    const named =
      e.activityTaskScheduledEventAttributes?.activityType?.name ??
      e.workflowExecutionSignaledEventAttributes?.signalName ??
      e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
      (e.workflowExecutionUpdateCompletedEventAttributes ? (e.workflowExecutionUpdateCompletedEventAttributes.outcome?.failure ? 'failed' : 'ok') : undefined) ??
      e.markerRecordedEventAttributes?.markerName ??
      '';
    return `${e.eventType}:${named}`;
  });
}

/**
 * A few of the histories that between them hold every run of `window` consecutive steps (`stepsOf`)
 * that any of them holds: each step the code took is replayed after every run of `window - 1` steps
 * it followed anywhere. A fraction of the cost of replaying all (the race matrix: 14 of 71 histories
 * of about 100 events). Chosen greedily, the one adding most first.
 */
export function coveringHistories(histories: RecordedHistory[], window = 4): RecordedHistory[] {
  const runsOf = histories.map((h) => {
    const steps = stepsOf(h.history);
    const runs = new Set<string>();
    for (let i = 0; i + window <= Math.max(steps.length, window); i++) runs.add(steps.slice(i, i + window).join(' > '));
    return runs;
  });
  const covered = new Set<string>();
  const chosen: RecordedHistory[] = [];
  for (;;) {
    let best = -1;
    let adds = 0;
    runsOf.forEach((runs, i) => {
      let n = 0;
      for (const r of runs) if (!covered.has(r)) n++;
      if (n > adds) [best, adds] = [i, n];
    });
    if (best < 0) return chosen;
    for (const r of runsOf[best]) covered.add(r);
    chosen.push(histories[best]);
  }
}
