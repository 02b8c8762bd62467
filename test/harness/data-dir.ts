import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { Journal } from '../../devserver/journal';
import { api, type HistoryEvent } from '../../devserver/proto';

// Reading what a dev server's data dir holds, for the tests of its persistence.

export const dirBytes = (dir: string) => readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

/** Events compared as their encodings: what the server wrote, whoever decoded them. */
export const encoded = (events: HistoryEvent[] | null | undefined) => (events ?? []).map((e) => Buffer.from(api.history.v1.HistoryEvent.encode(e).finish()).toString('base64'));
export const served = async (h: WorkflowHandle) => encoded((await h.fetchHistory()).events);

/** Every run's events as the data dir's journal holds them (read with the server stopped). */
export function journaled(dataDir: string): Map<string, string[]> {
  const runs = new Map<string, HistoryEvent[]>();
  for (const rec of new Journal(dataDir).read()) if (rec.t === 'ev') runs.set(rec.rid, [...(runs.get(rec.rid) ?? []), rec.event]);
  return new Map([...runs].map(([rid, events]) => [rid, encoded(events)]));
}
