import { invalidArgument } from './errors';

/** What a task token names: one attempt of one workflow task, activity (of a workflow, or standalone: `sa`) or legacy query. */
export interface TaskToken {
  ns: string;
  wid: string;
  rid: string;
  kind: 'wft' | 'act' | 'sa' | 'nexus' | 'nexus-cancel' | 'query';
  /** Scheduled event id (tasks), query id, or a standalone activity's id (`rid` is its run). */
  id: number | string;
  /** Activity attempt, or the dispatch number of a workflow task. */
  seq: number;
}

export const encodeToken = (t: TaskToken): Uint8Array => Buffer.from(JSON.stringify(t));

export function decodeToken(bytes: Uint8Array | null | undefined): TaskToken {
  try {
    const t = JSON.parse(Buffer.from(bytes ?? []).toString('utf8')) as TaskToken;
    if (typeof t.ns === 'string' && typeof t.wid === 'string' && typeof t.rid === 'string') return t;
  } catch {
    // fall through
  }
  throw invalidArgument('Error deserializing task token.');
}
