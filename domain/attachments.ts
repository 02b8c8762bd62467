// Files attached to a request: what makes a file's metadata acceptable, and the limits on uploads.
// Pure: the API checks an upload with these rules before it stores a byte, and the state machine
// checks the `attach` action's metadata with the same ones.
import { DomainError } from './errors';

/** A file as the workflow and both databases describe it; its bytes never travel with it. */
export interface AttachmentMeta {
  /** The same id on both sides (a UUID): the content's id in each instance's database too. */
  id: string;
  fileName: string;
  /** Bytes. */
  size: number;
  contentType: string;
  /** Hex SHA-256 of the bytes: what the other side's copy is verified against. */
  sha256: string;
}

export const attachmentVisibilities = ['public', 'internal'] as const;
export type AttachmentVisibility = (typeof attachmentVisibilities)[number];

const MiB = 1024 * 1024;
export const DEFAULT_MAX_FILE_BYTES = 25 * MiB;
export const DEFAULT_MAX_REQUEST_BYTES = 100 * MiB;
/** The most files one upload takes. */
export const MAX_FILES_PER_UPLOAD = 20;
export const MAX_FILE_NAME_LENGTH = 255;
const MAX_CONTENT_TYPE_LENGTH = 255;

/** "25 MiB", "512 KiB", "100 bytes": a limit as people read it. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

// Path separators would let a name pose as a path when saved; control characters (C0, DEL, C1) hide
// or forge what people read.
const FORBIDDEN_IN_NAME = /[/\\\u0000-\u001f\u007f-\u009f]/;

/** Why a file name is refused, or undefined when it is acceptable. */
export function fileNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.trim() === '') return 'a file name is required';
  if ([...name].length > MAX_FILE_NAME_LENGTH) return `a file name must be at most ${MAX_FILE_NAME_LENGTH} characters`;
  if (FORBIDDEN_IN_NAME.test(name)) return 'a file name must not contain / or \\ or control characters';
  if (name === '.' || name === '..') return 'a file name must not be . or ..';
  return undefined;
}

// type/subtype, each an RFC 9110 token; parameters are not kept.
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** The media type a file is stored and served with: lower case, without parameters. */
export function normalizeContentType(value: string | undefined): string {
  const type = (value ?? '').split(';')[0].trim().toLowerCase();
  return MEDIA_TYPE.test(type) && type.length <= MAX_CONTENT_TYPE_LENGTH ? type : 'application/octet-stream';
}

/** Whether `allowed` (ATTACHMENT_TYPES: exact types or `type/*`; empty: any) admits `contentType`. */
export function contentTypeAllowed(contentType: string, allowed: readonly string[]): boolean {
  if (!allowed.length) return true;
  const [type] = contentType.split('/');
  return allowed.some((a) => a === contentType || a === `${type}/*`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Checks the `attach` action's list of files (1 to MAX_FILES_PER_UPLOAD), naming the first bad field. */
export function checkAttachmentList(value: unknown, field: string): AttachmentMeta[] {
  const refuse = (path: string, message: string) => new DomainError('validation_failed', `${path} ${message}`, { field: path });
  if (!Array.isArray(value) || value.length === 0) throw refuse(field, 'must be a non-empty list of files');
  if (value.length > MAX_FILES_PER_UPLOAD) throw refuse(field, `must hold at most ${MAX_FILES_PER_UPLOAD} files`);
  const ids = new Set<string>();
  return value.map((item, i) => {
    const path = `${field}.${i}`;
    const a = (item ?? {}) as Partial<Record<keyof AttachmentMeta, unknown>>;
    if (typeof a.id !== 'string' || !UUID.test(a.id)) throw refuse(`${path}.id`, 'must be a lower-case UUID');
    if (ids.has(a.id)) throw refuse(`${path}.id`, 'must differ from the other files\' ids');
    ids.add(a.id);
    const nameProblem = fileNameProblem(a.fileName);
    if (nameProblem) throw refuse(`${path}.fileName`, `is refused: ${nameProblem}`);
    if (typeof a.size !== 'number' || !Number.isSafeInteger(a.size) || a.size <= 0) throw refuse(`${path}.size`, 'must be a whole number of bytes above 0');
    if (typeof a.contentType !== 'string' || normalizeContentType(a.contentType) !== a.contentType) throw refuse(`${path}.contentType`, 'must be a media type such as text/plain');
    if (typeof a.sha256 !== 'string' || !SHA256.test(a.sha256)) throw refuse(`${path}.sha256`, 'must be 64 lower-case hex digits');
    return { id: a.id, fileName: a.fileName as string, size: a.size, contentType: a.contentType, sha256: a.sha256 };
  });
}
