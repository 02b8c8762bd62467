// Replaying the histories a test made on the workflow code, to prove it deterministic for them.
import { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { mapLimit } from '../../app/concurrency';

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

/** Replays them all through one replay worker (a worker per history costs far more than the replays); throws the first failure. */
export async function replayHistories(code: string, histories: RecordedHistory[]): Promise<number> {
  let count = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, histories)) {
    if (result.error) throw new Error(`${result.workflowId} does not replay: ${result.error.message}`, { cause: result.error });
    count++;
  }
  return count;
}

/**
 * What a history asked of the workflow code and what the code answered: each event's type with the
 * message, activity, timer outcome or marker it names. Two histories of one shape take one path
 * through the code, so replaying one of each covers the rest.
 */
export function shapeOf(history: History): string {
  return (history.events ?? [])
    .map((e) => {
      const named =
        e.activityTaskScheduledEventAttributes?.activityType?.name ??
        e.workflowExecutionSignaledEventAttributes?.signalName ??
        e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
        (e.workflowExecutionUpdateCompletedEventAttributes ? (e.workflowExecutionUpdateCompletedEventAttributes.outcome?.failure ? 'failed' : 'ok') : undefined) ??
        e.markerRecordedEventAttributes?.markerName ??
        '';
      return `${e.eventType}:${named}`;
    })
    .join(',');
}

/** One history of each shape (see `shapeOf`). */
export function oneOfEachShape(histories: RecordedHistory[]): RecordedHistory[] {
  const byShape = new Map<string, RecordedHistory>();
  for (const h of histories) if (!byShape.has(shapeOf(h.history))) byShape.set(shapeOf(h.history), h);
  return [...byShape.values()];
}
