// Uploading files through the API in tests (POST /tasks/:number/attachments), with multipart bodies as
// a browser's FormData sends them.
import type { FastifyInstance } from 'fastify';
import type { ApiResponse } from './stack';

export interface UploadFile {
  name: string;
  data: Uint8Array;
  /** The part's Content-Type (FormData sends application/octet-stream when empty). */
  type?: string;
}

/** A multipart/form-data body: the fields first, in order, then each file as a `file` part. */
export async function formData(files: UploadFile[], fields: Record<string, string> = {}): Promise<{ payload: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const f of files) form.append('file', new Blob([f.data], { type: f.type ?? '' }), f.name);
  const request = new Request('http://upload.invalid/', { method: 'POST', body: form });
  return { payload: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

/** Uploads `files` to a task as the holder of `token`; `visibility` goes first, as the API asks. */
export async function uploadFiles(
  app: FastifyInstance,
  token: string | undefined,
  number: string,
  files: UploadFile[],
  options: { visibility?: string; idempotencyKey?: string } = {},
): Promise<ApiResponse> {
  const { payload, contentType } = await formData(files, options.visibility ? { visibility: options.visibility } : {});
  const res = await app.inject({
    method: 'POST',
    url: `/tasks/${number}/attachments`,
    headers: {
      'content-type': contentType,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
    },
    payload,
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
}

/** Downloads an attachment: its bytes and headers, as they came. */
export async function downloadFile(app: FastifyInstance, token: string, number: string, id: string, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'GET', url: `/tasks/${number}/attachments/${id}`, headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.statusCode, bytes: res.rawPayload, headers: res.headers, json: () => JSON.parse(res.body) };
}
