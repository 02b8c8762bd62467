// The activities that move and show files, straight against real databases (PGlite in memory, or fresh
// databases on DATABASE_URL's server), in an activity context that records heartbeats: copyAttachment
// copies chunk by chunk and checks the SHA-256, resumes a copy an earlier attempt left halfway, writes
// once however often it runs, and refuses a copy that does not hash right, leaving nothing complete;
// applyTaskChange shows a file once; markAttachmentsReplicated marks it once; abandoned uploads are swept.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import { InstanceDatabases } from '../../db/instances';
import { dropDatabase } from '../../db/connect';
import type { Db } from '../../db/connect';
import { DEFAULT_INSTANCES } from '../../config/instances';
import { createAttachmentActivities, type AttachmentCopy } from '../../activities/attachment-activities';
import { createExchangeActivities, type AttachmentWrite } from '../../activities/exchange-activities';
import { CHUNK_BYTES, completeContent, createContent, insertChunk, sweepUnattached } from '../../db/repositories/attachments';
import { own } from '../faults/helpers';
import { databaseImage } from '../harness/database-image';
import { pooledConnection } from '../harness/database-pool';

const SOURCE = 'acme';
const TARGET = 'globex';
const databaseUrl = process.env.DATABASE_URL || undefined;
const prefix = `sx_files_${randomBytes(4).toString('hex')}_`;
let instances: InstanceDatabases;
let files: ReturnType<typeof createAttachmentActivities>;
let exchange: ReturnType<typeof createExchangeActivities>;

beforeAll(async () => {
  instances = await InstanceDatabases.open(DEFAULT_INSTANCES, { databaseUrl, databasePrefix: prefix, image: databaseImage, connect: pooledConnection });
  files = createAttachmentActivities(instances);
  exchange = createExchangeActivities(instances);
});
afterAll(async () => {
  await instances?.close();
  if (databaseUrl) for (const c of DEFAULT_INSTANCES) await dropDatabase(databaseUrl, `${prefix}${c.id.replace(/-/g, '_')}`);
});

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A file as an upload leaves it in the source's database: complete, in chunks. */
async function stored(bytes: number): Promise<{ copy: AttachmentCopy; data: Buffer; chunks: number }> {
  const id = randomUUID();
  const data = randomBytes(bytes);
  const db = instances.db(SOURCE);
  await createContent(db, id);
  let idx = 0;
  for (let at = 0; at < data.length; at += CHUNK_BYTES) await insertChunk(db, id, idx++, data.subarray(at, at + CHUNK_BYTES));
  await completeContent(db, id, sha256(data), data.length);
  return { copy: { id, from: SOURCE, to: TARGET, sha256: sha256(data), size: data.length }, data, chunks: idx };
}

/** Runs the copy in an activity context; returns its heartbeats. */
async function copy(c: AttachmentCopy): Promise<unknown[]> {
  const env = new MockActivityEnvironment();
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  await env.run(files.copyAttachment, structuredClone(c));
  return beats;
}

const targetChunks = (id: string) => instances.db(TARGET).selectFrom('attachment_chunks').select(['idx', 'data']).where('content_id', '=', id).orderBy('idx').execute();
const targetContent = (id: string) => instances.db(TARGET).selectFrom('attachment_contents').selectAll().where('id', '=', id).executeTakeFirst();
const bytesOf = async (id: string) => Buffer.concat((await targetChunks(id)).map((c) => Buffer.from(c.data)));

/** The source database, counting the queries that read its chunks (the index list, and each chunk's bytes). */
function countingChunkReads(): { reads: () => number } {
  let reads = 0;
  instances.substitute(SOURCE, (original: Db) =>
    new Proxy(original, {
      get(target, prop) {
        if (prop !== 'selectFrom') return own(target, prop);
        return (table: string) => {
          if (table === 'attachment_chunks') reads++;
          return target.selectFrom(table as 'attachment_chunks');
        };
      },
    }),
  );
  return { reads: () => reads };
}

describe('copyAttachment', () => {
  it('copies chunk by chunk, heartbeating after each, and marks the copy complete once it hashes right', async () => {
    const { copy: c, data, chunks } = await stored(5 * CHUNK_BYTES + 777);
    const beats = await copy(c);
    expect(beats.slice(0, chunks)).toEqual([...Array(chunks).keys()].map((i) => ({ chunks: i + 1, of: chunks })));
    expect(beats.slice(chunks).at(-1)).toEqual({ verified: data.length, of: data.length });
    expect(await targetContent(c.id)).toMatchObject({ complete: true, sha256: c.sha256 });
    expect(Number((await targetContent(c.id))!.size)).toBe(data.length);
    const rows = await targetChunks(c.id);
    expect(rows.map((r) => [r.idx, r.data.length])).toEqual([...Array(chunks).keys()].map((i) => [i, i < chunks - 1 ? CHUNK_BYTES : 777]));
    expect(Buffer.compare(await bytesOf(c.id), data)).toBe(0);
  });

  it('resumes a copy an earlier attempt left halfway: only the missing chunks are read and written', async () => {
    const { copy: c, data, chunks } = await stored(6 * CHUNK_BYTES);
    // The killed attempt had written chunks 0 to 2.
    await createContent(instances.db(TARGET), c.id);
    for (let idx = 0; idx < 3; idx++) await insertChunk(instances.db(TARGET), c.id, idx, data.subarray(idx * CHUNK_BYTES, (idx + 1) * CHUNK_BYTES));
    const source = countingChunkReads();
    try {
      await copy(c);
    } finally {
      instances.substitute(SOURCE);
    }
    expect(source.reads()).toBe(1 + (chunks - 3));
    expect(await targetContent(c.id)).toMatchObject({ complete: true });
    expect(Buffer.compare(await bytesOf(c.id), data)).toBe(0);
  });

  it('writes once however often it runs, in turn or at the same time', async () => {
    const { copy: c, data, chunks } = await stored(2 * CHUNK_BYTES + 1);
    await copy(c);
    const source = countingChunkReads();
    try {
      expect(await copy(c)).toEqual([]); // complete already: nothing read, nothing written
    } finally {
      instances.substitute(SOURCE);
    }
    expect(source.reads()).toBe(0);
    const other = await stored(3 * CHUNK_BYTES);
    await Promise.all([copy(other.copy), copy(other.copy)]);
    for (const [id, n, bytes] of [
      [c.id, chunks, data],
      [other.copy.id, other.chunks, other.data],
    ] as const) {
      expect((await targetChunks(id)).map((r) => r.idx)).toEqual([...Array(n).keys()]);
      expect(Buffer.compare(await bytesOf(id), bytes)).toBe(0);
      expect(await targetContent(id)).toMatchObject({ complete: true });
    }
  });

  it('refuses a copy that does not hash to the expected SHA-256: drops it, fails the attempt, and copies again on the retry', async () => {
    const { copy: c, data } = await stored(2 * CHUNK_BYTES + 10);
    // The source's second chunk went bad.
    const bad = Buffer.from(data.subarray(CHUNK_BYTES, 2 * CHUNK_BYTES));
    bad[100] ^= 0xff;
    await sql`update attachment_chunks set data = ${bad} where content_id = ${c.id} and idx = 1`.execute(instances.db(SOURCE));
    const failure = await copy(c).then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'AttachmentChecksumMismatch', nonRetryable: false });
    expect((failure as Error).message).toContain(c.sha256);
    expect(await targetChunks(c.id)).toEqual([]);
    expect(await targetContent(c.id)).toMatchObject({ complete: false });
    // Repaired at the source: the retry copies it whole.
    await sql`update attachment_chunks set data = ${data.subarray(CHUNK_BYTES, 2 * CHUNK_BYTES)} where content_id = ${c.id} and idx = 1`.execute(instances.db(SOURCE));
    await copy(c);
    expect(await targetContent(c.id)).toMatchObject({ complete: true });
    expect(Buffer.compare(await bytesOf(c.id), data)).toBe(0);
  });

  it('fails, retryably, while the source holds no bytes of the file', async () => {
    const failure = await copy({ id: randomUUID(), from: SOURCE, to: TARGET, sha256: '0'.repeat(64), size: 1 }).then(() => undefined, (e: unknown) => e);
    expect(failure).toMatchObject({ type: 'AttachmentSourceMissing', nonRetryable: false });
  });
});

describe('showing a file', () => {
  const number = 'CS0000777';
  const file = (id: string, originInstance: string): AttachmentWrite => ({
    id,
    seq: 1,
    visibility: 'public',
    originInstance,
    authorName: 'Ann Lee (Acme Corp)',
    fileName: 'a.txt',
    contentType: 'text/plain',
    size: 1,
    sha256: '0'.repeat(64),
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  const rows = (instance: string, id: string) => instances.db(instance).selectFrom('attachments').selectAll().where('id', '=', id).execute();

  it('applyTaskChange writes a file once, replicated when it came from the other side; markAttachmentsReplicated marks the uploader’s once', async () => {
    const { copy: c } = await stored(10);
    await copy(c);
    const change = { instance: TARGET, side: 'provider' as const, number, seq: 5, comments: [], attachments: [file(c.id, SOURCE)] };
    await exchange.applyTaskChange(structuredClone(change));
    await exchange.applyTaskChange(structuredClone(change));
    expect(await rows(TARGET, c.id)).toEqual([expect.objectContaining({ task_number: number, file_name: 'a.txt', replicated_at: expect.any(Date) })]);

    const atSource = { ...change, instance: SOURCE, side: 'consumer' as const, number: 'PTSK0000777' };
    await exchange.applyTaskChange(structuredClone(atSource));
    expect((await rows(SOURCE, c.id))[0].replicated_at).toBeNull();
    await exchange.markAttachmentsReplicated({ instance: SOURCE, ids: [c.id] });
    const marked = (await rows(SOURCE, c.id))[0].replicated_at;
    expect(marked).toBeInstanceOf(Date);
    await exchange.markAttachmentsReplicated({ instance: SOURCE, ids: [c.id] });
    expect((await rows(SOURCE, c.id))[0].replicated_at).toEqual(marked);
  });

  it('sweeps an upload’s leftovers a day old, never a file people see or a fresh upload', async () => {
    const db = instances.db(SOURCE);
    const old = await stored(10);
    const fresh = await stored(10);
    const shown = await stored(10);
    await exchange.applyTaskChange({ instance: SOURCE, side: 'consumer', number: 'PTSK0000778', seq: 1, comments: [], attachments: [file(shown.copy.id, SOURCE)] });
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    await sql`update attachment_contents set created_at = ${dayAgo} where id in (${old.copy.id}, ${shown.copy.id})`.execute(db);
    await sweepUnattached(db, 24 * 3600_000);
    const left = (await db.selectFrom('attachment_contents').select('id').where('id', 'in', [old.copy.id, fresh.copy.id, shown.copy.id]).execute()).map((r) => r.id);
    expect(left.sort()).toEqual([fresh.copy.id, shown.copy.id].sort());
    expect(await db.selectFrom('attachment_chunks').select('idx').where('content_id', '=', old.copy.id).execute()).toEqual([]);
  });
});
