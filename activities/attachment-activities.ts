import { createHash } from 'node:crypto';
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { InstanceDatabases } from '../db/instances';
import { chunkIndexes, completeContent, createContent, deleteChunks, findContent, insertChunk, readChunk, readChunks } from '../db/repositories/attachments';

/** Which file to copy, from the database that holds it to the one that must. Never the bytes themselves. */
export interface AttachmentCopy {
  id: string;
  from: string;
  to: string;
  sha256: string;
  size: number;
}

/**
 * Moving a file's bytes between two instances' databases: the exchange workflow runs it on the side
 * that did not upload the file, before that side's write shows the file.
 */
export function createAttachmentActivities(instances: InstanceDatabases) {
  return {
    /**
     * Copies a content chunk by chunk (one chunk in memory at a time), heartbeating after each, then
     * checks the copy's SHA-256 by reading it back. Idempotent and resumable: a complete copy is left
     * alone, a partial one (an attempt killed midway) gets only its missing chunks. A copy that does
     * not hash to `sha256` is dropped and the attempt fails, so the retry copies again; nothing is
     * marked complete until the bytes are right.
     */
    async copyAttachment(c: AttachmentCopy): Promise<void> {
      const source = instances.db(c.from);
      const target = instances.db(c.to);
      if ((await findContent(target, c.id))?.complete) return;
      await createContent(target, c.id);
      const have = new Set(await chunkIndexes(target, c.id));
      const needed = await chunkIndexes(source, c.id);
      if (!needed.length) throw ApplicationFailure.retryable(`${c.from} holds no bytes of attachment ${c.id}`, 'AttachmentSourceMissing');
      let copied = 0;
      for (const idx of needed) {
        if (!have.has(idx)) {
          const data = await readChunk(source, c.id, idx);
          if (!data) throw ApplicationFailure.retryable(`chunk ${idx} of attachment ${c.id} vanished from ${c.from}`, 'AttachmentSourceMissing');
          await insertChunk(target, c.id, idx, data);
        }
        heartbeat({ chunks: ++copied, of: needed.length });
      }
      const hash = createHash('sha256');
      let size = 0;
      for await (const data of readChunks(target, c.id, 0, needed.length - 1)) {
        hash.update(data);
        size += data.length;
        heartbeat({ verified: size, of: c.size });
      }
      const sha256 = hash.digest('hex');
      if (sha256 !== c.sha256 || size !== c.size) {
        await deleteChunks(target, c.id);
        throw ApplicationFailure.retryable(
          `the copy of attachment ${c.id} in ${c.to} is ${size} bytes with SHA-256 ${sha256}, expected ${c.size} bytes with ${c.sha256}; copying again`,
          'AttachmentChecksumMismatch',
        );
      }
      await completeContent(target, c.id, sha256, size);
    },
  };
}

export type AttachmentActivities = ReturnType<typeof createAttachmentActivities>;
