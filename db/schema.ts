import type { ColumnType, JSONColumnType, Selectable } from 'kysely';
import type { CatalogItemState, CatalogKind, ConsumerState, ParentTaskType, ProviderState, Role } from '../domain/model';
import type { FormField } from '../domain/catalog-form';
import type { SlaTargets } from '../domain/catalog-item';
import type { SlaState } from '../domain/sla';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

/** Tables of one instance's database. Every instance has the same schema, whichever side it plays. */
export interface UsersTable {
  id: string;
  name: string;
  email: string;
  role: Role;
  token_id: string;
  token_hash: string;
  /** `scrypt$N$r$p$salt$hash` (services/passwords.ts); null: the user cannot sign in with a password. */
  password_hash: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

/** A browser session (POST /session): only a SHA-256 of its secret is stored, like API tokens. */
export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: ColumnType<Date, Date, never>;
  /** Moved forward as the session is used; idle past SESSION_IDLE_MINUTES, it has ended. */
  last_seen_at: ColumnType<Date, Date, Date>;
  /** created_at + SESSION_MAX_HOURS: the session ends then, used or not. */
  expires_at: ColumnType<Date, Date, never>;
}

/** One failed sign-in: counted per account (email) and per client address to rate-limit guessing. */
export interface SignInFailuresTable {
  id: string;
  account: string;
  address: string;
  failed_at: ColumnType<Date, Date, never>;
}

/** Items this instance publishes as a provider. */
export interface CatalogItemsTable {
  id: string;
  name: string;
  description: string;
  kind: CatalogKind;
  form: JSONColumnType<FormField[]>;
  sla: JSONColumnType<SlaTargets>;
  state: CatalogItemState;
  published_to: JSONColumnType<string[]>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** Items other instances publish to this one (its remote catalog). */
export interface RemoteCatalogItemsTable {
  id: string;
  provider_instance: string;
  provider_name: string;
  name: string;
  description: string;
  kind: CatalogKind;
  form: JSONColumnType<FormField[]>;
  sla: JSONColumnType<SlaTargets>;
  state: 'published' | 'retired';
  updated_at: UpdatedAt;
}

/** The consumer's tracking record of an exchanged request. */
export interface ConsumerProviderTasksTable {
  number: string;
  workflow_id: string;
  provider_instance: string;
  provider_number: string | null;
  catalog_item_id: string;
  catalog_item_name: string;
  kind: CatalogKind;
  short_description: string;
  description: string;
  variables: JSONColumnType<Record<string, unknown>>;
  state: ConsumerState;
  requested_by: string;
  requested_by_name: string;
  assigned_to_name: string | null;
  resolution_code: string | null;
  resolution_notes: string | null;
  /** The workflow's sequence number of the last change written here: older writes never overwrite newer ones. */
  sync_seq: ColumnType<number, number | undefined, number>;
  /** 1 critical .. 4 low; raised one step by each SLA escalation. */
  priority: ColumnType<number, number | undefined, number>;
  escalation_level: ColumnType<number, number | undefined, number>;
  /** The SLA clocks as of the last change (domain/sla.ts SlaState); the API derives live figures from it. */
  sla: JSONColumnType<SlaState> | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** The provider's own task (case, incident or change) for a consumer's request. */
export interface ProviderParentTasksTable {
  number: string;
  workflow_id: string;
  task_type: ParentTaskType;
  consumer_instance: string;
  consumer_number: string;
  catalog_item_id: string;
  catalog_item_name: string;
  short_description: string;
  description: string;
  variables: JSONColumnType<Record<string, unknown>>;
  state: ProviderState;
  requested_by_name: string;
  assigned_to: string | null;
  assigned_to_name: string | null;
  resolution_code: string | null;
  resolution_notes: string | null;
  /** The workflow's sequence number of the last change written here: older writes never overwrite newer ones. */
  sync_seq: ColumnType<number, number | undefined, number>;
  /** 1 critical .. 4 low; raised one step by each SLA escalation. */
  priority: ColumnType<number, number | undefined, number>;
  escalation_level: ColumnType<number, number | undefined, number>;
  /** The SLA clocks as of the last change (domain/sla.ts SlaState); the API derives live figures from it. */
  sla: JSONColumnType<SlaState> | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CommentsTable {
  /** The idempotency key: the same comment written twice is one row. */
  id: string;
  task_number: string;
  visibility: 'public' | 'internal';
  origin_instance: string;
  author_name: string;
  body: string;
  /** Position in the request's conversation, the same on both sides. */
  seq: number;
  created_at: CreatedAt;
}

export interface AuditLogTable {
  id: string;
  task_number: string;
  action: string;
  actor_name: string;
  actor_instance: string;
  from_state: string | null;
  to_state: string | null;
  details: JSONColumnType<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  /** What the first request reserved (e.g. the Provider Task number), reused if it is retried after a crash. */
  resource: string | null;
  /** Null while the first request with this key is still being handled. */
  status_code: number | null;
  response: JSONColumnType<object> | null;
  created_at: CreatedAt;
}

export interface EscalationsTable {
  id: string;
  task_number: string;
  sla: 'response' | 'resolution';
  level: number;
  priority: number;
  breached_at: ColumnType<Date, Date | string, never>;
  created_at: CreatedAt;
}

/**
 * One change to a task or its conversation, written by triggers (migration 2026-12-01T07-00-task-events)
 * in the changing transaction; ids become visible in id order. No content: the live stream's source.
 */
export interface TaskEventsTable {
  /** bigint: a string from pg, a number from PGlite. */
  id: ColumnType<string | number, never, never>;
  task_number: string;
  kind: string;
  at: ColumnType<Date, never, never>;
}

/** bigint columns: a string from pg, a number from PGlite (db/repositories/attachments.ts normalises them). */
type BigintColumn = ColumnType<string | number, number, number>;

/** One stored file's bytes (the chunks) and, once complete, their checked size and SHA-256. */
export interface AttachmentContentsTable {
  id: string;
  sha256: string | null;
  size: ColumnType<string | number | null, number | null | undefined, number | null>;
  /** Every chunk is there and the bytes hash to `sha256`. */
  complete: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

/** A slice of a content's bytes: chunk `idx` of fixed size (the last one shorter). */
export interface AttachmentChunksTable {
  content_id: string;
  idx: number;
  data: ColumnType<Uint8Array, Uint8Array, never>;
}

/** A file on a request, as people see it; its content has the same id. */
export interface AttachmentsTable {
  id: string;
  task_number: string;
  /** Position in the request's conversation: the comments' counter, the same on both sides. */
  seq: number;
  visibility: 'public' | 'internal';
  origin_instance: string;
  author_name: string;
  file_name: string;
  content_type: string;
  size: BigintColumn;
  sha256: string;
  /** On the side that uploaded it: when the other side had it (null while pending; never for internal files). */
  replicated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: CreatedAt;
}

export interface Database {
  users: UsersTable;
  catalog_items: CatalogItemsTable;
  remote_catalog_items: RemoteCatalogItemsTable;
  consumer_provider_tasks: ConsumerProviderTasksTable;
  provider_parent_tasks: ProviderParentTasksTable;
  comments: CommentsTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  escalations: EscalationsTable;
  sessions: SessionsTable;
  sign_in_failures: SignInFailuresTable;
  task_events: TaskEventsTable;
  attachment_contents: AttachmentContentsTable;
  attachment_chunks: AttachmentChunksTable;
  attachments: AttachmentsTable;
}

export type User = Selectable<UsersTable>;
export type CatalogItemRow = Selectable<CatalogItemsTable>;
export type RemoteCatalogItemRow = Selectable<RemoteCatalogItemsTable>;
export type ConsumerProviderTaskRow = Selectable<ConsumerProviderTasksTable>;
export type ProviderParentTaskRow = Selectable<ProviderParentTasksTable>;
export type CommentRow = Selectable<CommentsTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type AttachmentRow = Selectable<AttachmentsTable>;
