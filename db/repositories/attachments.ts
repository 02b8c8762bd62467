// Files in an instance's database (migration 2026-12-01T08-00-attachments): their bytes as chunks of
// CHUNK_BYTES, read and written one chunk at a time so no file is ever whole in memory, and the
// attachments people see. bigint columns come back as strings from pg and numbers from PGlite; bytea
// as Buffers from pg and Uint8Arrays from PGlite: both are normalised here.
import { sql } from 'kysely';
import type { Db } from '../connect';
import type { AttachmentRow } from '../schema';
import type { Side } from '../../domain/model';

/** The size of every chunk but a content's last. Stored contents are cut at this size: changing it needs their chunks rewritten. */
export const CHUNK_BYTES = 512 * 1024;

export const chunkCount = (size: number) => Math.ceil(size / CHUNK_BYTES);

const asBuffer = (data: Uint8Array): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));

// ---------------------------------------------------------------- contents and chunks

/** Starts an empty, incomplete content (idempotent). */
export async function createContent(db: Db, id: string): Promise<void> {
  await db.insertInto('attachment_contents').values({ id }).onConflict((oc) => oc.column('id').doNothing()).execute();
}

/** Stores chunk `idx` of a content; a chunk already stored is left as it is. */
export async function insertChunk(db: Db, contentId: string, idx: number, data: Uint8Array): Promise<void> {
  await db.insertInto('attachment_chunks').values({ content_id: contentId, idx, data }).onConflict((oc) => oc.columns(['content_id', 'idx']).doNothing()).execute();
}

/** Every chunk is stored and the bytes hash to `sha256`. */
export async function completeContent(db: Db, id: string, sha256: string, size: number): Promise<void> {
  await db.updateTable('attachment_contents').set({ sha256, size, complete: true }).where('id', '=', id).execute();
}

export async function findContent(db: Db, id: string): Promise<{ complete: boolean; sha256: string | null; size: number | null } | undefined> {
  const row = await db.selectFrom('attachment_contents').select(['complete', 'sha256', 'size']).where('id', '=', id).executeTakeFirst();
  return row && { complete: row.complete, sha256: row.sha256, size: row.size === null ? null : Number(row.size) };
}

/** The indexes of the chunks stored for a content, in order. */
export async function chunkIndexes(db: Db, contentId: string): Promise<number[]> {
  const rows = await db.selectFrom('attachment_chunks').select('idx').where('content_id', '=', contentId).orderBy('idx').execute();
  return rows.map((r) => r.idx);
}

/** One chunk's bytes, or undefined when it is not stored. */
export async function readChunk(db: Db, contentId: string, idx: number): Promise<Buffer | undefined> {
  const row = await db.selectFrom('attachment_chunks').select('data').where('content_id', '=', contentId).where('idx', '=', idx).executeTakeFirst();
  return row && asBuffer(row.data);
}

/** Chunks `first` to `last` of a content, read one at a time as they are consumed; a missing one throws. */
export async function* readChunks(db: Db, contentId: string, first: number, last: number): AsyncGenerator<Buffer> {
  for (let idx = first; idx <= last; idx++) {
    const data = await readChunk(db, contentId, idx);
    if (!data) throw new Error(`chunk ${idx} of content ${contentId} is missing`);
    yield data;
  }
}

/** Drops a content's chunks (a copy that failed its check starts over). */
export async function deleteChunks(db: Db, contentId: string): Promise<void> {
  await db.deleteFrom('attachment_chunks').where('content_id', '=', contentId).execute();
}

/**
 * Gives a staged content the id of its attachment (its chunks follow). False, and nothing changed,
 * when a content with that id exists already: a retried upload's first attempt stored it.
 */
export async function renameContent(db: Db, from: string, to: string): Promise<boolean> {
  try {
    const { numUpdatedRows } = await db
      .updateTable('attachment_contents')
      .set({ id: to })
      .where('id', '=', from)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('attachment_contents as taken').select('taken.id').where('taken.id', '=', to))))
      .executeTakeFirst();
    return numUpdatedRows > 0n;
  } catch (err) {
    // Taken by a concurrent attempt between the check and the update.
    if ((err as { code?: string }).code === '23505') return false;
    throw err;
  }
}

/** Deletes the contents among `ids` that no attachment shows (with their chunks). */
export async function discardUnattached(db: Db, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await db
    .deleteFrom('attachment_contents')
    .where('id', 'in', ids)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('attachments').select('attachments.id').whereRef('attachments.id', '=', 'attachment_contents.id'))))
    .execute();
}

/** Deletes contents older than `ageMs` that no attachment shows: uploads whose process died before the workflow took them. */
export async function sweepUnattached(db: Db, ageMs: number): Promise<void> {
  await db
    .deleteFrom('attachment_contents')
    .where('created_at', '<', new Date(Date.now() - ageMs))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('attachments').select('attachments.id').whereRef('attachments.id', '=', 'attachment_contents.id'))))
    .execute();
}

// ---------------------------------------------------------------- attachments

/** An attachment as one side shows it, numbered over what that side shows (like its comments). */
export interface SideAttachment extends Omit<AttachmentRow, 'size'> {
  size: number;
  /** 1, 2, 3… over the files this side shows, in conversation order. */
  position: number;
  /** How many comments this side shows before it in the conversation. */
  commentsBefore: number;
}

/**
 * A task's attachments as `side` shows them, in conversation order. The stored `seq` is the request's
 * comment counter, shared by both sides and counting the provider's internal notes and files too, so
 * it is never shown: each file is placed by its own position and the comments this side shows before it.
 */
export async function listAttachments(db: Db, taskNumber: string, side: Side): Promise<SideAttachment[]> {
  const consumer = side === 'consumer';
  const rows = await db
    .selectFrom('attachments as a')
    .selectAll('a')
    .select(sql<number>`cast(row_number() over (order by a.seq, a.id) as integer)`.as('position'))
    .select(
      sql<number>`cast((select count(*) from comments c where c.task_number = a.task_number and c.seq < a.seq ${consumer ? sql`and c.visibility = 'public'` : sql``}) as integer)`.as(
        'commentsBefore',
      ),
    )
    .where('a.task_number', '=', taskNumber)
    // Internal files never leave the provider, and a consumer's view never shows one even if one got there.
    .$if(consumer, (q) => q.where('a.visibility', '=', 'public'))
    .orderBy('a.seq')
    .orderBy('a.id')
    .execute();
  return rows.map((r) => ({ ...r, size: Number(r.size) }));
}

/** The bytes of a task's attachments on this side: what counts against the limit per request. */
export async function attachedBytes(db: Db, taskNumber: string): Promise<number> {
  const row = await db
    .selectFrom('attachments')
    .select(sql<string | number>`coalesce(sum(size), 0)`.as('total'))
    .where('task_number', '=', taskNumber)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/** One attachment of a task, if `side` shows it. */
export async function findAttachment(db: Db, taskNumber: string, id: string, side: Side): Promise<(Omit<AttachmentRow, 'size'> & { size: number }) | undefined> {
  const row = await db
    .selectFrom('attachments')
    .selectAll()
    .where('task_number', '=', taskNumber)
    .where('id', '=', id)
    .$if(side === 'consumer', (q) => q.where('visibility', '=', 'public'))
    .executeTakeFirst();
  return row && { ...row, size: Number(row.size) };
}
