// The process running the worker is killed (SIGKILL: no shutdown code runs) while it copies a file to
// the other side, chunk by chunk, and started again. Temporal notices the copy stopped heartbeating,
// retries it on the new worker, and the retry copies only the chunks the killed attempt had not: the
// file arrives once, whole, checked by SHA-256, and the history replays. The worker runs inside `npm
// start` (main.ts), the only shape in which it can reach embedded PGlite, so the kill also takes the
// upload's answer: the client sends it again with its Idempotency-Key, and gets the same file back.
// Temporal is a dev server process of its own, and the databases outlive the kill (./all-in-one.ts).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { startAllInOne, type AllInOne } from './all-in-one';
import { expectReplays } from './helpers';
import { eventually } from '../harness/eventually';
import { CHUNK_BYTES } from '../../db/repositories/attachments';
import { exchangeWorkflowId } from '../../workflows/definitions';
import type { AttachmentCopy } from '../../activities/attachment-activities';

const MiB = 1024 * 1024;
const FILE_BYTES = 48 * MiB;
const CHUNKS = FILE_BYTES / CHUNK_BYTES;

let all: AllInOne;
beforeAll(async () => {
  // A file big enough that the copy takes a while (the limit per file is raised for it); a retry takes
  // over an Idempotency-Key the killed process left in progress after a second.
  all = await startAllInOne('worker-kill-mid-copy', { ATTACHMENT_MAX_FILE_BYTES: String(64 * MiB), IDEMPOTENCY_TAKEOVER_SECONDS: '1' });
});
afterAll(async () => {
  await all?.close();
});

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The API of the `npm start` process, as Ann or Bob. */
async function api(as: 'ann' | 'bob', method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${all.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${all.tokens[as]}`, ...(body instanceof FormData || body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** An upload as a careful client sends it: with an Idempotency-Key, again while "still being processed". */
async function uploadOnce(number: string, data: Buffer): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const form = new FormData();
  form.append('file', new Blob([data], { type: 'application/octet-stream' }), 'core.dump');
  for (let attempt = 1; ; attempt++) {
    const res = await api('ann', 'POST', `/tasks/${number}/attachments`, form, { 'idempotency-key': `core-dump-${number}` });
    if (res.status !== 409 || res.body.error.code !== 'conflict' || attempt >= 100) return res;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('worker killed mid-copy', () => {
  it('the file arrives once, whole, after kill -9 of the process copying it', async () => {
    const created = await api('ann', 'POST', '/requests', { catalogItemId: all.helpRequestItem, shortDescription: 'A core dump', description: '', variables: { category: 'software' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const number: string = created.body.number;
    const parent: string = (await eventually(() => api('ann', 'GET', `/tasks/${number}`), (r) => !!r.body.counterpart?.number, { attempts: 1200, what: 'the parent task' })).body.counterpart.number;
    expect((await api('bob', 'POST', `/tasks/${parent}/assign`, {})).status).toBe(200);

    const data = randomBytes(FILE_BYTES);
    const handle = all.client.workflow.getHandle(exchangeWorkflowId('acme', number));
    const sent = uploadOnce(number, data).then(
      (res) => ({ answered: res }),
      (err: Error) => ({ lost: err }),
    );
    // Kill as soon as the copy to globex has reported progress (a heartbeat after a chunk): in one
    // process with the API, the copy runs while the upload's answer is on its way.
    const copying = () =>
      handle.describe().then((d) => d.raw.pendingActivities?.find((a) => a.activityType?.name === 'copyAttachment' && (a.heartbeatDetails?.payloads?.length ?? 0) > 0));
    await eventually(copying, Boolean, { attempts: 6000, everyMs: 5, what: 'the copy to report progress' });
    await all.process.kill();
    const first = await sent;
    const copy = (await handle.fetchHistory()).events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'copyAttachment')!;
    const { id } = defaultPayloadConverter.fromPayload<AttachmentCopy>(copy.activityTaskScheduledEventAttributes!.input!.payloads![0]);

    // The kill landed mid-copy: globex holds some of the chunks, and nothing shows the file there.
    const midway = await all.openDatabases();
    try {
      const globex = midway.db('globex');
      const copied = await globex.selectFrom('attachment_chunks').select('idx').where('content_id', '=', id).execute();
      expect(copied.length, 'chunks copied before the kill').toBeGreaterThan(0);
      expect(copied.length, 'chunks copied before the kill').toBeLessThan(CHUNKS);
      expect((await globex.selectFrom('attachment_contents').select('complete').where('id', '=', id).executeTakeFirst())?.complete).toBe(false);
      expect(await globex.selectFrom('attachments').select('id').where('id', '=', id).execute()).toEqual([]);
      console.info(`worker kill mid-copy: killed with ${copied.length} of ${CHUNKS} chunks copied; the upload was ${'lost' in first ? 'not answered' : `answered ${first.answered.status}`}`);
    } finally {
      await midway.close();
    }

    // Started again: the copy is retried once its heartbeat timeout (30 s) passed, and resumes. The
    // client sends its upload again: the same file, under the same id.
    await all.process.start();
    const up = await uploadOnce(number, data);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const file = up.body.attachments[0];
    expect(file).toMatchObject({ id, size: FILE_BYTES, sha256: sha256(data) });
    const listed = await eventually(
      () => api('bob', 'GET', `/tasks/${parent}/attachments`),
      (r) => r.body.items?.length === 1,
      { attempts: 1800, everyMs: 50, what: 'the file at globex' },
    );
    expect(listed.body.items[0]).toMatchObject({ id: file.id, size: FILE_BYTES, sha256: file.sha256, replication: 'replicated' });
    const download = await fetch(`${all.baseUrl}/tasks/${parent}/attachments/${file.id}`, { headers: { authorization: `Bearer ${all.tokens.bob}` } });
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(sha256(bytes)).toBe(file.sha256);
    expect(Buffer.compare(bytes, data)).toBe(0);
    await eventually(() => api('ann', 'GET', `/tasks/${number}/attachments`), (r) => r.body.items?.[0]?.replication === 'replicated', { attempts: 400, what: 'acme to learn globex has it' });

    // Once on each side: one row, every chunk once, complete; the copy completed on a later attempt.
    const history = await handle.fetchHistory();
    const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes && history.events!.some((s) => s.activityTaskScheduledEventAttributes?.activityType?.name === 'copyAttachment' && String(s.eventId) === String(e.activityTaskStartedEventAttributes!.scheduledEventId)));
    expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([expect.any(Number)]);
    expect(started[0].activityTaskStartedEventAttributes!.attempt, 'the copy completed on a retry').toBeGreaterThanOrEqual(2);
    await expectReplays(all, 'acme', [number]);
    await all.process.stop();
    const dbs = await all.openDatabases();
    try {
      for (const instance of ['acme', 'globex']) {
        const db = dbs.db(instance);
        expect(await db.selectFrom('attachments').select('id').where('id', '=', file.id).execute(), instance).toHaveLength(1);
        const chunks = await db.selectFrom('attachment_chunks').select('idx').where('content_id', '=', file.id).orderBy('idx').execute();
        expect(chunks.map((c) => c.idx), instance).toEqual([...Array(CHUNKS).keys()]);
        expect(await db.selectFrom('attachment_contents').select(['complete', 'sha256']).where('id', '=', file.id).executeTakeFirst(), instance).toEqual({ complete: true, sha256: file.sha256 });
      }
      const events = await dbs.db('globex').selectFrom('task_events').select('kind').where('task_number', '=', parent).where('kind', '=', 'attachment').execute();
      expect(events, 'one live event at globex: the file shown once').toHaveLength(1);
    } finally {
      await dbs.close();
    }
  }, 240_000);
});
