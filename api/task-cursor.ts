import { DomainError } from '../domain/errors';
import type { ListCursor, TaskOrder, TaskSummaryRow } from '../db/repositories/task-list';

// GET /tasks pages with an opaque cursor: the sort key of the page's last row, in the terms of the
// page's order. A cursor names its order, so one from another order is refused like a forged one.

const encode = (c: ListCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

/** The cursor that continues after `row` in `order`. */
export function cursorAfter(order: TaskOrder, row: TaskSummaryRow): string {
  return encode(
    order === 'newest'
      ? { order, createdAt: new Date(row.created_at).toISOString(), number: row.number }
      : { order, assigned: row.assigned_to_name !== null, priority: row.priority, slaDueMs: row.sla_due_ms, number: row.number },
  );
}

const isValid = (c: ListCursor): boolean => {
  if (typeof c.number !== 'string') return false;
  if (c.order === 'newest') return typeof c.createdAt === 'string' && !Number.isNaN(Date.parse(c.createdAt));
  return typeof c.assigned === 'boolean' && Number.isInteger(c.priority) && (c.slaDueMs === null || Number.isFinite(c.slaDueMs));
};

/** The cursor a page of `order` returned; 400 for anything else. */
export function decodeCursor(s: string, order: TaskOrder): ListCursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as ListCursor;
    if (c !== null && typeof c === 'object' && c.order === order && isValid(c)) return c;
  } catch {
    // fall through
  }
  throw new DomainError('bad_request', `cursor is not one this API returned for order=${order}`);
}
