// How the API turns what a Temporal server answers to an action's update into an outcome: each answer a
// real server gives when an update never reached a decision (see docs/architecture/workflow-update.md in
// temporalio/temporal), played by a stub client.
import { describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { sendAction } from '../../services/send-action';
import { DomainError } from '../../domain/errors';
import type { ExchangeSnapshot } from '../../workflows/definitions';

const decided = { number: 'PTSK0001001', consumerState: 'work_in_progress' } as ExchangeSnapshot;
const grpcError = (code: number, details: string) => Object.assign(new Error(details), { code, details, metadata: {} });

/** A client whose update calls answer, in turn, with what `answers` gives; records the update ids sent. */
function stubClient(answers: Array<() => unknown>) {
  const updateIds: string[] = [];
  const client = {
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
    workflow: {
      getHandle: () => ({
        executeUpdate: async (_def: unknown, opts: { updateId: string }) => {
          updateIds.push(opts.updateId);
          const answer = answers.shift();
          if (!answer) throw new Error('no more answers');
          return answer();
        },
      }),
    },
  } as unknown as Client;
  return { client, updateIds };
}

const send = (client: Client, updateId?: string, timeoutMs = 5_000) => sendAction(client, 'exchange:acme:PTSK0001001', 'comment', { body: 'hi' }, { updateId, timeoutMs });

describe('sending an action as an update', () => {
  it('answers the decision', async () => {
    const { client } = stubClient([() => decided]);
    expect(await send(client, 'u1')).toEqual({ decided: true, snapshot: decided });
  });

  it('reports a request that ended first: the workflow closed before accepting the update (NOT_FOUND)', async () => {
    const { client } = stubClient([
      () => {
        throw new WorkflowNotFoundError('workflow update was aborted by closing workflow', 'exchange:acme:PTSK0001001', undefined);
      },
    ]);
    expect(await send(client)).toEqual({ decided: false });
  });

  it('reports a request that ended first: accepted, then the workflow completed (AcceptedUpdateCompletedWorkflow)', async () => {
    const failure = ApplicationFailure.create({ type: 'AcceptedUpdateCompletedWorkflow', message: 'Workflow Update failed because the Workflow completed before the Update completed.', nonRetryable: true });
    const { client } = stubClient([
      () => {
        throw new WorkflowUpdateFailedError('Workflow Update failed', failure);
      },
    ]);
    expect(await send(client)).toEqual({ decided: false });
  });

  it('sends an update whose workflow task failed (FAILED_PRECONDITION) again under the same id', async () => {
    const notReady = () => {
      throw new ServiceError('Workflow Update failed', { cause: grpcError(status.FAILED_PRECONDITION, 'Unable to perform workflow execution update due to unexpected workflow task failure.') });
    };
    const { client, updateIds } = stubClient([notReady, notReady, () => decided]);
    expect(await send(client)).toEqual({ decided: true, snapshot: decided });
    expect(updateIds).toHaveLength(3);
    expect(new Set(updateIds).size, 'one update id for every attempt').toBe(1);
  });

  it('answers 503 unavailable once the bound has passed, retryable with the same Idempotency-Key', async () => {
    const { client } = stubClient([
      () => {
        throw new WorkflowUpdateRPCTimeoutOrCancelledError('Workflow update call timeout or cancelled', { cause: grpcError(status.DEADLINE_EXCEEDED, 'deadline') });
      },
    ]);
    const err = await send(client, 'u1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'unavailable', message: expect.stringContaining('same Idempotency-Key') });
  });

  it('answers 503 when the update keeps failing to be delivered until the bound', async () => {
    const notReady = () => {
      throw new ServiceError('Workflow Update failed', { cause: grpcError(status.FAILED_PRECONDITION, 'not ready') });
    };
    const { client, updateIds } = stubClient(Array.from({ length: 20 }, () => notReady));
    await expect(send(client, 'u1', 120)).rejects.toMatchObject({ code: 'unavailable' });
    expect(updateIds.every((id) => id === 'u1')).toBe(true);
  });

  it('passes any other error on for the API to map (a state machine refusal, an unreachable server)', async () => {
    const refusal = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type: 'invalid_transition', message: 'Cannot comment on a request that is closed', nonRetryable: true }));
    const { client } = stubClient([
      () => {
        throw refusal;
      },
    ]);
    await expect(send(client)).rejects.toBe(refusal);
  });
});
