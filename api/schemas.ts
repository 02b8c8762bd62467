import type { Readable } from 'node:stream';
import { Type, type Static, type TSchema } from 'typebox';
import { catalogKinds, consumerStates } from '../domain/model';
import { fieldTypes } from '../domain/catalog-form';
import { attachmentVisibilities } from '../domain/attachments';
import { actionSpecs, jsonActionTypes, MAX_TEXT, type FieldSpec, type JsonActionType } from '../domain/actions';

// Shapes of the API, used for validation, serialization and the OpenAPI document alike.

const text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, description });
const literals = <T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. invalid_transition' }),
      message: Type.String({ description: 'What went wrong, for a person' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'Error' },
);

export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ErrorSchema]));

export const FormFieldSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    label: Type.Optional(Type.String({ maxLength: 200 })),
    type: literals(fieldTypes),
    required: Type.Optional(Type.Boolean()),
    choices: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

export const SlaSchema = Type.Object(
  {
    responseTime: Type.Optional(Type.String({ description: 'received -> assigned, e.g. "4h" or "PT4H"' })),
    resolutionTime: Type.Optional(Type.String({ description: 'received -> solution proposed (paused while awaiting info)' })),
    acceptanceWindow: Type.Optional(Type.String({ description: 'resolved -> consumer decision' })),
  },
  { additionalProperties: false },
);

export const NewCatalogItemSchema = Type.Object(
  {
    name: text(200),
    description: Type.String({ maxLength: MAX_TEXT, default: '' }),
    kind: literals(catalogKinds),
    form: Type.Array(FormFieldSchema, { maxItems: 100, default: [] }),
    sla: Type.Optional(SlaSchema),
  },
  { additionalProperties: false },
);

export const CatalogItemSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  kind: Type.String(),
  form: Type.Array(FormFieldSchema),
  sla: SlaSchema,
  state: Type.String({ description: 'draft, published or retired (own items); published (remote items)' }),
  provider: Type.Object({ instance: Type.String(), name: Type.String() }),
  publishedTo: Type.Optional(Type.Array(Type.String())),
});

export const NewRequestSchema = Type.Object(
  {
    catalogItemId: text(100),
    shortDescription: text(200),
    description: Type.String({ maxLength: MAX_TEXT, default: '' }),
    variables: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), { default: {} }),
  },
  { additionalProperties: false },
);

const TaskParamsNumber = Type.String({ pattern: '^[A-Z]{2,4}[0-9]{7}$', description: 'e.g. PTSK0001001 or CS0001001' });

export const CommentSchema = Type.Object({
  id: Type.String({ description: 'Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side.' }),
  seq: Type.Integer({
    minimum: 1,
    description: "Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes.",
  }),
  visibility: literals(['public', 'internal'] as const),
  author: Type.String({ description: '"Name (Organization)"' }),
  instance: Type.String({ description: 'Where it was written' }),
  body: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const AttachmentSchema = Type.Object({
  id: Type.String({ description: 'The same on both sides; download it at /tasks/{number}/attachments/{id}' }),
  fileName: Type.String(),
  size: Type.Integer({ minimum: 1, description: 'Bytes' }),
  contentType: Type.String({ description: "As uploaded (the part's Content-Type), and as downloaded" }),
  sha256: Type.String({ description: "Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against" }),
  visibility: literals(attachmentVisibilities, { description: "internal: the provider's own, never sent to the consumer" }),
  originInstance: Type.String({ description: 'Where it was uploaded' }),
  authorName: Type.String({ description: '"Name (Organization)"' }),
  seq: Type.Integer({ minimum: 1, description: 'Position among the files this side shows: 1, 2, 3… in conversation order, without gaps' }),
  afterComment: Type.Integer({
    minimum: 0,
    description: 'The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order.',
  }),
  replication: literals(['replicated', 'pending', 'internal'] as const, {
    description: "replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance",
  }),
  createdAt: Type.String({ format: 'date-time' }),
});

export type AttachmentItem = Static<typeof AttachmentSchema>;

export const AttachmentListSchema = Type.Object({ items: Type.Array(AttachmentSchema) });
export const UploadAnswerSchema = Type.Object({ attachments: Type.Array(AttachmentSchema, { description: 'The files of this upload, as this side shows them' }) });

/** The upload's form, for the OpenAPI document: the route reads it as a stream (services/attachments.ts checks it). */
export const UploadFormSchema = Type.Object({
  visibility: Type.Optional(
    literals(attachmentVisibilities, { description: 'public (default), or internal (provider agents and admins: never leaves the provider). Send it before the files.' }),
  ),
  // Required in fact (the handler refuses an upload without a file); optional here because the
  // parsed body the schema is checked against is empty: the files are read as a stream.
  file: Type.Optional(
    Type.Array(Type.String({ format: 'binary' }), {
      description: 'One or more files (at least one), each a part with a file name (repeat the field); its Content-Type is stored and served with it',
    }),
  ),
});

/** A download's bytes: a stream, never a serialized value. */
export const FileBytesSchema = Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The bytes (all of them, or the range asked for)' });

export const AttachmentParams = Type.Object({
  number: TaskParamsNumber,
  id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: "The attachment's id" }),
});

export const SyncSchema = Type.Object({
  status: Type.Unsafe<'in_sync' | 'pending' | 'failing' | 'unknown'>({
    type: 'string',
    enum: ['in_sync', 'pending', 'failing', 'unknown'],
    description: 'in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)',
  }),
  pending: Type.Union([Type.Object({ consumer: Type.Integer(), provider: Type.Integer() }), Type.Null()], { description: 'changes not yet written, per side' }),
  oldestPendingAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
});
export type SyncStatus = Static<typeof SyncSchema>;

export const TaskSchema = Type.Object(
  {
    number: Type.String(),
    side: literals(['consumer', 'provider'] as const),
    type: literals(['provider_task', 'case', 'incident', 'change'] as const),
    state: Type.String(),
    catalogItem: Type.Object({ id: Type.String(), name: Type.String() }),
    shortDescription: Type.String(),
    description: Type.String(),
    variables: Type.Record(Type.String(), Type.Unknown()),
    requestedBy: Type.String(),
    assignedTo: Type.Union([Type.String(), Type.Null()]),
    resolution: Type.Union([Type.Object({ code: Type.String(), notes: Type.String() }), Type.Null()]),
    counterpart: Type.Object({ instance: Type.String(), number: Type.Union([Type.String(), Type.Null()]) }),
    allowedActions: Type.Array(Type.String(), { description: 'What the caller may do now' }),
    sync: Type.Optional(SyncSchema),
    workflow: Type.Optional(
      Type.Object(
        {
          id: Type.String(),
          url: Type.Union([Type.String(), Type.Null()], { description: "Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none" }),
        },
        { description: 'The request\'s workflow, for admins (GET /tasks/:number only)' },
      ),
    ),
    priority: Type.Integer({ description: '1 critical .. 4 low; each SLA escalation raises it one step' }),
    escalationLevel: Type.Integer(),
    slas: Type.Array(
      Type.Object({
        name: Type.String({ description: 'response, resolution or acceptance' }),
        target: Type.String({ description: 'ISO-8601 duration, e.g. PT4H' }),
        elapsed: Type.String({ description: 'ISO-8601 duration of running time so far' }),
        remaining: Type.Union([Type.String(), Type.Null()], { description: 'null once met or breached' }),
        breachedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        paused: Type.Boolean({ description: 'true while awaiting info (resolution)' }),
        met: Type.Boolean(),
      }),
    ),
    comments: Type.Array(CommentSchema),
    attachments: Type.Array(AttachmentSchema, { description: 'The files in the conversation, each placed after a comment (afterComment)' }),
    auditTrail: Type.Array(
      Type.Object({
        action: Type.String(),
        actor: Type.String(),
        instance: Type.String(),
        fromState: Type.Union([Type.String(), Type.Null()]),
        toState: Type.Union([Type.String(), Type.Null()]),
        details: Type.Record(Type.String(), Type.Unknown()),
        at: Type.String({ format: 'date-time' }),
      }),
    ),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Task' },
);
export type TaskResponse = Static<typeof TaskSchema>;

export const TaskListSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      number: Type.String(),
      side: Type.String(),
      state: Type.String(),
      shortDescription: Type.String(),
      catalogItemName: Type.String(),
      counterpartInstance: Type.String({ description: 'The other side: the provider of a Provider Task, the consumer of a parent task' }),
      counterpartNumber: Type.Union([Type.String(), Type.Null()], { description: "The other side's number (null until the provider has created its task)" }),
      assignedTo: Type.Union([Type.String(), Type.Null()], { description: "The assignee's name" }),
      priority: Type.Integer({ description: '1 critical .. 4 low; each SLA escalation raises it one step' }),
      slaDeadline: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'When the earliest running SLA clock reaches its target (in the past once breached); null while no clock runs (none, paused or met)',
      }),
      slaBreached: Type.Boolean({ description: 'Whether an SLA clock of this task has breached' }),
      createdAt: Type.String({ format: 'date-time' }),
      updatedAt: Type.String({ format: 'date-time' }),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as ?cursor= for the next page; null on the last page' }),
});

export const TaskParams = Type.Object({ number: TaskParamsNumber });

export const ListTasksQuery = Type.Object(
  {
    state: Type.Optional(literals(consumerStates)),
    assignee: Type.Optional(literals(['me', 'unassigned'] as const, { description: 'me: assigned to the caller; unassigned: assigned to nobody' })),
    breached: Type.Optional(literals(['true', 'false'] as const, { description: 'true: an SLA clock breached; false: none did' })),
    side: Type.Optional(literals(['consumer', 'provider'] as const, { description: 'consumer: the Provider Tasks this instance ordered; provider: the parent tasks it fulfils' })),
    open: Type.Optional(literals(['true', 'false'] as const, { description: 'true: open tasks only (not closed or cancelled), as a work queue shows them; false: ended ones' })),
    order: Type.Optional(
      literals(['newest', 'queue'] as const, {
        description: 'newest (default): newest first. queue: unassigned first, then priority (critical first), then the nearest SLA deadline, then number',
      }),
    ),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1 to 100 (default 20)' })),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

/** The body schema of a JSON action's field: the state machine checks the same limits, with its own messages. */
const fieldSchema = (f: Exclude<FieldSpec, { kind: 'attachments' }>) => {
  const schema = f.kind === 'choice' ? Type.String({ description: `One of ${f.values.join(', ')}` }) : f.optional ? Type.String({ maxLength: MAX_TEXT }) : text(MAX_TEXT);
  return f.optional ? Type.Optional(schema) : schema;
};

/** Each JSON action's body, from the action registry (domain/actions.ts). */
export const actionBodies = {} as Record<JsonActionType, TSchema>;
for (const type of jsonActionTypes) {
  const fields = Object.entries(actionSpecs[type].fields as Record<string, Exclude<FieldSpec, { kind: 'attachments' }>>).map(([name, f]) => [name, fieldSchema(f)]);
  actionBodies[type] = Type.Object(Object.fromEntries(fields), { additionalProperties: false });
}

// Signing in and managing users (POST /session, POST /users).

const roles = ['requester', 'agent', 'admin'] as const;
const EmailSchema = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$', description: 'Unique in its instance, whatever its case' });

/** A new password: 10 to 200 characters. Stored only as a slow hash. */
export const NewPasswordSchema = Type.String({ minLength: 10, maxLength: 200, description: '10 to 200 characters' });

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    email: Type.String(),
    role: literals(roles),
    instance: Type.String({ description: 'The instance the user belongs to' }),
    organization: Type.String({ description: "The instance's organization, as people see it (\"Acme Corp\")" }),
  },
  { $id: 'User' },
);

export const UserListSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      email: Type.String(),
      role: literals(roles),
      hasPassword: Type.Boolean({ description: 'false: the user cannot sign in until an admin sets a password' }),
    }),
  ),
});

export const SignInSchema = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1000 }),
    instance: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 31,
        description: 'The instance to sign in to. Omitted: the instance that holds this email (and whose password matches)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const NewUserSchema = Type.Object(
  {
    name: text(200),
    email: EmailSchema,
    role: literals(roles),
    password: Type.Optional(NewPasswordSchema),
  },
  { additionalProperties: false },
);

export const SetPasswordSchema = Type.Object({ password: NewPasswordSchema }, { additionalProperties: false });

export const ComponentHealthSchema = Type.Object({
  status: literals(['up', 'slow', 'down'] as const, { description: 'slow: over 500 ms; down: no answer within 3 s' }),
  latencyMs: Type.Number(),
});

const Count = Type.Integer({ minimum: 0 });
const SideBacklogSchema = Type.Object({
  pending: Type.Integer({ minimum: 0, description: 'writes queued for this side' }),
  oldestPendingAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when the oldest of them was accepted' }),
});
const OverviewCountsSchema = Type.Object({
  total: Count,
  byState: Type.Record(Type.String(), Count, { description: "requests by the consumer's state (from the consumer's database)" }),
  escalations: Type.Record(Type.String(), Count, { description: 'open requests per escalation level (1 and up)' }),
  breached: Type.Integer({ minimum: 0, description: 'running requests with an SLA clock breached (SlaBreached = true)' }),
  backlog: Type.Object({ consumer: SideBacklogSchema, provider: SideBacklogSchema }),
  failing: Type.Integer({ minimum: 0, description: 'running requests with a write Temporal is retrying' }),
});

export const OverviewSchema = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  temporalUi: Type.Object(
    { url: Type.Union([Type.String(), Type.Null()]), namespace: Type.String() },
    { description: "A request's workflow in the Temporal UI: {url}/namespaces/{namespace}/workflows/{workflowId}; url null: no Temporal UI known" },
  ),
  totals: OverviewCountsSchema,
  pairs: Type.Array(
    Type.Object({
      consumer: Type.String(),
      provider: Type.String(),
      counts: OverviewCountsSchema,
      requests: Type.Array(
        Type.Object({
          workflowId: Type.String(),
          number: Type.String({ description: "the consumer's Provider Task number" }),
          providerNumber: Type.Union([Type.String(), Type.Null()]),
          state: Type.String(),
          escalationLevel: Type.Integer({ minimum: 0 }),
          slaBreached: Type.Boolean(),
          sync: Type.Object({
            status: SyncSchema.properties.status,
            pending: SyncSchema.properties.pending,
            oldestPendingAt: Type.Object({ consumer: SideBacklogSchema.properties.oldestPendingAt, provider: SideBacklogSchema.properties.oldestPendingAt }),
            lastError: Type.Union([Type.String(), Type.Null()]),
          }),
        }),
        { description: 'running requests that need a look: writes queued or failing, an SLA breached, or escalated' },
      ),
    }),
  ),
  databases: Type.Record(Type.String(), ComponentHealthSchema),
  countsUnavailable: Type.Array(Type.String(), { description: "instances whose database could not be counted (down): their pairs' states are missing" }),
  running: Type.Object({ read: Count, truncated: Type.Boolean({ description: 'more running requests than one overview reads' }) }),
});

const DriftedSchema = Type.Object({
  workflowId: Type.String(),
  consumerInstance: Type.String(),
  consumerNumber: Type.String(),
  providerInstance: Type.String(),
  providerNumber: Type.Union([Type.String(), Type.Null()]),
  differences: Type.Array(
    Type.Object({
      field: Type.String({ description: 'e.g. state, assignee, comment:<id>, escalation:<id>, provider_task, workflow' }),
      consumer: Type.Unknown(),
      provider: Type.Unknown(),
      workflow: Type.Optional(Type.Unknown()),
      message: Type.String(),
    }),
  ),
});

export const ReconcileReportSchema = Type.Object({
  checked: Count,
  inSync: Count,
  pending: Type.Integer({ minimum: 0, description: 'requests whose only differences are writes their workflow still has queued' }),
  drifted: Type.Array(DriftedSchema),
  pendingRequests: Type.Array(DriftedSchema),
  workflowUnavailable: Count,
});
