import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { google, temporal } from '@temporalio/proto';
import { temporalSettingsFromEnv } from '../../config/temporal';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import type { sapiEcho, sapiHeld, sapiSteps } from '../workflows/server-api';
import { codeOf, grpcCode } from '../harness/grpc-errors';

// Known at collection time (unlike `t`): true when the suite runs on the embedded dev server.
const onDevServer = !temporalSettingsFromEnv().address;

const { EventType, HistoryEventFilterType, NamespaceState } = temporal.api.enums.v1;

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

const service = () => t.env.connection.workflowService;

describe('GetWorkflowExecutionHistory', () => {
  it('pages through the history with maximumPageSize 3; the pages add up to the full history', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `paging-${taskQueue}`;
      const handle = await t.client.workflow.start<typeof sapiSteps>('sapiSteps', { taskQueue, workflowId, args: [4] });
      expect(await handle.result()).toBe(4);
      const full = (await handle.fetchHistory()).events ?? [];
      expect(full.length).toBeGreaterThan(9);

      const pages: temporal.api.history.v1.IHistoryEvent[][] = [];
      let token: Uint8Array | undefined;
      do {
        const res = await service().getWorkflowExecutionHistory({
          namespace: t.namespace,
          execution: { workflowId, runId: handle.firstExecutionRunId },
          maximumPageSize: 3,
          nextPageToken: token,
        });
        pages.push(res.history?.events ?? []);
        token = res.nextPageToken?.length ? res.nextPageToken : undefined;
      } while (token && pages.length < 1000);

      expect(token).toBeUndefined(); // the last page carries an empty nextPageToken
      expect(pages.length).toBeGreaterThan(1);
      const joined = pages.flat();
      expect(joined.map((e) => Number(e.eventId))).toEqual(full.map((e) => Number(e.eventId)));
      expect(joined.map((e) => e.eventType)).toEqual(full.map((e) => e.eventType));
      expect(joined.map((e) => Number(e.eventId))).toEqual(full.map((_, i) => i + 1));
      if (onDevServer) {
        // A real server pages by stored event batches, so only the dev server promises at most 3 events a page.
        expect(pages.every((p) => p.length <= 3)).toBe(true);
        expect(pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);
      }
    });
  });

  it('long-polls for the close event (waitNewEvent + CLOSE_EVENT filter) until the workflow completes', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `close-poll-${taskQueue}`;
      const handle = await t.client.workflow.start<typeof sapiHeld>('sapiHeld', { taskQueue, workflowId, args: ['polled'] });
      let calls = 0;
      let done = false;
      const poll = (async () => {
        let token: Uint8Array | undefined;
        for (;;) {
          calls++;
          const res = await service().getWorkflowExecutionHistory({
            namespace: t.namespace,
            execution: { workflowId },
            waitNewEvent: true,
            historyEventFilterType: HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
            nextPageToken: token,
          });
          if (res.history?.events?.length) return res;
          token = res.nextPageToken?.length ? res.nextPageToken : undefined;
          if (calls > 100) throw new Error('the close-event long poll keeps returning empty pages');
        }
      })().finally(() => (done = true));

      // A full round trip through the worker while the poll waits: it must still be waiting.
      expect(await handle.query<string>('sapiLabel')).toBe('polled');
      expect(done).toBe(false);
      await handle.signal('sapiRelease', 'bye');

      const res = await poll;
      expect(calls).toBe(1); // one long poll, not a busy loop of empty answers
      const events = res.history?.events ?? [];
      expect(events).toHaveLength(1);
      expect(events[0].eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
      const result = events[0].workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
      expect(defaultPayloadConverter.fromPayload(result!)).toBe('polled:bye');
      expect(res.nextPageToken?.length ?? 0).toBe(0);
      expect(Number(events[0].eventId)).toBe((await handle.fetchHistory()).events!.length);
    });
  });
});

describe('gRPC status codes', () => {
  it('NOT_FOUND for an unknown workflow id or run id', async () => {
    const workflowId = `no-such-workflow-${randomUUID()}`;
    expect(await codeOf(() => service().describeWorkflowExecution({ namespace: t.namespace, execution: { workflowId } }))).toBe(status.NOT_FOUND);
    expect(await codeOf(() => service().getWorkflowExecutionHistory({ namespace: t.namespace, execution: { workflowId } }))).toBe(status.NOT_FOUND);
    expect(await codeOf(() => service().signalWorkflowExecution({ namespace: t.namespace, workflowExecution: { workflowId }, signalName: 'x', requestId: randomUUID() }))).toBe(
      status.NOT_FOUND,
    );
    await expect(t.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    await t.withWorker({}, async (taskQueue) => {
      const known = `known-${taskQueue}`;
      await (await t.client.workflow.start<typeof sapiEcho>('sapiEcho', { taskQueue, workflowId: known, args: ['x'] })).result();
      expect(await codeOf(() => service().describeWorkflowExecution({ namespace: t.namespace, execution: { workflowId: known, runId: randomUUID() } }))).toBe(
        status.NOT_FOUND,
      );
    });
  });

  it('NOT_FOUND for an unknown namespace', async () => {
    const namespace = `no-such-namespace-${randomUUID()}`;
    expect(await codeOf(() => service().describeNamespace({ namespace }))).toBe(status.NOT_FOUND);
    expect(await codeOf(() => service().describeWorkflowExecution({ namespace, execution: { workflowId: 'any' } }))).toBe(status.NOT_FOUND);
    expect(
      await codeOf(() =>
        service().startWorkflowExecution({
          namespace,
          workflowId: `wf-${randomUUID()}`,
          workflowType: { name: 'sapiEcho' },
          taskQueue: { name: 'anywhere' },
          requestId: randomUUID(),
        }),
      ),
    ).toBe(status.NOT_FOUND);
  });

  it('INVALID_ARGUMENT for a start without workflow id, task queue or workflow type', async () => {
    const complete = {
      namespace: t.namespace,
      workflowId: `invalid-${randomUUID()}`,
      workflowType: { name: 'sapiEcho' },
      taskQueue: { name: `invalid-${randomUUID()}` },
      input: { payloads: [defaultPayloadConverter.toPayload('x')] },
      identity: 'raw-client',
    };
    for (const missing of ['workflowId', 'taskQueue', 'workflowType'] as const) {
      const request = { ...complete, [missing]: undefined, requestId: randomUUID() };
      expect({ missing, code: await codeOf(() => service().startWorkflowExecution(request)) }).toEqual({ missing, code: status.INVALID_ARGUMENT });
    }
    // None of them created anything.
    expect(await codeOf(() => service().describeWorkflowExecution({ namespace: t.namespace, execution: { workflowId: complete.workflowId } }))).toBe(status.NOT_FOUND);
  });

  it('ALREADY_EXISTS for a duplicate start', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `duplicate-${taskQueue}`;
      const request = {
        namespace: t.namespace,
        workflowId,
        workflowType: { name: 'sapiHeld' },
        taskQueue: { name: taskQueue },
        input: { payloads: [defaultPayloadConverter.toPayload('dup')] },
      };
      const firstRequestId = randomUUID();
      const first = await service().startWorkflowExecution({ ...request, requestId: firstRequestId });
      const err = (await service()
        .startWorkflowExecution({ ...request, requestId: randomUUID() })
        .catch((e: unknown) => e)) as { code?: number; metadata?: { get(key: string): Array<string | Buffer> } };
      expect(grpcCode(err)).toBe(status.ALREADY_EXISTS);
      // The typed error detail SDKs rely on names the running run and the request that started it.
      const [bin] = err.metadata?.get('grpc-status-details-bin') ?? [];
      expect(bin).toBeDefined();
      const detail = google.rpc.Status.decode(bin as Buffer).details?.[0];
      expect(detail?.type_url).toBe('type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure');
      const failure = temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.decode(detail!.value!);
      expect(failure.runId).toBe(first.runId);
      expect(failure.startRequestId).toBe(firstRequestId);
      const handle = t.client.workflow.getHandle<typeof sapiHeld>(workflowId, first.runId);
      await handle.signal('sapiRelease', 'done');
      expect(await handle.result()).toBe('dup:done');
    });
  });

  it('NOT_FOUND when signalling, cancelling or terminating a completed workflow', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `completed-${taskQueue}`;
      const handle = await t.client.workflow.start<typeof sapiEcho>('sapiEcho', { taskQueue, workflowId, args: ['over'] });
      expect(await handle.result()).toBe('over');
      const execution = { workflowId };
      expect(await codeOf(() => service().signalWorkflowExecution({ namespace: t.namespace, workflowExecution: execution, signalName: 'late', requestId: randomUUID() }))).toBe(
        status.NOT_FOUND,
      );
      expect(await codeOf(() => service().requestCancelWorkflowExecution({ namespace: t.namespace, workflowExecution: execution, requestId: randomUUID() }))).toBe(
        status.NOT_FOUND,
      );
      expect(await codeOf(() => service().terminateWorkflowExecution({ namespace: t.namespace, workflowExecution: execution, reason: 'late' }))).toBe(status.NOT_FOUND);
      await expect(handle.signal('late')).rejects.toBeInstanceOf(WorkflowNotFoundError);
      // Nothing was written after the close event.
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    });
  });

  // The real server implements batch operations; the dev server answers any RPC it lacks with UNIMPLEMENTED.
  it.skipIf(!onDevServer)('UNIMPLEMENTED for an RPC the dev server does not implement', async () => {
    expect(await codeOf(() => service().listBatchOperations({ namespace: t.namespace }))).toBe(status.UNIMPLEMENTED);
  });
});

describe('cluster and namespaces', () => {
  it('GetSystemInfo reports the server capabilities', async () => {
    const info = await service().getSystemInfo({});
    expect(info.serverVersion).toBeTruthy();
    expect(info.capabilities?.sdkMetadata).toBe(true);
    expect(info.capabilities?.signalAndQueryHeader).toBe(true);
    expect(info.capabilities?.upsertMemo).toBe(true);
    expect(info.capabilities?.internalErrorDifferentiation).toBe(true);
  });

  it('describes the default namespace', async () => {
    const res = await service().describeNamespace({ namespace: t.namespace });
    expect(res.namespaceInfo?.name).toBe(t.namespace);
    expect(res.namespaceInfo?.id).toBeTruthy();
    expect(res.namespaceInfo?.state).toBe(NamespaceState.NAMESPACE_STATE_REGISTERED);
    expect(Number(res.config?.workflowExecutionRetentionTtl?.seconds ?? 0)).toBeGreaterThan(0);
    // The same namespace by id.
    const byId = await service().describeNamespace({ id: res.namespaceInfo!.id! });
    expect(byId.namespaceInfo?.name).toBe(t.namespace);
  });

  it('registers a new namespace once: it can be described and listed; registering it again is ALREADY_EXISTS', async () => {
    const namespace = `sapi-ns-${randomUUID()}`;
    const register = () =>
      service().registerNamespace({
        namespace,
        description: 'server-api conformance',
        workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(3 * 86_400) },
      });
    await register();
    const res = await service().describeNamespace({ namespace });
    expect(res.namespaceInfo?.name).toBe(namespace);
    expect(res.namespaceInfo?.description).toBe('server-api conformance');
    expect(res.namespaceInfo?.state).toBe(NamespaceState.NAMESPACE_STATE_REGISTERED);
    expect(Number(res.config?.workflowExecutionRetentionTtl?.seconds)).toBe(3 * 86_400);
    expect(await codeOf(register)).toBe(status.ALREADY_EXISTS);

    const names: string[] = [];
    let token: Uint8Array | undefined;
    do {
      const page = await service().listNamespaces({ pageSize: 100, nextPageToken: token });
      names.push(...(page.namespaces ?? []).map((n) => n.namespaceInfo?.name ?? ''));
      token = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (token);
    expect(names).toContain(namespace);
    expect(names).toContain(t.namespace);
  });
});

afterAll(async () => {
  // Every history this file produced must replay without nondeterminism.
  expect(await t.replayAll()).toBeGreaterThan(0);
});
