// Files both ways (issue 14), over the API with both databases checked: the other side gets the same
// bytes (SHA-256 and byte for byte), once, in conversation order; internal files never reach the
// consumer; downloads speak HTTP (Range, ETag, 304, Content-Disposition, nosniff); every limit and bad
// input is refused and leaves nothing behind, as does an upload that breaks off; an Idempotency-Key
// stores a retried upload once; and only the request's parties may upload, list and download.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parse as parseDisposition } from 'content-disposition';
import { createTestStack, OPS_TOKEN, type ApiResponse, type TestStack } from '../harness/stack';
import { eventually } from '../harness/eventually';
import { downloadFile, formData, uploadFiles, type UploadFile } from '../harness/uploads';
import { connectionRefused, own, quietInjectedFailures, unreachableDatabase } from '../faults/helpers';
import { buildApp } from '../../api/app';
import { CHUNK_BYTES } from '../../db/repositories/attachments';
import { attachStaged, stageUpload, uploadTarget } from '../../services/attachments';
import { exchangeWorkflowId, snapshotQuery } from '../../workflows/definitions';
import type { Db } from '../../db/connect';

const MiB = 1024 * 1024;
// Five chunks, and more than the 2 MiB a Temporal payload may hold, so the bytes cannot be riding in the workflow's history.
const BIG = 5 * CHUNK_BYTES;
let s: TestStack;
/** A second API process on the same databases and Temporal, with tight limits and an allow-list of types. */
let strict: FastifyInstance;
const STRICT = { maxFileBytes: 64 * 1024, maxRequestBytes: 160 * 1024, types: ['text/plain', 'image/*'] };

beforeAll(async () => {
  s = await createTestStack();
  // The outage below makes the copy fail on purpose: counted, not printed.
  quietInjectedFailures();
  strict = await buildApp({ instances: s.instances, temporal: s.temporal.client, taskQueue: s.taskQueue, opsToken: OPS_TOKEN }, { attachments: STRICT });
});
afterAll(async () => {
  await strict?.close();
  await s?.close();
});

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const token = (as: string) => s.demo.tokens[as];
const upload = (number: string, as: string, files: UploadFile[], options: { visibility?: string; idempotencyKey?: string; app?: FastifyInstance } = {}) =>
  uploadFiles(options.app ?? s.app, token(as), number, files, options);

const providerTask = (number: string) => s.instances.db('globex').selectFrom('provider_parent_tasks').selectAll().where('consumer_number', '=', number).executeTakeFirst();

/** A request Bob works on: { number (Ann's PTSK), parent (Bob's CS) }, both sides written. */
async function workedRequest(shortDescription: string) {
  const res = await s.call('POST', '/requests', {
    as: 'ANN_TOKEN',
    body: { catalogItemId: s.demo.items.help_request, shortDescription, description: 'Attachments test', variables: { category: 'hardware' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const number: string = res.body.number;
  const parent = (await eventually(() => providerTask(number), (p) => !!p, { what: 'the parent task' }))!.number;
  expect((await s.call('POST', `/tasks/${parent}/assign`, { as: 'BOB_TOKEN', body: {} })).status).toBe(200);
  await settled(number);
  return { number, parent };
}

/** Until the workflow has written every change it accepted to both sides (a query, never a result: no time skipping). */
const settled = (number: string) =>
  eventually(
    () => s.temporal.client.workflow.getHandle(exchangeWorkflowId('acme', number)).query(snapshotQuery),
    (x) => x.pending.consumer === 0 && x.pending.provider === 0 && x.providerNumber !== null,
    { attempts: 1200, what: `${number} to settle` },
  );

/** Everything an instance stores about files: no refusal may change it. */
async function stored(instance: string) {
  const db = s.instances.db(instance);
  const count = async (table: 'attachments' | 'attachment_contents' | 'attachment_chunks') =>
    Number((await db.selectFrom(table).select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { attachments: await count('attachments'), contents: await count('attachment_contents'), chunks: await count('attachment_chunks') };
}
const storedEverywhere = async () => ({ acme: await stored('acme'), globex: await stored('globex') });

const attachmentRows = (instance: string, id: string) => s.instances.db(instance).selectFrom('attachments').selectAll().where('id', '=', id).execute();
const contentOf = (instance: string, id: string) => s.instances.db(instance).selectFrom('attachment_contents').selectAll().where('id', '=', id).executeTakeFirst();
const attachmentEvents = (instance: string, number: string) =>
  s.instances.db(instance).selectFrom('task_events').select('kind').where('task_number', '=', number).where('kind', '=', 'attachment').execute();

/** An error answer in the product's shape, with its status and code. */
function expectRefusal(res: ApiResponse, status: number, code: string, message?: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error.code).toBe(code);
  if (message) expect(res.body.error.message).toMatch(message);
}

describe('files both ways', () => {
  // Larger files are timed by the bench's attachments phase.
  it('a 2.5 MiB file each way reaches the other side with the same bytes, checked by SHA-256 and byte for byte', async () => {
    const { number, parent } = await workedRequest('Big files');
    const fromAnn = randomBytes(BIG);
    const fromBob = randomBytes(BIG);

    const annUp = await upload(number, 'ANN_TOKEN', [{ name: 'screen-recording.bin', data: fromAnn }]);
    expect(annUp.status, JSON.stringify(annUp.body)).toBe(201);
    const [annFile] = annUp.body.attachments;
    expect(annFile).toMatchObject({ fileName: 'screen-recording.bin', size: BIG, contentType: 'application/octet-stream', sha256: sha256(fromAnn), visibility: 'public' });
    expect(annFile.id).toMatch(/^[0-9a-f-]{36}$/);
    const bobUp = await upload(parent, 'BOB_TOKEN', [{ name: 'driver-dump.bin', data: fromBob, type: 'application/x-dump' }]);
    expect(bobUp.status, JSON.stringify(bobUp.body)).toBe(201);
    const [bobFile] = bobUp.body.attachments;
    expect(bobFile).toMatchObject({ fileName: 'driver-dump.bin', size: BIG, contentType: 'application/x-dump', sha256: sha256(fromBob) });

    await settled(number);
    // Each side downloads the other's file through the API: the same bytes.
    for (const [as, task, file, data] of [
      ['BOB_TOKEN', parent, annFile, fromAnn],
      ['ANN_TOKEN', number, bobFile, fromBob],
    ] as const) {
      const got = await downloadFile(s.app, token(as), task, file.id);
      expect(got.status).toBe(200);
      expect(got.bytes.length).toBe(data.length);
      expect(sha256(got.bytes)).toBe(file.sha256);
      expect(Buffer.compare(got.bytes, data)).toBe(0);
    }
    // Both databases hold each file once, complete, in chunks of at most CHUNK_BYTES.
    for (const instance of ['acme', 'globex']) {
      for (const file of [annFile, bobFile]) {
        expect(await attachmentRows(instance, file.id)).toHaveLength(1);
        expect(await contentOf(instance, file.id)).toMatchObject({ complete: true, sha256: file.sha256 });
        const chunks = await s.instances.db(instance).selectFrom('attachment_chunks').select(['idx']).select((eb) => eb.fn('length', [eb.ref('data')]).as('bytes')).where('content_id', '=', file.id).orderBy('idx').execute();
        expect(chunks.map((c) => c.idx)).toEqual([...Array(BIG / CHUNK_BYTES).keys()]);
        expect(chunks.every((c) => Number(c.bytes) === CHUNK_BYTES)).toBe(true);
      }
    }
    // Each side lists both, the uploader's copy marked replicated once the other side had it.
    for (const [as, task] of [
      ['ANN_TOKEN', number],
      ['BOB_TOKEN', parent],
    ]) {
      const list = await eventually(
        () => s.call('GET', `/tasks/${task}/attachments`, { as }),
        (r) => r.body.items?.every((i: { replication: string }) => i.replication === 'replicated'),
        { what: `${task}'s files replicated` },
      );
      expect(list.body.items.map((i: { id: string; replication: string }) => [i.id, i.replication])).toEqual([
        [annFile.id, 'replicated'],
        [bobFile.id, 'replicated'],
      ]);
    }
  });
});

describe('the conversation', () => {
  it('keeps files in conversation order with comments, the same on both sides', async () => {
    const { number, parent } = await workedRequest('Order of things');
    expect((await s.call('POST', `/tasks/${number}/comments`, { as: 'ANN_TOKEN', body: { body: 'Here is what I see' } })).status).toBe(201);
    const up = await upload(parent, 'BOB_TOKEN', [
      { name: 'steps.txt', data: Buffer.from('1. reboot\n2. pray\n'), type: 'text/plain' },
      { name: 'screen.png', data: randomBytes(3000), type: 'image/png' },
    ]);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect((await s.call('POST', `/tasks/${number}/comments`, { as: 'ANN_TOKEN', body: { body: 'Tried it, no luck' } })).status).toBe(201);
    await settled(number);

    // The stored order: one counter for comments and files, the same on both sides.
    const conversation = async (instance: string, task: string) => {
      const db = s.instances.db(instance);
      const comments = await db.selectFrom('comments').select(['seq', 'body as what']).where('task_number', '=', task).execute();
      const files = await db.selectFrom('attachments').select(['seq', 'file_name as what']).where('task_number', '=', task).execute();
      return [...comments, ...files].sort((a, b) => a.seq - b.seq).map((x) => x.what);
    };
    const expected = ['Here is what I see', 'steps.txt', 'screen.png', 'Tried it, no luck'];
    expect(await conversation('acme', number)).toEqual(expected);
    expect(await conversation('globex', parent)).toEqual(expected);

    // The Task View places each file after the comment it follows, on both sides.
    for (const [as, task] of [
      ['ANN_TOKEN', number],
      ['BOB_TOKEN', parent],
    ]) {
      const view = await s.call('GET', `/tasks/${task}`, { as });
      expect(view.body.comments.map((c: { seq: number; body: string }) => [c.seq, c.body])).toEqual([
        [1, 'Here is what I see'],
        [2, 'Tried it, no luck'],
      ]);
      expect(view.body.attachments.map((a: { seq: number; afterComment: number; fileName: string; authorName: string }) => [a.seq, a.afterComment, a.fileName, a.authorName])).toEqual([
        [1, 1, 'steps.txt', 'Bob Stone (Globex Services)'],
        [2, 1, 'screen.png', 'Bob Stone (Globex Services)'],
      ]);
      const list = await s.call('GET', `/tasks/${task}/attachments`, { as });
      expect(list.body.items).toEqual(view.body.attachments);
    }
    // Uploading is a change both audit trails record, like a comment.
    expect((await s.call('GET', `/tasks/${number}`, { as: 'ANN_TOKEN' })).body.auditTrail.map((a: { action: string }) => a.action)).toContain('attach');
  });

  it('keeps an internal file at the provider: never in the consumer’s database, API answers or live events', async () => {
    const { number, parent } = await workedRequest('Internal file');
    const secret = Buffer.from('root password: hunter2');
    const acmeBefore = await stored('acme');
    const up = await upload(parent, 'BOB_TOKEN', [{ name: 'credentials.txt', data: secret, type: 'text/plain' }], { visibility: 'internal' });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const [file] = up.body.attachments;
    expect(file).toMatchObject({ visibility: 'internal', replication: 'internal', fileName: 'credentials.txt' });
    // A public file after it still reaches the consumer: the queue did not stop at the internal one.
    const pub = await upload(parent, 'BOB_TOKEN', [{ name: 'public.txt', data: Buffer.from('hello'), type: 'text/plain' }]);
    expect(pub.status).toBe(201);
    await settled(number);
    await eventually(() => attachmentRows('acme', pub.body.attachments[0].id), (r) => r.length === 1, { what: 'the public file at acme' });

    // The provider has it, whole; its staff see it.
    expect((await downloadFile(s.app, token('BOB_TOKEN'), parent, file.id)).bytes.toString()).toBe('root password: hunter2');
    expect((await s.call('GET', `/tasks/${parent}`, { as: 'BOB_TOKEN' })).body.attachments.map((a: { fileName: string }) => a.fileName)).toEqual(['credentials.txt', 'public.txt']);
    // Live events at the provider: each file's insert, and the public one marked replicated.
    expect(await attachmentEvents('globex', parent)).toHaveLength(3);

    // The consumer: no row, no bytes, no listing, no download, no event; only the public file.
    expect(await attachmentRows('acme', file.id)).toEqual([]);
    expect(await contentOf('acme', file.id)).toBeUndefined();
    expect(await stored('acme')).toEqual({ attachments: acmeBefore.attachments + 1, contents: acmeBefore.contents + 1, chunks: acmeBefore.chunks + 1 });
    const view = await s.call('GET', `/tasks/${number}`, { as: 'ANN_TOKEN' });
    expect(view.body.attachments.map((a: { fileName: string }) => a.fileName)).toEqual(['public.txt']);
    const list = await s.call('GET', `/tasks/${number}/attachments`, { as: 'ANN_TOKEN' });
    expect(list.body.items.map((a: { fileName: string; seq: number }) => [a.fileName, a.seq])).toEqual([['public.txt', 1]]);
    for (const res of [view, list]) expect(JSON.stringify(res.body)).not.toMatch(/credentials|hunter2/);
    expectRefusal(await downloadFile(s.app, token('ANN_TOKEN'), number, file.id).then((d) => ({ status: d.status, body: d.json(), headers: d.headers })), 404, 'not_found');
    expect(await attachmentEvents('acme', number)).toHaveLength(1); // the public file's
    // The workflow's history sent no copy of it anywhere.
    const history = await s.temporal.client.workflow.getHandle(exchangeWorkflowId('acme', number)).fetchHistory();
    const copies = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'copyAttachment');
    expect(copies).toHaveLength(1);
  });
});

describe('downloads', () => {
  let number: string;
  let file: { id: string; sha256: string; size: number };
  const data = randomBytes(CHUNK_BYTES * 2 + 1000);
  const name = 'Überweisung März 😀 (1).pdf';

  beforeAll(async () => {
    ({ number } = await workedRequest('Downloads'));
    const up = await upload(number, 'ANN_TOKEN', [{ name, data, type: 'application/pdf' }]);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    file = up.body.attachments[0];
  });

  it('answers the original name, the stored type, nosniff, an ETag that is the SHA-256, and accepts ranges', async () => {
    const got = await downloadFile(s.app, token('ANN_TOKEN'), number, file.id);
    expect(got.status).toBe(200);
    expect(got.headers).toMatchObject({
      'content-type': 'application/pdf',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      etag: `"${sha256(data)}"`,
      'accept-ranges': 'bytes',
      'content-length': String(data.length),
    });
    // RFC 6266: a Latin-1 fallback and the exact name in UTF-8.
    const disposition = String(got.headers['content-disposition']);
    expect(disposition).toMatch(/^attachment; filename="/);
    expect(disposition).toContain(`filename*=UTF-8''%C3%9Cberweisung%20M%C3%A4rz%20%F0%9F%98%80%20%281%29.pdf`);
    expect(parseDisposition(disposition)).toEqual({ type: 'attachment', parameters: { filename: name } });
    expect(Buffer.compare(got.bytes, data)).toBe(0);
  });

  it('answers 304 to If-None-Match with its ETag', async () => {
    for (const inm of [`"${file.sha256}"`, `"other", "${file.sha256}"`, '*']) {
      const got = await downloadFile(s.app, token('ANN_TOKEN'), number, file.id, { 'if-none-match': inm });
      expect(got.status, inm).toBe(304);
      expect(got.bytes.length).toBe(0);
      expect(got.headers.etag).toBe(`"${file.sha256}"`);
    }
    expect((await downloadFile(s.app, token('ANN_TOKEN'), number, file.id, { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('answers byte ranges with 206 and Content-Range, across chunk boundaries', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=0-9', 0, 9],
      [`bytes=${CHUNK_BYTES - 10}-${CHUNK_BYTES + 9}`, CHUNK_BYTES - 10, CHUNK_BYTES + 9],
      [`bytes=${CHUNK_BYTES}-`, CHUNK_BYTES, data.length - 1],
      ['bytes=-5', data.length - 5, data.length - 1],
      [`bytes=10-${data.length * 2}`, 10, data.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const got = await downloadFile(s.app, token('ANN_TOKEN'), number, file.id, { range });
      expect(got.status, range).toBe(206);
      expect(got.headers['content-range'], range).toBe(`bytes ${start}-${end}/${data.length}`);
      expect(got.headers['content-length'], range).toBe(String(end - start + 1));
      expect(Buffer.compare(got.bytes, data.subarray(start, end + 1)), range).toBe(0);
    }
  });

  it('answers a range outside the file with 416 and the file’s size; several ranges, a bad one or a stale If-Range with the whole file', async () => {
    const outside = await downloadFile(s.app, token('ANN_TOKEN'), number, file.id, { range: `bytes=${data.length}-` });
    expectRefusal({ status: outside.status, body: outside.json(), headers: outside.headers }, 416, 'range_not_satisfiable');
    expect(outside.headers['content-range']).toBe(`bytes */${data.length}`);
    const wholeFile: Array<Record<string, string>> = [{ range: 'bytes=0-1,100-200' }, { range: 'pages=1-2' }, { range: 'bytes=0-9', 'if-range': '"something else"' }];
    for (const headers of wholeFile) {
      const got = await downloadFile(s.app, token('ANN_TOKEN'), number, file.id, headers);
      expect(got.status, JSON.stringify(headers)).toBe(200);
      expect(got.bytes.length).toBe(data.length);
    }
    const matching = await downloadFile(s.app, token('ANN_TOKEN'), number, file.id, { range: 'bytes=0-9', 'if-range': `"${file.sha256}"` });
    expect(matching.status).toBe(206);
  });
});

describe('limits and bad input', () => {
  let number: string;
  beforeAll(async () => {
    ({ number } = await workedRequest('Limits'));
  });

  /** Runs a refused upload and checks that no file, content or chunk was left anywhere. */
  async function refusedUpload(send: () => Promise<ApiResponse>, status: number, code: string, message?: RegExp) {
    await settled(number); // files accepted before have reached both sides
    const before = await storedEverywhere();
    const res = await send();
    expectRefusal(res, status, code, message);
    expect(await storedEverywhere()).toEqual(before);
    return res;
  }
  const strictUpload = (files: UploadFile[], options: { visibility?: string } = {}) => upload(number, 'ANN_TOKEN', files, { ...options, app: strict });
  const text = (name: string, bytes: number): UploadFile => ({ name, data: Buffer.alloc(bytes, 'a'), type: 'text/plain' });

  it('a file over the limit per file: 413 naming the limit', async () => {
    const res = await refusedUpload(() => strictUpload([text('big.txt', 64 * 1024 + 1)]), 413, 'payload_too_large', /big\.txt exceeds the 64 KiB limit per file/);
    expect(res.body.error.details).toEqual({ field: 'file', limit: 64 * 1024 });
    // Exactly at the limit is fine.
    expect((await strictUpload([text('exact.txt', 64 * 1024)])).status).toBe(201);
  });

  it('files over the limit per request, in one upload or across uploads: 413 naming the limit, earlier files of the upload removed too', async () => {
    // 64 KiB are attached already (the previous test); 160 KiB is the limit.
    const res = await refusedUpload(() => strictUpload([text('one.txt', 60 * 1024), text('two.txt', 40 * 1024)]), 413, 'payload_too_large', /two\.txt would take this request's files over the 160 KiB limit per request/);
    expect(res.body.error.details).toEqual({ field: 'file', limit: 160 * 1024 });
    expect((await strictUpload([text('fits.txt', 48 * 1024), text('fits-too.txt', 48 * 1024)])).status).toBe(201);
    await refusedUpload(() => strictUpload([text('one-more-byte.txt', 1)]), 413, 'payload_too_large', /160 KiB limit per request/);
  });

  it('a type outside the allowed list: 415 naming the types accepted', async () => {
    const res = await refusedUpload(
      () => strictUpload([{ name: 'tool.exe', data: Buffer.from('MZ'), type: 'application/x-msdownload' }]),
      415,
      'unsupported_media_type',
      /tool\.exe is application\/x-msdownload; accepted types are text\/plain, image\/\*/,
    );
    expect(res.body.error.details).toMatchObject({ field: 'file', contentType: 'application/x-msdownload' });
  });

  it('an empty file, or a name with a path separator or a control character: 422, nothing stored (not even the files before it)', async () => {
    await refusedUpload(() => upload(number, 'ANN_TOKEN', [text('fine.txt', 10), { name: 'empty.txt', data: Buffer.alloc(0) }]), 422, 'validation_failed', /empty\.txt is empty/);
    for (const name of ['../etc/passwd', 'dir/file.txt', 'C:\\temp\\x.txt', 'tab\there.txt', 'bell\u0007.txt', 'del\u007f.txt', '..']) {
      const res = await refusedUpload(() => upload(number, 'ANN_TOKEN', [text('fine.txt', 10), text(name, 10)]), 422, 'validation_failed', /is refused/);
      expect(res.body.error.details).toEqual({ field: 'file' });
    }
  });

  it('no file, an unknown field, visibility after a file or not in the list: 422', async () => {
    const raw = async (fields: Array<[string, string]>, files: UploadFile[]) => {
      const form = new FormData();
      for (const [k, v] of fields) form.append(k, v);
      for (const f of files) form.append('file', new Blob([f.data], { type: f.type ?? '' }), f.name);
      return sendForm(s.app, number, 'ANN_TOKEN', form);
    };
    await refusedUpload(() => raw([['visibility', 'public']], []), 422, 'validation_failed', /at least one file/);
    await refusedUpload(() => raw([['comment', 'hi']], [text('a.txt', 1)]), 422, 'validation_failed', /comment is not an accepted field/);
    await refusedUpload(() => raw([['visibility', 'public'], ['comment', 'hi']], [text('a.txt', 1)]), 422, 'validation_failed', /comment is not an accepted field/);
    await refusedUpload(() => raw([['visibility', 'secret']], [text('a.txt', 1)]), 422, 'validation_failed', /visibility must be one of public, internal/);
    const late = new FormData();
    late.append('file', new Blob([Buffer.from('x')], { type: 'text/plain' }), 'a.txt');
    late.append('visibility', 'public');
    await refusedUpload(() => sendForm(s.app, number, 'ANN_TOKEN', late), 422, 'validation_failed', /visibility must come before the files/);
  });

  it('more than 20 files in one upload: 413; a body that is not multipart: 415', async () => {
    const many = Array.from({ length: 21 }, (_v, i) => text(`f${i}.txt`, 1));
    await refusedUpload(() => upload(number, 'ANN_TOKEN', many), 413, 'payload_too_large', /at most 20 files/);
    await refusedUpload(() => s.call('POST', `/tasks/${number}/attachments`, { as: 'ANN_TOKEN', body: { file: 'x' } }), 415, 'unsupported_media_type', /multipart\/form-data/);
    await refusedUpload(
      () => s.call('POST', `/tasks/${number}/attachments`, { as: 'ANN_TOKEN', rawBody: 'x', headers: { 'content-type': 'application/octet-stream' } }),
      415,
      'unsupported_media_type',
    );
  });

  it('an upload that breaks off midway leaves nothing visible, and its bytes are removed', async () => {
    await settled(number);
    const before = await storedEverywhere();
    const eventsBefore = await attachmentEvents('acme', number);
    const { payload, contentType } = await formData([{ name: 'half.bin', data: randomBytes(3 * CHUNK_BYTES) }]);
    // A chunk and a half of the file arrive, and are stored while the rest is awaited; then the client goes away.
    const body = new Readable({ read() {} });
    body.push(payload.subarray(0, CHUNK_BYTES * 1.5));
    const answered = s.app
      .inject({ method: 'POST', url: `/tasks/${number}/attachments`, headers: { authorization: `Bearer ${token('ANN_TOKEN')}`, 'content-type': contentType }, payload: body })
      .catch(() => undefined);
    await eventually(() => stored('acme'), (now) => now.chunks > before.acme.chunks, { what: 'the upload to be storing its first chunk' });
    expect((await stored('acme')).attachments).toBe(before.acme.attachments);
    body.destroy(new Error('client went away'));
    await answered;
    await eventually(storedEverywhere, (now) => JSON.stringify(now) === JSON.stringify(before), { what: 'the broken-off upload to be removed' });
    expect(await attachmentEvents('acme', number)).toEqual(eventsBefore);
    expect((await s.call('GET', `/tasks/${number}/attachments`, { as: 'ANN_TOKEN' })).body.items.map((i: { fileName: string }) => i.fileName)).not.toContain('half.bin');
  });
});

/** Sends a FormData as an upload, as a browser would. */
async function sendForm(app: FastifyInstance, number: string, as: string, form: FormData): Promise<ApiResponse> {
  const request = new Request('http://upload.invalid/', { method: 'POST', body: form });
  const res = await app.inject({
    method: 'POST',
    url: `/tasks/${number}/attachments`,
    headers: { authorization: `Bearer ${token(as)}`, 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  });
  return { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers };
}

describe('retries', () => {
  it('the same Idempotency-Key twice stores the file once; with other files it is refused', async () => {
    const { number } = await workedRequest('Retried upload');
    const files = [{ name: 'log.txt', data: Buffer.from('line 1\nline 2\n'), type: 'text/plain' }];
    const before = await stored('acme');
    const first = await upload(number, 'ANN_TOKEN', files, { idempotencyKey: 'upload-1' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await upload(number, 'ANN_TOKEN', files, { idempotencyKey: 'upload-1' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await stored('acme')).toEqual({ attachments: before.attachments + 1, contents: before.contents + 1, chunks: before.chunks + 1 });
    const other = await upload(number, 'ANN_TOKEN', [{ ...files[0], data: Buffer.from('line 1\nline 3\n') }], { idempotencyKey: 'upload-1' });
    expectRefusal(other, 422, 'idempotency_conflict');
    expect(await stored('acme')).toEqual({ attachments: before.attachments + 1, contents: before.contents + 1, chunks: before.chunks + 1 });
    await settled(number);
    expect(await attachmentRows('globex', first.body.attachments[0].id)).toHaveLength(1);
  });
});

describe('a request that ends while a file uploads', () => {
  it('the workflow refuses the files and their bytes are deleted: nothing stored at either side', async () => {
    const { number } = await workedRequest('Cancelled mid-upload');
    const actor = (await s.call('GET', '/session', { as: 'ANN_TOKEN' })).body;
    const ann = { instance: 'acme', organization: actor.organization, userId: actor.id, name: actor.name, role: actor.role };
    const deps = { instances: s.instances, temporal: s.temporal.client, taskQueue: s.taskQueue };
    // Admitted while the request is open, its bytes stored...
    const target = await uploadTarget(deps, ann, number);
    const parts = (async function* () {
      yield { type: 'file' as const, fieldname: 'file', filename: 'late.txt', mimetype: 'text/plain', file: Readable.from([Buffer.from('too late')]) };
    })();
    const before = await storedEverywhere();
    const staged = await stageUpload(deps, ann, target, parts, { maxFileBytes: MiB, maxRequestBytes: 10 * MiB, types: [] });
    expect((await stored('acme')).contents).toBe(before.acme.contents + 1);
    // ...then the request is cancelled before the files reach the workflow.
    expect((await s.call('POST', `/tasks/${number}/cancel`, { as: 'ANN_TOKEN', body: {} })).status).toBe(200);
    await expect(attachStaged(deps, ann, target, staged)).rejects.toMatchObject({ code: 'invalid_transition' });
    expect(await storedEverywhere()).toEqual(before);
  });
});

describe('who may upload, list and download', () => {
  let req: { number: string; parent: string };
  let fileId: string;
  beforeAll(async () => {
    req = await workedRequest('Authorization');
    const up = await upload(req.number, 'ANN_TOKEN', [{ name: 'a.txt', data: Buffer.from('a'), type: 'text/plain' }]);
    fileId = up.body.attachments[0].id;
    await settled(req.number);
  });
  const file = [{ name: 'b.txt', data: Buffer.from('b'), type: 'text/plain' }];

  it('no token: 401 on every route, nothing stored', async () => {
    const before = await storedEverywhere();
    expectRefusal(await uploadFiles(s.app, undefined, req.number, file), 401, 'unauthorized');
    expectRefusal(await s.call('GET', `/tasks/${req.number}/attachments`), 401, 'unauthorized');
    expectRefusal(await s.call('GET', `/tasks/${req.number}/attachments/${fileId}`), 401, 'unauthorized');
    expect(await storedEverywhere()).toEqual(before);
  });

  it('another instance: 404 like a task that does not exist, nothing stored', async () => {
    const before = await storedEverywhere();
    // Bob is the other party of the request: Ann's number is not his to use, and his copy has another number.
    expectRefusal(await upload(req.number, 'BOB_TOKEN', file), 404, 'not_found');
    expectRefusal(await s.call('GET', `/tasks/${req.number}/attachments`, { as: 'BOB_TOKEN' }), 404, 'not_found');
    expectRefusal(await s.call('GET', `/tasks/${req.number}/attachments/${fileId}`, { as: 'BOB_TOKEN' }), 404, 'not_found');
    // The right task, an attachment of another task: 404 too.
    const { number: otherTask } = await workedRequest('Another task');
    expectRefusal(await s.call('GET', `/tasks/${otherTask}/attachments/${fileId}`, { as: 'ANN_TOKEN' }), 404, 'not_found');
    expect(await storedEverywhere()).toEqual(before);
  });

  it('the consumer asking for an internal file: 403, before a byte is stored', async () => {
    const before = await storedEverywhere();
    const res = await upload(req.number, 'ANN_TOKEN', file, { visibility: 'internal' });
    expectRefusal(res, 403, 'forbidden', /provider may attach internal files/);
    expect(res.body.error.details).toEqual({ field: 'visibility' });
    expect(await storedEverywhere()).toEqual(before);
  });

  it('a closed request: 409 with what it allows (nothing), nothing stored', async () => {
    const { number } = await workedRequest('Closed');
    expect((await s.call('POST', `/tasks/${number}/cancel`, { as: 'ANN_TOKEN', body: {} })).status).toBe(200);
    const before = await storedEverywhere();
    const res = await upload(number, 'ANN_TOKEN', file);
    expectRefusal(res, 409, 'invalid_transition');
    expect(res.body.error.details).toEqual({ state: 'cancelled', allowedActions: [] });
    expect(await storedEverywhere()).toEqual(before);
    // Its files can still be listed and read.
    expect((await s.call('GET', `/tasks/${number}/attachments`, { as: 'ANN_TOKEN' })).body).toEqual({ items: [] });
  });
});

describe('the other side’s database down during the copy', () => {
  it('the file arrives once, whole, when the database is back', async () => {
    const { number, parent } = await workedRequest('Outage mid-copy');
    const data = randomBytes(6 * CHUNK_BYTES + 123);
    // Globex goes down after taking three chunks of the copy: the copy fails midway and is retried.
    const down = unreachableDatabase();
    let chunksTaken = 0;
    let isDown = false;
    s.instances.substitute('globex', (original: Db) =>
      new Proxy(original, {
        get(target, prop) {
          if (isDown) return own(down, prop);
          if (prop !== 'insertInto') return own(target, prop);
          return (table: string) => {
            if (table === 'attachment_chunks' && ++chunksTaken > 3) {
              isDown = true;
              throw connectionRefused();
            }
            return target.insertInto(table as 'attachment_chunks');
          };
        },
      }),
    );
    try {
      const up = await upload(number, 'ANN_TOKEN', [{ name: 'trace.bin', data }]);
      expect(up.status, JSON.stringify(up.body)).toBe(201);
      const [file] = up.body.attachments;
      expect(file.replication).toBe('pending');
      await eventually(async () => isDown, Boolean, { what: 'globex to go down mid-copy' });
      const partial = await s.instances.db('acme').selectFrom('attachments').select('replicated_at').where('id', '=', file.id).executeTakeFirstOrThrow();
      expect(partial.replicated_at).toBeNull();
      s.instances.substitute('globex');
      await down.destroy();

      await settled(number);
      expect(await attachmentRows('globex', file.id)).toHaveLength(1);
      expect(await contentOf('globex', file.id)).toMatchObject({ complete: true, sha256: sha256(data) });
      const chunks = await s.instances.db('globex').selectFrom('attachment_chunks').select('idx').where('content_id', '=', file.id).orderBy('idx').execute();
      expect(chunks.map((c) => c.idx)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      const got = await downloadFile(s.app, token('BOB_TOKEN'), parent, file.id);
      expect(Buffer.compare(got.bytes, data)).toBe(0);
      expect(await attachmentEvents('globex', parent)).toHaveLength(1);
      const list = await s.call('GET', `/tasks/${number}/attachments`, { as: 'ANN_TOKEN' });
      expect(list.body.items).toEqual([expect.objectContaining({ id: file.id, replication: 'replicated' })]);
    } finally {
      s.instances.substitute('globex');
    }
  });
});
