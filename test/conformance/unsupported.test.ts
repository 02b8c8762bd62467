import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { temporalSettingsFromEnv } from '../../config/temporal';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { grpcCode } from '../harness/grpc-errors';
import type { continueWithOptions } from '../workflows/lifecycle';

// A real cluster implements these fields; the dev server refuses them by name rather than ignore them.
const onDevServer = !temporalSettingsFromEnv().address;

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

const service = () => t.env.connection.workflowService;

/** What a call that must fail answers: its gRPC code and every message along its cause chain. */
async function refusal(call: () => Promise<unknown>): Promise<{ code?: number; message: string }> {
  try {
    await call();
  } catch (err) {
    const messages: string[] = [];
    for (let e = err as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) messages.push(e.message ?? '');
    return { code: grpcCode(err), message: messages.join(' | ') };
  }
  throw new Error('expected the call to fail');
}

const startRequest = (taskQueue: string) => ({
  namespace: t.namespace,
  workflowId: `unsupported-${randomUUID()}`,
  workflowType: { name: 'sapiEcho' },
  taskQueue: { name: taskQueue },
  requestId: randomUUID(),
});

describe.skipIf(!onDevServer)('fields the dev server does not implement are refused by name', () => {
  it('start and signal-with-start with links, a versioning override or time skipping: UNIMPLEMENTED naming the field', async () => {
    const taskQueue = `unsupported-${randomUUID()}`;
    const link = { workflowEvent: { namespace: t.namespace, workflowId: 'elsewhere', runId: randomUUID() } };
    const cases: [string, () => Promise<unknown>][] = [
      ['links', () => service().startWorkflowExecution({ ...startRequest(taskQueue), links: [link] })],
      ['completionCallbacks', () => service().startWorkflowExecution({ ...startRequest(taskQueue), completionCallbacks: [{ nexus: { url: 'http://127.0.0.1:1/cb' } }] })],
      // Attaching matters only under USE_EXISTING (a Nexus handler's start asks for it with FAIL, where it does nothing).
      [
        'onConflictOptions',
        () =>
          service().startWorkflowExecution({
            ...startRequest(taskQueue),
            workflowIdConflictPolicy: temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
            onConflictOptions: { attachRequestId: true },
          }),
      ],
      ['timeSkippingConfig', () => service().startWorkflowExecution({ ...startRequest(taskQueue), timeSkippingConfig: { enabled: true } })],
      ['versioningOverride', () => service().signalWithStartWorkflowExecution({ ...startRequest(taskQueue), signalName: 'go', versioningOverride: { autoUpgrade: true } })],
      ['links', () => service().signalWorkflowExecution({ namespace: t.namespace, workflowExecution: { workflowId: 'any' }, signalName: 'go', links: [link] })],
    ];
    for (const [field, call] of cases) {
      const refused = await refusal(call);
      expect(refused, field).toMatchObject({ code: status.UNIMPLEMENTED, message: expect.stringContaining(`${field} is not implemented`) });
    }
  });

  it('namespace changes and archival: UNIMPLEMENTED naming the field; an empty UpdateNamespace describes the namespace', async () => {
    const update = await refusal(() => service().updateNamespace({ namespace: t.namespace, updateInfo: { description: 'changed' } }));
    expect(update).toMatchObject({ code: status.UNIMPLEMENTED, message: expect.stringContaining('updateInfo is not implemented') });
    const register = await refusal(() =>
      service().registerNamespace({
        namespace: `archived-${randomUUID()}`,
        historyArchivalState: temporal.api.enums.v1.ArchivalState.ARCHIVAL_STATE_ENABLED,
      }),
    );
    expect(register).toMatchObject({ code: status.UNIMPLEMENTED, message: expect.stringContaining('historyArchivalState is not implemented') });
    expect((await service().updateNamespace({ namespace: t.namespace })).namespaceInfo?.name).toBe(t.namespace);
  });

  it('a continue-as-new asking for an initial versioning behavior fails its workflow task (BAD_CONTINUE_AS_NEW_ATTRIBUTES) naming the field', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof continueWithOptions>('continueWithOptions', {
        taskQueue,
        workflowId: `versioned-continue-${taskQueue}`,
        args: [{ initialVersioningBehavior: 'AUTO_UPGRADE' }],
      });
      let failed: temporal.api.history.v1.IWorkflowTaskFailedEventAttributes | undefined;
      for (let i = 0; i < 100 && !failed; i++) {
        const events = (await handle.fetchHistory()).events ?? [];
        failed = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)?.workflowTaskFailedEventAttributes ?? undefined;
        if (!failed) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(failed?.cause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES);
      expect(failed?.failure?.message).toMatch(/initialVersioningBehavior is not implemented/);
      const types = ((await handle.fetchHistory()).events ?? []).map((e) => e.eventType);
      expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
      await handle.terminate('refused as expected');
    });
  });
});
