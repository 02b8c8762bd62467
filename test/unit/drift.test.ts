import { describe, expect, it } from 'vitest';
import { compareExchange, type ProviderTaskRecord, type DriftAttachment, type DriftComment, type DriftEscalation, type DriftInput, type ParentTaskRecord } from '../../domain/drift';
import type { ExchangeSnapshot } from '../../workflows/definitions';

// ---------------------------------------------------------------------------------------------
// Fixtures: one request in work_in_progress, identical on both sides and in the workflow.
// ---------------------------------------------------------------------------------------------

const WF = 'exchange:acme:PTSK0001001';

const comment = (seq: number, body: string, extra: Partial<DriftComment> = {}): DriftComment => ({
  id: `${WF}/c/${seq}`,
  seq,
  visibility: 'public',
  author_name: 'Ann Lee (Acme Corp)',
  body,
  origin_instance: 'acme',
  ...extra,
});

const attachment = (n: number, extra: Partial<DriftAttachment> = {}): DriftAttachment => {
  const sha256 = String(n).repeat(64);
  return { id: `00000000-0000-4000-8000-00000000000${n}`, seq: 10 + n, visibility: 'public', file_name: `screen-${n}.png`, size: 1000 * n, sha256, stored_sha256: sha256, ...extra };
};
const publicFiles = () => [attachment(1), attachment(2)];

const escalation = (level: number, priority: number): DriftEscalation => ({ id: `${WF}/e/${level}`, sla: 'response', level, priority });

const consumerTask = (patch: Partial<ProviderTaskRecord> = {}): ProviderTaskRecord => ({
  number: 'PTSK0001001',
  workflow_id: WF,
  provider_number: 'CS0001001',
  state: 'work_in_progress',
  assigned_to_name: 'Bob Stone (Globex Services)',
  resolution_code: null,
  resolution_notes: null,
  priority: 2,
  escalation_level: 1,
  ...patch,
});

const providerTask = (patch: Partial<ParentTaskRecord> = {}): ParentTaskRecord => ({
  number: 'CS0001001',
  workflow_id: WF,
  consumer_number: 'PTSK0001001',
  state: 'work_in_progress',
  assigned_to_name: 'Bob Stone (Globex Services)',
  resolution_code: null,
  resolution_notes: null,
  priority: 2,
  escalation_level: 1,
  ...patch,
});

const snapshot = (patch: Partial<ExchangeSnapshot> = {}): ExchangeSnapshot => ({
  number: 'PTSK0001001',
  providerNumber: 'CS0001001',
  consumerState: 'work_in_progress',
  providerState: 'work_in_progress',
  assignedTo: { userId: 'u-bob', name: 'Bob Stone (Globex Services)' },
  resolution: null,
  pending: { consumer: 0, provider: 0 },
  oldestPendingAt: { consumer: null, provider: null },
  sla: { clocks: {}, escalationLevel: 1, priority: 2 },
  ...patch,
});

const publicComments = () => [comment(1, 'It started after the update'), comment(2, 'Please try safe mode', { author_name: 'Bob Stone (Globex Services)', origin_instance: 'globex' })];

/** A request in sync; `patch` changes parts of it. */
function request(patch: {
  consumer?: Partial<ProviderTaskRecord>;
  provider?: Partial<ParentTaskRecord>;
  consumerComments?: DriftComment[];
  providerComments?: DriftComment[];
  consumerEscalations?: DriftEscalation[];
  providerEscalations?: DriftEscalation[];
  consumerAttachments?: DriftAttachment[];
  providerAttachments?: DriftAttachment[];
  workflow?: ExchangeSnapshot | null;
  workflowStatus?: DriftInput['workflowStatus'];
} = {}): DriftInput {
  return {
    consumer: {
      task: consumerTask(patch.consumer),
      comments: patch.consumerComments ?? publicComments(),
      escalations: patch.consumerEscalations ?? [escalation(1, 2)],
      attachments: patch.consumerAttachments ?? publicFiles(),
    },
    provider: {
      task: providerTask(patch.provider),
      comments: patch.providerComments ?? [...publicComments(), comment(3, 'Probably the GPU driver', { visibility: 'internal', origin_instance: 'globex' })],
      escalations: patch.providerEscalations ?? [escalation(1, 2)],
      attachments: patch.providerAttachments ?? [...publicFiles(), attachment(3, { visibility: 'internal' })],
    },
    workflow: 'workflow' in patch ? patch.workflow : snapshot(),
    workflowStatus: patch.workflowStatus,
  };
}

const fields = (input: DriftInput) => compareExchange(input).differences.map((d) => d.field);

describe('compareExchange: a request in sync', () => {
  it('reports nothing, with or without the workflow snapshot; internal comments are ignored', () => {
    expect(compareExchange(request())).toEqual({ differences: [], pending: [] });
    expect(compareExchange(request({ workflow: null, workflowStatus: 'running' }))).toEqual({ differences: [], pending: [] });
  });

  it("maps the consumer's received to the provider's new", () => {
    const input = request({
      consumer: { state: 'received', assigned_to_name: null },
      provider: { state: 'new', assigned_to_name: null },
      workflow: snapshot({ consumerState: 'received', providerState: 'new', assignedTo: null }),
    });
    expect(compareExchange(input)).toEqual({ differences: [], pending: [] });
    expect(fields({ ...input, workflow: null, workflowStatus: 'running' })).toEqual([]);
  });
});

describe('compareExchange: each kind of difference', () => {
  it('state: provider against the consumer (no workflow) and against the workflow', () => {
    const noWorkflow = compareExchange(request({ provider: { state: 'resolved' }, workflow: null, workflowStatus: 'running' }));
    expect(noWorkflow.differences).toEqual([
      { field: 'state', consumer: 'work_in_progress', provider: 'resolved', message: expect.stringContaining('the provider has "resolved"') },
    ]);
    const withWorkflow = compareExchange(request({ provider: { state: 'resolved' } }));
    expect(withWorkflow.differences).toEqual([
      { field: 'state', consumer: 'work_in_progress', provider: 'resolved', workflow: 'work_in_progress', message: expect.stringContaining('the provider has "resolved"') },
    ]);
    // received vs work_in_progress is not "received -> new"
    expect(fields(request({ consumer: { state: 'received' }, workflow: null, workflowStatus: 'running' }))).toEqual(['state']);
  });

  it('state: both databases agree but the workflow says otherwise', () => {
    const result = compareExchange(request({ workflow: snapshot({ consumerState: 'awaiting_info', providerState: 'awaiting_info' }) }));
    expect(result.differences).toEqual([
      expect.objectContaining({ field: 'state', consumer: 'work_in_progress', provider: 'work_in_progress', workflow: 'awaiting_info' }),
    ]);
    expect(result.differences[0].message).toContain('the workflow has "awaiting_info"');
  });

  it('assignee', () => {
    expect(compareExchange(request({ consumer: { assigned_to_name: 'Carol Diaz (Globex Services)' } })).differences).toEqual([
      expect.objectContaining({ field: 'assignee', consumer: 'Carol Diaz (Globex Services)', provider: 'Bob Stone (Globex Services)', workflow: 'Bob Stone (Globex Services)' }),
    ]);
  });

  it('resolution code and notes, separately', () => {
    const resolved = {
      consumer: { state: 'resolved' as const, resolution_code: 'solved', resolution_notes: 'Replaced the screen' },
      provider: { state: 'resolved' as const, resolution_code: 'solved', resolution_notes: 'Replaced the screen' },
    };
    const wf = snapshot({ consumerState: 'resolved', providerState: 'resolved', resolution: { code: 'solved', notes: 'Replaced the screen' } });
    expect(fields(request({ ...resolved, workflow: wf }))).toEqual([]);
    expect(compareExchange(request({ ...resolved, provider: { ...resolved.provider, resolution_notes: 'Replaced the GPU' }, workflow: wf })).differences).toEqual([
      expect.objectContaining({ field: 'resolution_notes', consumer: 'Replaced the screen', provider: 'Replaced the GPU', workflow: 'Replaced the screen' }),
    ]);
    expect(fields(request({ ...resolved, consumer: { ...resolved.consumer, resolution_code: 'workaround' }, workflow: wf }))).toEqual(['resolution_code']);
    expect(fields(request({ ...resolved, consumer: { ...resolved.consumer, resolution_code: null, resolution_notes: null }, workflow: null, workflowStatus: 'running' }))).toEqual([
      'resolution_code',
      'resolution_notes',
    ]);
  });

  it('the provider-number link, both ways', () => {
    expect(compareExchange(request({ consumer: { provider_number: 'CS0009999' } })).differences).toEqual([
      expect.objectContaining({ field: 'provider_number', consumer: 'CS0009999', provider: 'CS0001001', workflow: 'CS0001001' }),
    ]);
    expect(fields(request({ consumer: { provider_number: null } }))).toEqual(['provider_number']);
    expect(fields(request({ provider: { consumer_number: 'PTSK0001002' } }))).toEqual(['consumer_number']);
    expect(fields(request({ provider: { workflow_id: 'exchange:acme:PTSK0001002' } }))).toEqual(['workflow_id']);
    // The workflow links the request to another parent task than the one found.
    expect(fields(request({ workflow: snapshot({ providerNumber: 'CS0001002' }) }))).toEqual(['provider_number']);
  });

  it('public comments: missing on either side, or differing body, author or seq', () => {
    const [first, second] = publicComments();
    const missingAtProvider = compareExchange(request({ providerComments: [second] }));
    expect(missingAtProvider.differences).toEqual([
      {
        field: `comment:${first.id}`,
        consumer: { seq: 1, author: 'Ann Lee (Acme Corp)', origin: 'acme', body: 'It started after the update' },
        provider: null,
        message: 'public comment #1 by Ann Lee (Acme Corp) is missing at the provider',
      },
    ]);
    expect(compareExchange(request({ consumerComments: [first] })).differences).toEqual([
      expect.objectContaining({ field: `comment:${second.id}`, consumer: null, message: expect.stringContaining('missing at the consumer') }),
    ]);
    const edited = compareExchange(request({ providerComments: [first, { ...second, body: 'Please reinstall' }] })).differences;
    expect(edited).toEqual([expect.objectContaining({ field: `comment:${second.id}`, message: expect.stringContaining('differs in body') })]);
    expect(fields(request({ providerComments: [{ ...first, author_name: 'Someone else' }, second] }))).toEqual([`comment:${first.id}`]);
    expect(compareExchange(request({ providerComments: [{ ...first, seq: 7 }, second] })).differences[0].message).toContain('differs in seq');
    // A comment internal on one side and public on the other is missing from the public conversation.
    expect(fields(request({ consumerComments: [first, { ...second, visibility: 'internal' }] }))).toEqual([`comment:${second.id}`]);
  });

  it('public files: missing on either side, another name, size or SHA-256, or bytes not stored right; internal ones ignored', () => {
    const [first, second] = publicFiles();
    expect(compareExchange(request({ providerAttachments: [second] })).differences).toEqual([
      {
        field: `attachment:${first.id}`,
        consumer: { seq: 11, fileName: 'screen-1.png', size: 1000, sha256: first.sha256, storedSha256: first.sha256 },
        provider: null,
        message: `file "screen-1.png" (SHA-256 ${first.sha256.slice(0, 12)}…) is missing at the provider`,
      },
    ]);
    expect(fields(request({ consumerAttachments: [first] }))).toEqual([`attachment:${second.id}`]);
    const otherBytes = 'f'.repeat(64);
    expect(compareExchange(request({ consumerAttachments: [first, { ...second, sha256: otherBytes, stored_sha256: otherBytes }] })).differences).toEqual([
      expect.objectContaining({ field: `attachment:${second.id}`, message: expect.stringContaining('differs in sha256, storedSha256') }),
    ]);
    expect(compareExchange(request({ providerAttachments: [first, { ...second, stored_sha256: null }] })).differences).toEqual([
      expect.objectContaining({ field: `attachment:${second.id}`, message: expect.stringContaining('differs in storedSha256') }),
    ]);
    expect(fields(request({ consumerAttachments: [{ ...first, file_name: 'renamed.png' }, second] }))).toEqual([`attachment:${first.id}`]);
    // A file internal on one side and public on the other is missing from the public conversation.
    expect(fields(request({ providerAttachments: [first, { ...second, visibility: 'internal' }] }))).toEqual([`attachment:${second.id}`]);
  });

  it('escalation level, priority and escalation records', () => {
    expect(compareExchange(request({ provider: { escalation_level: 2 } })).differences).toEqual([
      expect.objectContaining({ field: 'escalation_level', consumer: 1, provider: 2, workflow: 1 }),
    ]);
    expect(fields(request({ consumer: { priority: 3 } }))).toEqual(['priority']);
    expect(fields(request({ providerEscalations: [] }))).toEqual([`escalation:${WF}/e/1`]);
    expect(fields(request({ providerEscalations: [{ ...escalation(1, 2), priority: 1 }] }))).toEqual([`escalation:${WF}/e/1`]);
    // Requests that predate SLA tracking: the sides must just agree.
    expect(fields(request({ consumer: { priority: 3, escalation_level: 0 }, provider: { priority: 3, escalation_level: 0 }, workflow: snapshot({ sla: null }) }))).toEqual([]);
    expect(fields(request({ consumer: { priority: 3 }, workflow: snapshot({ sla: null }) }))).toEqual(['priority']);
  });

  it('a record missing on one side', () => {
    const input = request();
    expect(compareExchange({ ...input, provider: null }).differences).toEqual([
      expect.objectContaining({ field: 'provider_task', consumer: 'PTSK0001001', provider: null, workflow: 'CS0001001' }),
    ]);
    expect(compareExchange({ ...input, consumer: null }).differences).toEqual([expect.objectContaining({ field: 'consumer_task', consumer: null, provider: 'CS0001001' })]);
  });

  it('the workflow: missing (not drift once both sides ended it the same way), or ended with changes it never wrote', () => {
    expect(compareExchange(request({ workflow: null, workflowStatus: 'missing' })).differences).toEqual([
      expect.objectContaining({ field: 'workflow', consumer: WF, provider: WF, workflow: null, message: `Temporal has no workflow ${WF}` }),
    ]);
    // Temporal deletes a closed workflow after its namespace's retention: a request both sides ended is
    // not drift without it, unless the two sides ended differently.
    for (const state of ['closed', 'cancelled'] as const) {
      expect(compareExchange(request({ consumer: { state }, provider: { state }, workflow: null, workflowStatus: 'missing' }))).toEqual({ differences: [], pending: [] });
    }
    expect(fields(request({ consumer: { state: 'closed' }, provider: { state: 'cancelled' }, workflow: null, workflowStatus: 'missing' }))).toEqual(['workflow', 'state']);
    expect(fields(request({ consumer: { state: 'resolved' }, provider: { state: 'resolved' }, workflow: null, workflowStatus: 'missing' }))).toEqual(['workflow']);
    const ended = compareExchange(request({ workflow: snapshot({ pending: { consumer: 0, provider: 2 } }), workflowStatus: 'closed' }));
    expect(ended.differences).toEqual([expect.objectContaining({ field: 'workflow', message: 'the workflow ended with 2 change(s) never written to the provider' })]);
    expect(ended.pending).toEqual([]);
  });

  it('reports several differences at once, in a stable order', () => {
    const [first, second] = publicComments();
    expect(
      fields(
        request({
          provider: { state: 'resolved', resolution_notes: 'x' },
          providerComments: [second],
          consumerComments: [first, second, comment(4, 'late')],
        }),
      ),
    ).toEqual(['state', 'resolution_notes', `comment:${first.id}`, `comment:${WF}/c/4`]);
  });
});

describe('compareExchange: writes still queued in the workflow are pending, not drift', () => {
  it('a side that lags the workflow with writes pending for it', () => {
    // Bob proposed a solution; the consumer's copy is still being written.
    const input = request({
      consumer: { state: 'work_in_progress' },
      provider: { state: 'resolved', resolution_code: 'solved', resolution_notes: 'Done' },
      workflow: snapshot({ consumerState: 'resolved', providerState: 'resolved', resolution: { code: 'solved', notes: 'Done' }, pending: { consumer: 1, provider: 0 } }),
    });
    const result = compareExchange(input);
    expect(result.differences).toEqual([]);
    expect(result.pending.map((d) => d.field)).toEqual(['state', 'resolution_code', 'resolution_notes']);
  });

  it('a comment not yet written to the side with pending writes', () => {
    const [first, second] = publicComments();
    const result = compareExchange(request({ providerComments: [first], workflow: snapshot({ pending: { consumer: 0, provider: 1 } }) }));
    expect(result).toEqual({ differences: [], pending: [expect.objectContaining({ field: `comment:${second.id}` })] });
  });

  it('a file not yet shown on the side with pending writes (its copy may still be running)', () => {
    const [first, second] = publicFiles();
    const result = compareExchange(request({ consumerAttachments: [first], workflow: snapshot({ pending: { consumer: 1, provider: 0 } }) }));
    expect(result).toEqual({ differences: [], pending: [expect.objectContaining({ field: `attachment:${second.id}` })] });
    // With nothing queued for the consumer it is drift.
    expect(fields(request({ consumerAttachments: [first] }))).toEqual([`attachment:${second.id}`]);
  });

  it('a parent task not created yet, and a consumer record not created yet', () => {
    const input = request({ workflow: snapshot({ providerNumber: null, consumerState: 'new', providerState: 'new', assignedTo: null, pending: { consumer: 1, provider: 1 } }) });
    expect(compareExchange({ ...input, provider: null })).toEqual({ differences: [], pending: [expect.objectContaining({ field: 'provider_task' })] });
    expect(compareExchange({ ...input, consumer: null })).toEqual({ differences: [], pending: [expect.objectContaining({ field: 'consumer_task' })] });
  });

  it("the parent task exists but the workflow has not heard its number yet", () => {
    const result = compareExchange(
      request({
        consumer: { provider_number: null, state: 'new', assigned_to_name: null },
        provider: { state: 'new', assigned_to_name: null },
        workflow: snapshot({ providerNumber: null, consumerState: 'new', providerState: 'new', assignedTo: null, pending: { consumer: 0, provider: 1 } }),
      }),
    );
    expect(result.differences).toEqual([]);
    expect(result.pending.map((d) => d.field)).toEqual(['provider_number']);
  });

  it('is still drift when the lagging side has nothing pending', () => {
    // Writes are pending for the consumer, but it is the provider that disagrees.
    const result = compareExchange(request({ provider: { state: 'resolved' }, workflow: snapshot({ pending: { consumer: 3, provider: 0 } }) }));
    expect(result.differences.map((d) => d.field)).toEqual(['state']);
    expect(result.pending).toEqual([]);
  });

  it('is still drift for what no queued write can change: comment contents, immutable links', () => {
    const [first, second] = publicComments();
    const wf = snapshot({ pending: { consumer: 2, provider: 2 } });
    expect(fields(request({ providerComments: [{ ...first, body: 'edited' }, second], workflow: wf }))).toEqual([`comment:${first.id}`]);
    expect(fields(request({ provider: { consumer_number: 'PTSK0000001' }, workflow: wf }))).toEqual(['consumer_number']);
    expect(fields(request({ consumer: { provider_number: 'CS0000007' }, workflow: wf }))).toEqual(['provider_number']);
    // A comment the side with nothing pending lacks.
    expect(fields(request({ consumerComments: [first], workflow: snapshot({ pending: { consumer: 0, provider: 2 } }) }))).toEqual([`comment:${second.id}`]);
  });

  it('is still drift without a snapshot, or once the workflow has ended', () => {
    const lagging = { consumer: { state: 'work_in_progress' as const }, provider: { state: 'resolved' as const } };
    expect(fields(request({ ...lagging, workflow: null, workflowStatus: 'running' }))).toEqual(['state']);
    const ended = compareExchange(
      request({ ...lagging, workflow: snapshot({ consumerState: 'resolved', providerState: 'resolved', pending: { consumer: 1, provider: 0 } }), workflowStatus: 'closed' }),
    );
    expect(ended.differences.map((d) => d.field)).toEqual(['workflow', 'state']);
    expect(ended.pending).toEqual([]);
  });
});
