// Attaching files to a task, and reading them back. An upload streams each file into the caller's own
// database, chunk by chunk while hashing it, under a staged id nobody sees; then one `attach` action
// takes the files' metadata (never their bytes) to the request's workflow, which shows them on both
// sides in conversation order, copying the bytes to the other side first. Whatever an upload staged and
// did not attach is deleted before it answers; what a killed process left is swept a day later.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { DomainError } from '../domain/errors';
import {
  attachmentVisibilities,
  contentTypeAllowed,
  fileNameProblem,
  formatBytes,
  normalizeContentType,
  type AttachmentMeta,
  type AttachmentVisibility,
} from '../domain/attachments';
import { decide, sampleOf, type ExchangeState } from '../domain/state-machine';
import type { Actor, Side } from '../domain/model';
import type { Db } from '../db/connect';
import { exchangeStateOf, findTask, findWorkflowId, sideOfNumber } from '../db/repositories/tasks';
import {
  CHUNK_BYTES,
  attachedBytes,
  completeContent,
  createContent,
  discardUnattached,
  findAttachment,
  insertChunk,
  listAttachments,
  readChunks,
  renameContent,
  sweepUnattached,
  type SideAttachment,
} from '../db/repositories/attachments';
import { actOnTask, taskNotFound } from './act-on-task';
import type { ServiceDeps } from './deps';

/** What an instance accepts in uploads (ATTACHMENT_MAX_FILE_BYTES, ATTACHMENT_MAX_REQUEST_BYTES, ATTACHMENT_TYPES). */
export interface AttachmentLimits {
  maxFileBytes: number;
  /** All of a request's files on one side together. */
  maxRequestBytes: number;
  /** Media types accepted (`image/png`, or `image/*`); empty: any. */
  types: readonly string[];
}

/** Staged contents no attachment took are deleted after this long (a process killed mid-upload left them). */
export const STAGED_TTL_MS = 24 * 60 * 60 * 1000;

/** A part of a multipart upload, as the route reads it (the shape of @fastify/multipart's parts). */
export type UploadPart =
  | { type: 'field'; fieldname: string; value: unknown }
  | { type: 'file'; fieldname: string; filename: string; mimetype: string; file: AsyncIterable<Buffer> & { truncated?: boolean } };

/** The task an upload is for, as checked before its body is read. */
export interface UploadTarget {
  number: string;
  side: Side;
  workflowId: string;
  exchange: ExchangeState;
}

/** One file of an upload, stored under `stagedId` until the workflow takes it. */
export interface StagedFile {
  stagedId: string;
  /** The attachment's id, once given (`attachStaged`). */
  id?: string;
  /** Its content is the attachment's (the staged content itself, or renamed to the attachment's id). */
  promoted?: boolean;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface StagedUpload {
  visibility: AttachmentVisibility;
  files: StagedFile[];
}

const refuse = (message: string, field: string) => new DomainError('validation_failed', message, { field });

/**
 * The task, and whether this actor may attach to it now (as the workflow will decide it again): asked
 * before the body is read, so a refused caller's bytes are never stored.
 */
export async function uploadTarget(deps: ServiceDeps, actor: Actor, number: string): Promise<UploadTarget> {
  const task = await findTask(deps.instances.db(actor.instance), number);
  if (!task) throw taskNotFound(number);
  const exchange = exchangeStateOf(task, actor.instance);
  decide(exchange, sampleOf('attach'), actor);
  return { number, side: task.side, workflowId: task.row.workflow_id, exchange };
}

/**
 * Reads an upload: an optional `visibility` field first, then one or more files, each streamed into
 * the caller's database as it arrives. A file's name and type are checked before any of its bytes are
 * stored, its size while they are. Any refusal, or the upload breaking off, deletes what it staged.
 */
export async function stageUpload(deps: ServiceDeps, actor: Actor, target: UploadTarget, parts: AsyncIterable<UploadPart>, limits: AttachmentLimits): Promise<StagedUpload> {
  const db = deps.instances.db(actor.instance);
  await sweepUnattached(db, STAGED_TTL_MS);
  const upload: StagedUpload = { visibility: 'public', files: [] };
  const requestLimit = { bytes: limits.maxRequestBytes, left: limits.maxRequestBytes - (await attachedBytes(db, target.number)) };
  try {
    for await (const part of parts) {
      if (part.type === 'field') {
        if (part.fieldname !== 'visibility') throw refuse(`${part.fieldname} is not an accepted field: send visibility and files`, part.fieldname);
        if (upload.files.length) throw refuse('visibility must come before the files', 'visibility');
        if (!attachmentVisibilities.includes(part.value as AttachmentVisibility)) {
          throw new DomainError('validation_failed', `visibility must be one of ${attachmentVisibilities.join(', ')}`, { field: 'visibility', allowed: attachmentVisibilities });
        }
        upload.visibility = part.value as AttachmentVisibility;
        // An internal file from someone who may not attach one is refused before any byte is stored.
        decide(target.exchange, sampleOf('attach', { visibility: upload.visibility }), actor);
        continue;
      }
      const problem = fileNameProblem(part.filename);
      if (problem) throw refuse(`File ${JSON.stringify(part.filename)} is refused: ${problem}`, 'file');
      const contentType = normalizeContentType(part.mimetype);
      if (!contentTypeAllowed(contentType, limits.types)) {
        throw new DomainError('unsupported_media_type', `${part.filename} is ${contentType}; accepted types are ${limits.types.join(', ')}`, {
          field: 'file',
          contentType,
          allowed: limits.types,
        });
      }
      const file = await stageFile(db, part.file, { fileName: part.filename, contentType }, limits.maxFileBytes, requestLimit);
      upload.files.push(file);
      requestLimit.left -= file.size;
    }
    if (!upload.files.length) throw refuse('Attach at least one file (a multipart part with a file name)', 'file');
    return upload;
  } catch (err) {
    await discardUnattached(db, upload.files.map((f) => f.stagedId));
    throw err;
  }
}

/** Streams one file into a new staged content, hashing it; refuses it past a limit or empty, deleting what it stored. */
async function stageFile(
  db: Db,
  source: AsyncIterable<Buffer> & { truncated?: boolean },
  meta: { fileName: string; contentType: string },
  maxFileBytes: number,
  requestLimit: { bytes: number; left: number },
): Promise<StagedFile> {
  const stagedId = randomUUID();
  const tooLarge = (bytes: number) =>
    bytes > maxFileBytes
      ? new DomainError('payload_too_large', `${meta.fileName} exceeds the ${formatBytes(maxFileBytes)} limit per file`, { field: 'file', limit: maxFileBytes })
      : new DomainError('payload_too_large', `${meta.fileName} would take this request's files over the ${formatBytes(requestLimit.bytes)} limit per request`, {
          field: 'file',
          limit: requestLimit.bytes,
        });
  const limit = Math.max(0, Math.min(maxFileBytes, requestLimit.left));
  await createContent(db, stagedId);
  try {
    const hash = createHash('sha256');
    let size = 0;
    let idx = 0;
    // One chunk fills while the previous one is written: never more of the file in memory.
    let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let filled = 0;
    for await (const piece of source) {
      if (size + piece.length > limit) throw tooLarge(size + piece.length);
      size += piece.length;
      hash.update(piece);
      for (let at = 0; at < piece.length; ) {
        const n = piece.copy(chunk, filled, at);
        filled += n;
        at += n;
        if (filled === CHUNK_BYTES) {
          await insertChunk(db, stagedId, idx++, chunk);
          chunk = Buffer.allocUnsafe(CHUNK_BYTES);
          filled = 0;
        }
      }
    }
    // The parser stopped at the limit per file (its own count): the file was longer.
    if (source.truncated) throw tooLarge(maxFileBytes + 1);
    if (size === 0) throw refuse(`${meta.fileName} is empty`, 'file');
    if (filled) await insertChunk(db, stagedId, idx, chunk.subarray(0, filled));
    const sha256 = hash.digest('hex');
    await completeContent(db, stagedId, sha256, size);
    return { stagedId, ...meta, size, sha256 };
  } catch (err) {
    await discardUnattached(db, [stagedId]);
    throw err;
  }
}

/** What an upload's Idempotency-Key stands for: a retry with the same visibility and files (names, types, bytes) is the same upload. */
export const uploadFingerprint = (upload: StagedUpload) => ({
  visibility: upload.visibility,
  files: upload.files.map((f) => ({ fileName: f.fileName, contentType: f.contentType, sha256: f.sha256 })),
});

/**
 * An attachment id the same for every retry of one upload (user, Idempotency-Key, file's position), so
 * a retry names the contents and the workflow update of its first attempt.
 */
function retryStableId(userId: string, key: string, index: number): string {
  const h = createHash('sha256').update(`${userId}\n${key}\n${index}`).digest('hex');
  // A version 8 (custom) UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Hands the staged files to the request's workflow as one `attach` action and answers them as the
 * caller's side now shows them. With an Idempotency-Key (`retry`), each file takes an id derived from
 * it, and a retry whose first attempt already stored a file uses that one. A refused action deletes
 * the contents; one that timed out keeps them, since the workflow may still take it.
 */
export async function attachStaged(deps: ServiceDeps, actor: Actor, target: UploadTarget, upload: StagedUpload, retry?: { userId: string; key: string }): Promise<SideAttachment[]> {
  const db = deps.instances.db(actor.instance);
  for (const [i, file] of upload.files.entries()) {
    if (!retry) {
      file.id = file.stagedId;
      file.promoted = true;
    } else {
      file.id = retryStableId(retry.userId, retry.key, i);
      file.promoted = await renameContent(db, file.stagedId, file.id);
    }
  }
  const attachments: AttachmentMeta[] = upload.files.map((f) => ({ id: f.id!, fileName: f.fileName, size: f.size, contentType: f.contentType, sha256: f.sha256 }));
  const updateId = retry ? `${retry.userId}:${retry.key}` : undefined;
  try {
    await actOnTask(deps, actor, { number: target.number, workflowId: target.workflowId }, 'attach', { attachments, visibility: upload.visibility }, updateId);
  } catch (err) {
    // Refused (by the workflow's validator too): no write will ever show these files.
    const refused = (err instanceof DomainError && err.code !== 'unavailable') || err instanceof WorkflowUpdateFailedError;
    if (refused) await discardUnattached(db, attachments.map((a) => a.id));
    throw err;
  }
  const ids = new Set(attachments.map((a) => a.id));
  return (await listAttachments(db, target.number, target.side)).filter((a) => ids.has(a.id));
}

/** Deletes the staged contents an upload did not attach (all of them, if it never got that far). */
export async function discardStaged(deps: ServiceDeps, actor: Actor, upload: StagedUpload): Promise<void> {
  await discardUnattached(
    deps.instances.db(actor.instance),
    upload.files.filter((f) => !f.promoted).map((f) => f.stagedId),
  );
}

/** A task's attachments as the caller's side shows them. */
export async function taskAttachments(deps: ServiceDeps, actor: Actor, number: string): Promise<SideAttachment[]> {
  const db = deps.instances.db(actor.instance);
  if (!(await findWorkflowId(db, number))) throw taskNotFound(number);
  return listAttachments(db, number, sideOfNumber(number));
}

/** One attachment of a task of the caller's instance; any other is not found, like another instance's task. */
export async function findTaskAttachment(deps: ServiceDeps, actor: Actor, number: string, id: string) {
  const attachment = await findAttachment(deps.instances.db(actor.instance), number, id, sideOfNumber(number));
  if (!attachment) throw new DomainError('not_found', `No attachment ${id} on task ${number} in this instance`);
  return attachment;
}

/** Bytes `start` to `end` (inclusive) of a stored file, read from its chunks one at a time as the stream is consumed. */
export function attachmentBytes(deps: ServiceDeps, actor: Actor, id: string, start: number, end: number): Readable {
  const first = Math.floor(start / CHUNK_BYTES);
  const chunks = readChunks(deps.instances.db(actor.instance), id, first, Math.floor(end / CHUNK_BYTES));
  return Readable.from(
    (async function* () {
      let offset = first * CHUNK_BYTES;
      for await (const data of chunks) {
        yield data.subarray(Math.max(0, start - offset), Math.min(data.length, end - offset + 1));
        offset += data.length;
      }
    })(),
    { objectMode: false },
  );
}
