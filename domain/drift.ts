// Drift detection, pure: does each instance's copy of an exchanged request still say what the other's
// and the workflow's do? No I/O here; services/reconcile.ts reads the rows and the workflow and calls this.
import { isOpen, providerStateOf, type ConsumerState, type ProviderState, type Side } from './model';

/** A comment as either database holds it (internal ones are ignored). */
export interface DriftComment {
  id: string;
  seq: number;
  visibility: 'public' | 'internal';
  author_name: string;
  body: string;
  origin_instance: string;
}

/** A file as either database holds it (internal ones are ignored): its row, and the SHA-256 of the bytes stored for it. */
export interface DriftAttachment {
  id: string;
  seq: number;
  visibility: 'public' | 'internal';
  file_name: string;
  size: number;
  sha256: string;
  /** The SHA-256 of the complete content stored under its id; null when the bytes are missing or incomplete. */
  stored_sha256: string | null;
}

/** An escalation record as either database holds it. */
export interface DriftEscalation {
  id: string;
  sla: string;
  level: number;
  priority: number;
}

/** The fields of the consumer's Provider Task (consumer_provider_tasks) that both sides share. */
export interface ProviderTaskRecord {
  number: string;
  workflow_id: string;
  provider_number: string | null;
  state: ConsumerState;
  assigned_to_name: string | null;
  resolution_code: string | null;
  resolution_notes: string | null;
  priority: number;
  escalation_level: number;
}

/** The fields of the provider's parent task (provider_parent_tasks) that both sides share. */
export interface ParentTaskRecord {
  number: string;
  workflow_id: string;
  consumer_number: string;
  state: ProviderState;
  assigned_to_name: string | null;
  resolution_code: string | null;
  resolution_notes: string | null;
  priority: number;
  escalation_level: number;
}

export interface DriftSide<T> {
  task: T;
  comments: DriftComment[];
  /** Compared only when given for both sides. */
  escalations?: DriftEscalation[];
  /** Compared only when given for both sides. */
  attachments?: DriftAttachment[];
}

/**
 * Where the workflow stands. `running`: it may still write its pending changes (the default when a
 * snapshot is given). `closed`: it ended; what it has not written will never be written.
 * `missing`: Temporal has no such workflow.
 */
export type WorkflowStatus = 'running' | 'closed' | 'missing';

/** What drift compares of the workflow's own view of a request (its snapshot query or result). */
export interface WorkflowRecord {
  number: string;
  providerNumber: string | null;
  consumerState: ConsumerState;
  providerState: ProviderState;
  assignedTo: { name: string } | null;
  resolution: { code: string; notes: string } | null;
  /** Changes decided but not yet written, per side. */
  pending: Record<Side, number>;
  /** Null for requests that predate SLA tracking. */
  sla: { escalationLevel: number; priority: number } | null;
}

export interface DriftInput {
  consumer: DriftSide<ProviderTaskRecord> | null;
  provider: DriftSide<ParentTaskRecord> | null;
  /** The workflow's snapshot (snapshotQuery or its result), when it could be read. */
  workflow?: WorkflowRecord | null;
  workflowStatus?: WorkflowStatus;
}

/** One thing the two databases (or a database and the workflow) disagree on. */
export interface Difference {
  /** e.g. state, assignee, resolution_notes, comment:<id>, escalation:<id>, provider_task, workflow. */
  field: string;
  consumer: unknown;
  provider: unknown;
  /** What the workflow holds, when it was read and has a say on this field. */
  workflow?: unknown;
  message: string;
}

export interface DriftResult {
  /** Real drift: no write the workflow still has queued can explain it. */
  differences: Difference[];
  /** Differences the workflow's still-pending writes would resolve: a system in motion, not drift. */
  pending: Difference[];
}

const show = (v: unknown): string => (v === null || v === undefined ? 'none' : typeof v === 'string' ? JSON.stringify(v) : String(v));

const commentView = (c: DriftComment) => ({ seq: c.seq, author: c.author_name, origin: c.origin_instance, body: c.body });
const escalationView = (e: DriftEscalation) => ({ sla: e.sla, level: e.level, priority: e.priority });
const attachmentView = (a: DriftAttachment) => ({ seq: a.seq, fileName: a.file_name, size: a.size, sha256: a.sha256, storedSha256: a.stored_sha256 });

/** What each comparison step reports to: real drift, or a difference queued writes will resolve. */
interface Findings {
  snapshot: WorkflowRecord | null;
  /** Drift whatever the workflow still has queued. */
  drift(d: Difference): void;
  /** A difference only `resolvableBy` sides' queued writes can resolve is pending, otherwise drift. */
  report(d: Difference, resolvableBy: Side[]): void;
}

/** Compares one exchanged request's two database copies with each other and with its workflow. */
export function compareExchange(input: DriftInput): DriftResult {
  const { consumer, provider } = input;
  const snapshot = input.workflow ?? null;
  const status: WorkflowStatus = input.workflowStatus ?? (snapshot ? 'running' : 'missing');
  const differences: Difference[] = [];
  const pending: Difference[] = [];
  /** Writes the workflow still has queued for a side, if it will ever make them. */
  const queued = (side: Side) => (snapshot && status === 'running' ? snapshot.pending[side] : 0);
  const findings: Findings = {
    snapshot,
    drift: (d) => differences.push(d),
    report: (d, resolvableBy) => {
      const inMotion = resolvableBy.length > 0 && resolvableBy.every((side) => queued(side) > 0);
      (inMotion ? pending : differences).push(d);
    },
  };
  compareWorkflow(findings, input, status);
  if (!consumer || !provider) compareMissingSide(findings, consumer, provider);
  else {
    compareLink(findings, consumer.task, provider.task);
    compareReplicatedFields(findings, consumer.task, provider.task);
    compareConversation(findings, consumer, provider);
  }
  return { differences, pending };
}

/** The workflow itself: missing from Temporal, or ended with writes it never made. */
function compareWorkflow({ snapshot, drift }: Findings, { consumer, provider }: DriftInput, status: WorkflowStatus): void {
  // A request both sides hold as ended may have outlived its workflow: Temporal deletes closed
  // workflows after the namespace's retention period. The two copies are still compared.
  const retainedAway = consumer && provider && !isOpen(consumer.task.state) && provider.task.state === consumer.task.state;
  if (status === 'missing' && !retainedAway) {
    drift({
      field: 'workflow',
      consumer: consumer?.task.workflow_id ?? null,
      provider: provider?.task.workflow_id ?? null,
      workflow: null,
      message: `Temporal has no workflow ${consumer?.task.workflow_id ?? provider?.task.workflow_id ?? ''}`.trim(),
    });
  } else if (snapshot && status === 'closed') {
    for (const side of ['consumer', 'provider'] as const) {
      if (snapshot.pending[side] > 0) {
        drift({
          field: 'workflow',
          consumer: null,
          provider: null,
          workflow: { pending: snapshot.pending },
          message: `the workflow ended with ${snapshot.pending[side]} change(s) never written to the ${side}`,
        });
      }
    }
  }
}

/** One side holds the request and the other does not. */
function compareMissingSide({ snapshot, report }: Findings, consumer: DriftInput['consumer'], provider: DriftInput['provider']): void {
  if (consumer && !provider) {
    // Once the workflow knows the provider's number, the parent task was created: gone means drift.
    const creating = snapshot !== null && snapshot.providerNumber === null;
    report(
      {
        field: 'provider_task',
        consumer: consumer.task.number,
        provider: null,
        ...(snapshot ? { workflow: snapshot.providerNumber } : {}),
        message: `the provider has no parent task for ${consumer.task.number}`,
      },
      creating ? ['provider'] : [],
    );
  } else if (provider && !consumer) {
    report(
      {
        field: 'consumer_task',
        consumer: null,
        provider: provider.task.number,
        ...(snapshot ? { workflow: snapshot.number } : {}),
        message: `the consumer has no Provider Task ${provider.task.consumer_number} for ${provider.task.number}`,
      },
      ['consumer'],
    );
  }
}

/** The link between the two records: fixed at creation, except the consumer learning the provider's number. */
function compareLink({ snapshot, drift, report }: Findings, c: ProviderTaskRecord, p: ParentTaskRecord): void {
  if (c.workflow_id !== p.workflow_id) {
    drift({ field: 'workflow_id', consumer: c.workflow_id, provider: p.workflow_id, message: `the records belong to different workflows` });
  }
  if (p.consumer_number !== c.number) {
    drift({ field: 'consumer_number', consumer: c.number, provider: p.consumer_number, message: `${p.number} points at ${show(p.consumer_number)}, not ${c.number}` });
  }
  const link = { field: 'provider_number', consumer: c.provider_number, provider: p.number, ...(snapshot ? { workflow: snapshot.providerNumber } : {}) };
  if (snapshot && snapshot.providerNumber === null) {
    // The workflow has not heard the parent task's number yet: its creation is still being acknowledged.
    if (c.provider_number !== null) drift({ ...link, message: `${c.number} links to ${c.provider_number} before the workflow knew any provider number` });
    else report({ ...link, message: `the workflow does not know ${p.number} as the provider's number of ${c.number}` }, ['provider']);
    return;
  }
  const expected = snapshot?.providerNumber ?? p.number;
  if (p.number !== expected) {
    drift({ ...link, message: `the workflow links ${c.number} to ${show(expected)}, the provider's task is ${p.number}` });
  } else if (c.provider_number !== expected) {
    // A queued consumer write carries the number; it never replaces one already written.
    report({ ...link, message: `${c.number} links to ${show(c.provider_number)}, the provider's task is ${p.number}` }, c.provider_number === null ? ['consumer'] : []);
  }
}

/** The fields the workflow replicates to both sides. */
function compareReplicatedFields(findings: Findings, c: ProviderTaskRecord, p: ParentTaskRecord): void {
  const { snapshot } = findings;
  const same = <T>(v: T | undefined) => (v === undefined ? undefined : { consumer: v, provider: v, shown: v });
  compareField<string>(
    findings,
    'state',
    'state',
    c.state,
    p.state,
    snapshot ? { consumer: snapshot.consumerState, provider: snapshot.providerState, shown: snapshot.consumerState } : undefined,
    (cs, ps) => providerStateOf(cs as ConsumerState) === ps,
  );
  compareField(findings, 'assignee', 'assignee', c.assigned_to_name, p.assigned_to_name, same(snapshot ? (snapshot.assignedTo?.name ?? null) : undefined));
  compareField(findings, 'resolution_code', 'resolution code', c.resolution_code, p.resolution_code, same(snapshot ? (snapshot.resolution?.code ?? null) : undefined));
  compareField(findings, 'resolution_notes', 'resolution notes', c.resolution_notes, p.resolution_notes, same(snapshot ? (snapshot.resolution?.notes ?? null) : undefined));
  // Requests that predate SLA tracking have no clocks in the workflow: their sides must just agree.
  compareField(findings, 'escalation_level', 'escalation level', c.escalation_level, p.escalation_level, same(snapshot?.sla ? snapshot.sla.escalationLevel : undefined));
  compareField(findings, 'priority', 'priority', c.priority, p.priority, same(snapshot?.sla ? snapshot.sla.priority : undefined));
}

/** One replicated field: with a snapshot each side against it, without one the sides against each other. */
function compareField<T>(
  { report }: Findings,
  name: string,
  label: string,
  cv: T,
  pv: T,
  expected?: { consumer: T; provider: T; shown: T },
  agree = (a: T, b: T) => a === b,
): void {
  let off: Side[];
  if (expected) {
    off = [];
    if (cv !== expected.consumer) off.push('consumer');
    if (pv !== expected.provider) off.push('provider');
  } else {
    off = agree(cv, pv) ? [] : ['consumer', 'provider'];
  }
  if (!off.length) return;
  let message: string;
  if (!expected) message = `${label}: the consumer has ${show(cv)}, the provider has ${show(pv)}`;
  else if (off.length === 2) message = `${label}: the consumer has ${show(cv)} and the provider ${show(pv)}, the workflow has ${show(expected.shown)}`;
  else {
    const [side] = off;
    const value = side === 'consumer' ? cv : pv;
    const want = side === 'consumer' ? expected.consumer : expected.provider;
    message = `${label}: the ${side} has ${show(value)} where the workflow has ${show(want)} (the ${side === 'consumer' ? 'provider' : 'consumer'} agrees)`;
  }
  report({ field: name, consumer: cv, provider: pv, ...(expected ? { workflow: expected.shown } : {}), message }, off);
}

/** The public conversation and files by id (a queued write can add one, never change one), and the escalations. */
function compareConversation({ report }: Findings, consumer: DriftSide<ProviderTaskRecord>, provider: DriftSide<ParentTaskRecord>): void {
  compareSets(
    'comment',
    consumer.comments.filter((x) => x.visibility === 'public'),
    provider.comments.filter((x) => x.visibility === 'public'),
    commentView,
    (x) => `public comment #${x.seq} by ${x.author_name}`,
    report,
  );
  // Files: the same name, size and SHA-256, and bytes stored that hash to it.
  if (consumer.attachments && provider.attachments) {
    compareSets(
      'attachment',
      consumer.attachments.filter((x) => x.visibility === 'public'),
      provider.attachments.filter((x) => x.visibility === 'public'),
      attachmentView,
      (x) => `file ${JSON.stringify(x.file_name)} (SHA-256 ${x.sha256.slice(0, 12)}…)`,
      report,
    );
  }
  if (consumer.escalations && provider.escalations) {
    compareSets('escalation', consumer.escalations, provider.escalations, escalationView, (x) => `escalation level ${x.level} (${x.sla})`, report);
  }
}

function compareSets<T extends { id: string }>(
  kind: string,
  consumerItems: T[],
  providerItems: T[],
  view: (x: T) => Record<string, unknown>,
  describe: (x: T) => string,
  report: (d: Difference, resolvableBy: Side[]) => void,
) {
  const cs = new Map(consumerItems.map((x) => [x.id, x]));
  const ps = new Map(providerItems.map((x) => [x.id, x]));
  const order = (x: T) => ((x as { seq?: number }).seq ?? (x as { level?: number }).level ?? 0);
  const ids = [...new Set([...cs.keys(), ...ps.keys()])].sort((a, b) => {
    const xa = (cs.get(a) ?? ps.get(a))!;
    const xb = (cs.get(b) ?? ps.get(b))!;
    return order(xa) - order(xb) || (a < b ? -1 : a > b ? 1 : 0);
  });
  for (const id of ids) {
    const c = cs.get(id);
    const p = ps.get(id);
    const field = `${kind}:${id}`;
    if (c && !p) report({ field, consumer: view(c), provider: null, message: `${describe(c)} is missing at the provider` }, ['provider']);
    else if (p && !c) report({ field, consumer: null, provider: view(p), message: `${describe(p)} is missing at the consumer` }, ['consumer']);
    else if (c && p) {
      const cv = view(c);
      const pv = view(p);
      const changed = Object.keys(cv).filter((k) => cv[k] !== pv[k]);
      if (changed.length) report({ field, consumer: cv, provider: pv, message: `${describe(c)} differs in ${changed.join(', ')}` }, []);
    }
  }
}
