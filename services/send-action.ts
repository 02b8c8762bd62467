import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { status as grpcStatus } from '@grpc/grpc-js';
import { ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { DomainError } from '../domain/errors';
import type { UserActionType } from '../domain/state-machine';
import { actions, type ExchangeSnapshot } from '../workflows/definitions';

/** How long an action waits for the workflow's decision by default (ACTION_TIMEOUT_SECONDS). */
export const DEFAULT_ACTION_TIMEOUT_MS = 20_000;

/** Decided: `snapshot` is the request as the action left it. Not decided: the request ended first. */
export type ActionOutcome = { decided: true; snapshot: ExchangeSnapshot } | { decided: false };

// What a Temporal server answers when an update never reached a decision:
// - the workflow closed before accepting it (NOT_FOUND), or after accepting it without answering
//   (an `AcceptedUpdateCompletedWorkflow` failure): the request has ended;
// - the workflow task that carried it failed (FAILED_PRECONDITION, "workflow not ready"): it was never
//   recorded, and the server expects the caller to send it again with the same update id.
const endedFailure = 'AcceptedUpdateCompletedWorkflow';
const notDelivered = (err: unknown) => err instanceof ServiceError && (err.cause as { code?: number } | undefined)?.code === grpcStatus.FAILED_PRECONDITION;

/**
 * Sends one action to a request's workflow as an update and waits, at most `timeoutMs`, for its
 * decision. An update the server could not deliver is sent again under the same update id (so it is
 * decided at most once); past the bound the caller gets `503 unavailable`, which is safe to retry with
 * the same Idempotency-Key. Refusals by the state machine surface as WorkflowUpdateFailedError for the
 * API's error mapping.
 */
export async function sendAction(
  client: Client,
  workflowId: string,
  action: UserActionType,
  input: Record<string, unknown>,
  opts: { updateId?: string; timeoutMs: number },
): Promise<ActionOutcome> {
  const updateId = opts.updateId ?? randomUUID();
  const deadline = Date.now() + opts.timeoutMs;
  const handle = client.workflow.getHandle(workflowId);
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    try {
      const snapshot = await client.withDeadline(deadline, () =>
        handle.executeUpdate(actions[action].update as typeof actions.assign.update, { args: [input as never], updateId }),
      );
      return { decided: true, snapshot };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { decided: false };
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === endedFailure) {
        return { decided: false };
      }
      const resend = notDelivered(err);
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || (resend && Date.now() + pause >= deadline)) {
        throw new DomainError('unavailable', `The request did not decide this action within ${Math.round(opts.timeoutMs / 1000)} s; retry with the same Idempotency-Key`);
      }
      if (!resend) throw err;
      await sleep(pause);
    }
  }
}
