// Files on a task: uploading them (multipart POST /tasks/{number}/attachments, through the typed
// client with the form as the body), where each downloads, and how the conversation interleaves them
// with the comments.
import { call, client, newIdempotencyKey, type Comment, type Task } from './api';

export type Attachment = Task['attachments'][number];

/** Where a file downloads (with its name: the API answers Content-Disposition: attachment). */
export const downloadUrl = (number: string, id: string) => `/tasks/${encodeURIComponent(number)}/attachments/${encodeURIComponent(id)}`;

/** Uploads `files` as one set: one Idempotency-Key per call, so a retried upload is stored once. */
export async function uploadFiles(number: string, files: File[], visibility: 'public' | 'internal', key = newIdempotencyKey()): Promise<Attachment[]> {
  const form = new FormData();
  // The API reads the visibility before the files.
  form.append('visibility', visibility);
  for (const file of files) form.append('file', file, file.name);
  const answer = await call(
    client.POST('/tasks/{number}/attachments', {
      params: { path: { number } },
      headers: { 'Idempotency-Key': key },
      body: form as never,
      bodySerializer: (body: unknown) => body as FormData,
    }),
  );
  return answer.attachments;
}

const UNITS = ['bytes', 'KB', 'MB', 'GB'];
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} ${n === 1 ? 'byte' : 'bytes'}` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

export type ConversationItem = { kind: 'comment'; key: string; comment: Comment } | { kind: 'file'; key: string; file: Attachment };

/** Comments in order, each followed by the files posted after it (`afterComment`), in their own order. */
export function conversation(comments: Comment[], files: Attachment[]): ConversationItem[] {
  const items: Array<ConversationItem & { at: [number, number, number] }> = [
    ...comments.map((c) => ({ kind: 'comment' as const, key: `c-${c.id}`, comment: c, at: [c.seq, 0, 0] as [number, number, number] })),
    ...files.map((f) => ({ kind: 'file' as const, key: `f-${f.id}`, file: f, at: [f.afterComment, 1, f.seq] as [number, number, number] })),
  ];
  items.sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1] || a.at[2] - b.at[2]);
  return items.map(({ at: _at, ...item }) => item as ConversationItem);
}
