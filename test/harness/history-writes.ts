import { defaultPayloadConverter } from '@temporalio/common';
import { expect } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { exchangeWorkflowId } from '../../workflows/definitions';
import type { InstanceDatabases } from '../../db/instances';

/** The ids of the rows a request's writes carry on one instance: comments, audit entries, escalations. */
export interface WriteIds {
  comments: string[];
  audit: string[];
  escalations: string[];
}

const empty = (): WriteIds => ({ comments: [], audit: [], escalations: [] });
const distinct = (ids: string[]) => [...new Set(ids)].sort();
const sorted = (w: WriteIds): WriteIds => ({ comments: distinct(w.comments), audit: distinct(w.audit), escalations: distinct(w.escalations) });

interface WriteInput {
  instance?: string;
  consumer?: string;
  provider?: string;
  comments?: Array<{ id: string }>;
  audit?: { id: string };
  escalation?: { id: string };
}

/**
 * What the workflow's history says was written, per instance: the inputs of every write activity it
 * scheduled. A write is scheduled only by a recorded workflow task, so a row outside this set comes
 * from a decision history never recorded.
 */
async function recordedWrites(handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<Record<string, WriteIds>> {
  const byInstance: Record<string, WriteIds> = {};
  for (const event of (await handle.fetchHistory()).events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    const name = scheduled?.activityType?.name;
    if (!scheduled || !name || !['createProviderTask', 'createParentTask', 'applyTaskChange'].includes(name)) continue;
    const input = defaultPayloadConverter.fromPayload<WriteInput>(scheduled.input!.payloads![0]);
    const instance = name === 'createProviderTask' ? input.consumer! : name === 'createParentTask' ? input.provider! : input.instance!;
    const ids = (byInstance[instance] ??= empty());
    ids.comments.push(...(input.comments ?? []).map((c) => c.id));
    if (input.audit) ids.audit.push(input.audit.id);
    if (input.escalation) ids.escalations.push(input.escalation.id);
  }
  for (const [instance, ids] of Object.entries(byInstance)) byInstance[instance] = sorted(ids);
  return byInstance;
}

/** The ids of the rows an instance's database holds for one task. */
async function storedWrites(instances: InstanceDatabases, instance: string, taskNumber: string): Promise<WriteIds> {
  const db = instances.db(instance);
  const ids = async (table: 'comments' | 'audit_log' | 'escalations') =>
    (await db.selectFrom(table).select('id').where('task_number', '=', taskNumber).execute()).map((r) => r.id);
  return sorted({ comments: await ids('comments'), audit: await ids('audit_log'), escalations: await ids('escalations') });
}

/**
 * Both sides of a request hold exactly the rows its history's recorded write activities carry: nothing
 * from a decision that was never recorded, nothing recorded left unwritten.
 */
export async function expectOnlyRecordedWrites(
  s: { instances: InstanceDatabases; client: Pick<Client, 'workflow'> },
  request: { consumer: string; provider: string; number: string; providerNumber: string },
  label = request.number,
): Promise<void> {
  const written = await recordedWrites(s.client.workflow.getHandle(exchangeWorkflowId(request.consumer, request.number)));
  expect(await storedWrites(s.instances, request.consumer, request.number), `${label}: consumer rows = recorded writes`).toEqual(written[request.consumer]);
  expect(await storedWrites(s.instances, request.provider, request.providerNumber), `${label}: provider rows = recorded writes`).toEqual(written[request.provider]);
}
