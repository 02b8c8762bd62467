import type * as grpc from '@grpc/grpc-js';
import { api } from './proto';
import { invalidArgument, notFound } from './errors';
import type { Engine } from './engine';
import type { Execution } from './execution';

// What the RPC handlers of every service share.

const ws = api.workflowservice.v1;
type WS = typeof ws;
/** What a handler may ask of the call it serves: a gRPC call, or an HTTP API request standing in for one. */
export type CallContext = Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getDeadline' | 'cancelled'>;
export type Handler = (req: any, call: CallContext) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Handlers = Record<string, Handler>;
export type RequestOf<K extends keyof WS> = WS[K] extends { decode(...args: never[]): infer R } ? R : never;

/** How long a long poll may wait: the caller's deadline (less a margin to answer in), at most `max`. */
export function pollBudget(call: CallContext, max: number): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  if (!Number.isFinite(at) || at <= 0) return max;
  return Math.max(0, Math.min(max, at - Date.now() - 500));
}

/** Waits until `done` holds, the execution changes and re-checking says so, or the budget runs out. */
export async function waitOn(exec: Execution, budgetMs: number, done: () => boolean): Promise<boolean> {
  const until = Date.now() + budgetMs;
  while (!done()) {
    const left = until - Date.now();
    if (left <= 0) return false;
    await exec.nextChange(left);
  }
  return true;
}

export function pageToken(value: object | undefined): Uint8Array {
  return value ? Buffer.from(JSON.stringify(value)) : Buffer.alloc(0);
}

export function readPageToken<T>(bytes: Uint8Array | null | undefined): T | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch {
    throw invalidArgument('Invalid NextPageToken.');
  }
}

type ExecutionRef = { workflowId?: string | null; runId?: string | null } | null | undefined;

/** The run a request names (its latest run when the run id is empty). */
export function runOf(engine: Engine, namespace: string, ref: ExecutionRef): Execution {
  return engine.getRun(engine.namespaces.get(namespace).name, ref?.workflowId ?? '', ref?.runId);
}

/** A request that names the chain's first run must match it. */
export function checkFirstRun(exec: Execution, firstExecutionRunId: string | null | undefined): void {
  if (firstExecutionRunId && exec.firstRunId !== firstExecutionRunId) throw notFound('workflow execution not found for the given first run id');
}
