// The real exchange workflow on a worker whose activities are in-memory stubs that record every call:
// no databases and no API, so the workflow's own behaviour is tested in isolation, quickly. One test
// environment per file (time skipping on the embedded dev server); each test runs on its own task
// queue with its own workflow, which `runExchange` terminates at the end if it is still running (a
// run left with timers and no worker would hold the clock for the tests after it).
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { exchangeSearchAttributeKinds } from '../../workflows/search-attributes';
import { createdUpdate, snapshotQuery, type ExchangeInput, type ExchangeSnapshot } from '../../workflows/definitions';
import { exchangeInput } from './fixtures';
import type { exchange } from '../../workflows/exchange';
import type { Side } from '../../domain/model';
import type { AuditWrite, ExchangeRecord, TaskChange } from '../../activities/exchange-activities';
import type { AttachmentCopy } from '../../activities/attachment-activities';
import type { WebhookDelivery } from '../../activities/webhook-activities';
import { serviceWorkflowBundle } from '../harness/workflow-bundles';

export * from './fixtures';

export const createExchangeTestEnv = () =>
  createTemporalTestEnv({ workflowBundle: serviceWorkflowBundle(), searchAttributes: exchangeSearchAttributeKinds });

type Activity = 'createProviderTask' | 'createParentTask' | 'applyTaskChange' | 'deliverWebhook' | 'copyAttachment' | 'markAttachmentsReplicated';
type Args = {
  createProviderTask: ExchangeRecord & { audit: AuditWrite };
  createParentTask: ExchangeRecord & { requestedByDisplay: string; audit: AuditWrite };
  applyTaskChange: TaskChange;
  deliverWebhook: WebhookDelivery;
  copyAttachment: AttachmentCopy;
  markAttachmentsReplicated: { instance: string; ids: string[] };
};
export type StubCall = { [A in Activity]: { activity: A; arg: Args[A]; attempt: number; failed: boolean } }[Activity];

/** The parent task number the stub provider gives request `number` (PTSK1000001: CS1000001). */
export const parentNumberOf = (number: string) => number.replace(/^PTSK/, 'CS');

/** The instances' activities, in memory: every call is recorded; `down` makes a side's calls fail. */
export class StubActivities {
  readonly calls: StubCall[] = [];
  /** Instances whose writes fail (retryably), as a database that is down would. */
  readonly down = new Set<string>();

  readonly activities = {
    createProviderTask: async (r: Args['createProviderTask']): Promise<void> => this.record('createProviderTask', r, r.consumer),
    createParentTask: async (r: Args['createParentTask']): Promise<string> => {
      this.record('createParentTask', r, r.provider);
      return parentNumberOf(r.number);
    },
    applyTaskChange: async (c: TaskChange): Promise<void> => this.record('applyTaskChange', c, c.instance),
    deliverWebhook: async (d: WebhookDelivery): Promise<'delivered'> => {
      this.record('deliverWebhook', d, d.instance);
      return 'delivered';
    },
    // A copy fails while the side it copies to is down.
    copyAttachment: async (c: AttachmentCopy): Promise<void> => this.record('copyAttachment', c, c.to),
    markAttachmentsReplicated: async (m: Args['markAttachmentsReplicated']): Promise<void> => this.record('markAttachmentsReplicated', m, m.instance),
  };

  private record<A extends Activity>(activity: A, arg: Args[A], instance: string): void {
    const failed = this.down.has(instance);
    this.calls.push({ activity, arg: structuredClone(arg), attempt: Context.current().info.attempt, failed } as StubCall);
    if (failed) throw ApplicationFailure.retryable(`${instance} is down`, 'StubInstanceDown');
  }

  /** The task changes a side's instance accepted, in the order they were written. */
  written(side: Side): TaskChange[] {
    return this.calls.flatMap((c) => (c.activity === 'applyTaskChange' && !c.failed && c.arg.side === side ? [c.arg] : []));
  }

  /** Every call that succeeded, as `<activity> <instance>[ <seq or file ids>]`, in order. */
  log(): string[] {
    return this.calls.flatMap((c) => {
      if (c.failed) return [];
      if (c.activity === 'applyTaskChange') return [`applyTaskChange ${c.arg.instance} ${c.arg.seq}`];
      if (c.activity === 'deliverWebhook') return [`deliverWebhook ${c.arg.instance}`];
      if (c.activity === 'copyAttachment') return [`copyAttachment ${c.arg.to} ${c.arg.id}`];
      if (c.activity === 'markAttachmentsReplicated') return [`markAttachmentsReplicated ${c.arg.instance} ${c.arg.ids.join(',')}`];
      return [`${c.activity} ${c.activity === 'createProviderTask' ? c.arg.consumer : c.arg.provider}`];
    });
  }

  webhooks(): WebhookDelivery[] {
    return this.calls.flatMap((c) => (c.activity === 'deliverWebhook' && !c.failed ? [c.arg] : []));
  }
}

export interface RunningExchange {
  handle: WorkflowHandle<typeof exchange>;
  workflowId: string;
  input: ExchangeInput;
  snapshot(): Promise<ExchangeSnapshot>;
}

/**
 * Runs `fn` with a worker (stub activities) on a fresh task queue and one exchange started on it
 * (`created` already answered unless `awaitCreated` is false); terminates the run afterwards unless it ended.
 */
export async function runExchange<T>(
  t: TemporalTestEnv,
  stub: StubActivities,
  options: { input?: ExchangeInput; awaitCreated?: boolean },
  fn: (x: RunningExchange) => Promise<T>,
): Promise<T> {
  return t.withWorker({ activities: stub.activities }, async (taskQueue) => {
    const input = options.input ?? exchangeInput();
    const workflowId = `exchange-test-${randomUUID()}`;
    const handle = await t.client.workflow.start<typeof exchange>('exchange', { workflowId, taskQueue, args: [input] });
    try {
      if (options.awaitCreated !== false) await handle.executeUpdate(createdUpdate);
      return await fn({ handle, workflowId, input, snapshot: () => handle.query(snapshotQuery) });
    } finally {
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('test over');
    }
  });
}
