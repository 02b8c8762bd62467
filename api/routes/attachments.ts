// Files on a task: upload (multipart/form-data, the registry's `attach` action), list, download. The
// work is in services/attachments.ts; this plugin parses, authorizes and speaks HTTP (Range, ETag).
// @fastify/multipart is registered here only: every other route keeps refusing multipart bodies.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import contentDisposition from 'content-disposition';
import parseRange from 'range-parser';
import { Type } from 'typebox';
import { actionSpecs } from '../../domain/actions';
import { DomainError } from '../../domain/errors';
import { MAX_FILES_PER_UPLOAD, formatBytes } from '../../domain/attachments';
import {
  attachStaged,
  attachmentBytes,
  discardStaged,
  findTaskAttachment,
  stageUpload,
  taskAttachments,
  uploadFingerprint,
  uploadTarget,
  type AttachmentLimits,
  type UploadPart,
} from '../../services/attachments';
import { callerOf } from '../plugins/auth';
import { AttachmentListSchema, AttachmentParams, FileBytesSchema, TaskParams, UploadAnswerSchema, UploadFormSchema, errorResponses } from '../schemas';
import { idempotencyKey, idempotent, sendStored, type StoredResponse } from '../idempotency';
import { attachmentItem } from '../task-response';
import type { ApiDeps } from '../deps';

const { http } = actionSpecs.attach;

/** Files: POST /tasks/:number/attachments (the `attach` action), their list, a download. A Fastify plugin, as long as its routes. */
export default async function attachmentRoutes(fastify: FastifyInstance, options: { deps: ApiDeps; limits: AttachmentLimits }) {
  const { deps, limits } = options;
  await fastify.register(multipart, { throwFileSizeLimit: false });
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const allowed = limits.types.length ? limits.types.join(', ') : 'any';

  app.post(
    `/tasks/:number/${http.path}`,
    {
      schema: {
        summary: http.summary,
        description:
          `multipart/form-data: an optional \`visibility\` field first, then one or more files (field \`file\`, each part with a file name and Content-Type). ` +
          `Limits: ${formatBytes(limits.maxFileBytes)} per file, ${formatBytes(limits.maxRequestBytes)} for all of a request's files on this side, ` +
          `${MAX_FILES_PER_UPLOAD} files per upload; content types: ${allowed}. Over a limit: 413; a refused type: 415; an empty file or a bad file name: 422. ` +
          'A refused or broken-off upload leaves nothing behind. Accepts an Idempotency-Key header: a retry with the same key and files stores them once and returns the first answer.',
        params: TaskParams,
        // Only a multipart body is checked against the form: any other type is refused by the handler (415).
        body: { content: { 'multipart/form-data': { schema: UploadFormSchema } } },
        response: { [http.status]: UploadAnswerSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503) },
      },
      // The files are read as a stream by the handler, never as a parsed body: the schema above
      // documents the form, and the handler checks it part by part.
      preValidation: async (request) => {
        if (request.isMultipart()) request.body = {};
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const key = idempotencyKey(request);
      // Decided before the body is read: a caller who may not attach here never has a byte stored.
      const target = await uploadTarget(deps, caller.actor, request.params.number);
      if (!request.isMultipart()) throw new DomainError('unsupported_media_type', 'Send the files as multipart/form-data (field file, one part per file)');
      const parts = request.parts({
        preservePath: true, // names are checked as sent: one with a path is refused, not cut down
        // Only `visibility` is a field: an unknown one is refused by name (422), a flood of them here (413).
        limits: { fileSize: limits.maxFileBytes + 1, files: MAX_FILES_PER_UPLOAD, fields: 10, fieldSize: 1000, parts: MAX_FILES_PER_UPLOAD + 10 },
      }) as AsyncIterable<UploadPart>;
      const upload = await stageUpload(deps, caller.actor, target, parts, limits).catch((err: unknown) => {
        // The rest of a refused upload is not read: the connection closes after the answer.
        reply.header('connection', 'close');
        throw err;
      });
      let result: StoredResponse;
      try {
        result = await idempotent(
          request,
          deps.instances.db(caller.instance),
          caller.user.id,
          async () => {
            const attached = await attachStaged(deps, caller.actor, target, upload, key === undefined ? undefined : { userId: caller.user.id, key });
            return { status: http.status, body: { attachments: attached.map(attachmentItem) } };
          },
          undefined,
          uploadFingerprint(upload),
        );
      } finally {
        // Before the answer goes out: a retry answered from its key must find its own copy of the
        // bytes gone. Should this fail, staging's sweep removes them later; the answer stands.
        await discardStaged(deps, caller.actor, upload).catch((err: unknown) => request.log.warn({ err }, 'staged upload not discarded; the sweep will remove it'));
      }
      return sendStored(reply, result);
    },
  );

  app.get(
    '/tasks/:number/attachments',
    {
      schema: {
        summary: "A task's files, in conversation order, with their replication to the other side (internal ones only on the provider side)",
        params: TaskParams,
        response: { 200: AttachmentListSchema, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      return { items: (await taskAttachments(deps, caller.actor, request.params.number)).map(attachmentItem) };
    },
  );

  app.get(
    '/tasks/:number/attachments/:id',
    {
      schema: {
        summary: 'Download a file: its original name (Content-Disposition: attachment), its stored type, ETag = its SHA-256, byte ranges (Range)',
        params: AttachmentParams,
        response: {
          200: { description: 'The whole file', content: { '*/*': { schema: FileBytesSchema } } },
          206: { description: 'The range asked for (Content-Range)', content: { '*/*': { schema: FileBytesSchema } } },
          304: Type.Null({ description: 'Not modified: If-None-Match named its ETag' }),
          ...errorResponses(401, 404, 416, 422),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const a = await findTaskAttachment(deps, caller.actor, request.params.number, request.params.id);
      const etag = `"${a.sha256}"`;
      reply
        .header('content-type', a.content_type)
        .header('content-disposition', contentDisposition(a.file_name))
        .header('x-content-type-options', 'nosniff')
        // Should a browser still render it, it runs nothing and loads nothing.
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('etag', etag)
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, no-cache');
      if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send(null);
      const range = requestedRange(request, etag, a.size);
      if (range === 'unsatisfiable') {
        reply.header('content-range', `bytes */${a.size}`);
        throw new DomainError('range_not_satisfiable', `The file is ${a.size} bytes: no byte of the requested range is in it`);
      }
      const [start, end] = range ?? [0, a.size - 1];
      if (range) reply.status(206).header('content-range', `bytes ${start}-${end}/${a.size}`);
      reply.header('content-length', String(end - start + 1));
      return reply.send(attachmentBytes(deps, caller.actor, a.id, start, end));
    },
  );
}

/** If-None-Match lists the file's ETag (or `*`). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  return !!header && header.split(',').some((t) => ['*', etag, `W/${etag}`].includes(t.trim()));
}

/**
 * The one byte range asked for, `unsatisfiable`, or undefined for the whole file: no Range, a
 * malformed one or several ranges (answered with the whole file, as RFC 9110 allows), or an If-Range
 * naming another version.
 */
function requestedRange(request: FastifyRequest, etag: string, size: number): [number, number] | 'unsatisfiable' | undefined {
  const header = request.headers.range;
  if (!header) return undefined;
  const ifRange = request.headers['if-range'];
  if (ifRange !== undefined && ifRange !== etag) return undefined;
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return [ranges[0].start, ranges[0].end];
}
