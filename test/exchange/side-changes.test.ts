// workflows/side-changes.ts, pure: what one decided change writes on each side.
import { describe, expect, it } from 'vitest';
import { sideChanges, type DecidedChange } from '../../workflows/side-changes';
import { initialSlaState } from '../../domain/sla';
import type { AttachmentWrite, AuditWrite, CommentWrite } from '../../activities/exchange-activities';

const instances = { consumer: 'acme', provider: 'globex' };
const audit = (side: string, fromState: string, toState: string): AuditWrite => ({
  id: `wf/a/7/${side}`,
  action: 'test',
  actorName: 'Bob (Globex)',
  actorInstance: 'globex',
  fromState,
  toState,
  details: {},
  createdAt: '2026-03-02T09:00:00.000Z',
});
const comment = (seq: number, visibility: 'public' | 'internal', body: string): CommentWrite => ({
  id: `wf/c/${seq}`,
  seq,
  visibility,
  originInstance: 'globex',
  authorName: 'Bob (Globex)',
  body,
  createdAt: '2026-03-02T09:00:00.000Z',
});
const change = (fields: Partial<DecidedChange>): DecidedChange => ({ seq: 7, from: 'work_in_progress', transition: { state: 'work_in_progress' }, comments: [], audit, ...fields });
const sla = initialSlaState(3);

describe('sideChanges', () => {
  it('writes an internal work note only to the side that wrote it; a public comment to both, consumer first', () => {
    const note = comment(1, 'internal', 'Probably the GPU driver');
    const reply = comment(2, 'public', 'Please try safe mode');
    const writes = sideChanges(change({ comments: [note, reply], actingSide: 'provider' }), instances);
    expect(writes.map((w) => [w.side, w.instance, w.comments.map((c) => c.id)])).toEqual([
      ['consumer', 'acme', ['wf/c/2']],
      ['provider', 'globex', ['wf/c/1', 'wf/c/2']],
    ]);
    expect(writes.every((w) => w.seq === 7 && w.state === 'work_in_progress')).toBe(true);
  });

  it('writes an internal file only to the side that attached it, a public one to both; no attachments field when there are none', () => {
    const file = (seq: number, visibility: 'public' | 'internal'): AttachmentWrite => ({
      id: `0000000${seq}-0000-4000-8000-000000000000`,
      seq,
      visibility,
      originInstance: 'globex',
      authorName: 'Bob (Globex)',
      fileName: `f${seq}.txt`,
      contentType: 'text/plain',
      size: 10,
      sha256: '0'.repeat(64),
      createdAt: '2026-03-02T09:00:00.000Z',
    });
    const writes = sideChanges(change({ attachments: [file(1, 'internal'), file(2, 'public')], actingSide: 'provider' }), instances);
    expect(writes.map((w) => [w.side, w.attachments?.map((a) => a.seq)])).toEqual([
      ['consumer', [2]],
      ['provider', [1, 2]],
    ]);
    // An internal file alone is nothing the consumer shows: no write there (without clocks).
    expect(sideChanges(change({ attachments: [file(1, 'internal')], actingSide: 'provider' }), instances).map((w) => w.side)).toEqual(['provider']);
    expect(sideChanges(change({ comments: [comment(3, 'public', 'x')], actingSide: 'provider' }), instances).every((w) => !('attachments' in w))).toBe(true);
  });

  it('leaves a side out when nothing it shows changed, unless the change carries the SLA clocks (then without an audit entry)', () => {
    const note = change({ comments: [comment(1, 'internal', 'note')], actingSide: 'provider' });
    expect(sideChanges(note, instances).map((w) => w.side)).toEqual(['provider']);

    const withClocks = sideChanges({ ...note, sla }, instances);
    expect(withClocks.map((w) => w.side)).toEqual(['consumer', 'provider']);
    expect(withClocks[0]).toMatchObject({ side: 'consumer', comments: [], audit: undefined, sla });
    expect(withClocks[1].audit).toEqual(audit('provider', 'work_in_progress', 'work_in_progress'));
  });

  it('records each side’s own states: received is new at the provider', () => {
    const receive = change({ from: 'new', transition: { state: 'received' } });
    const writes = sideChanges(receive, instances);
    // Only the consumer's state changed.
    expect(writes.map((w) => [w.side, w.audit?.fromState, w.audit?.toState])).toEqual([['consumer', 'new', 'received']]);
    const assign = sideChanges(change({ from: 'received', transition: { state: 'work_in_progress', assignedTo: { userId: 'u-bob', name: 'Bob' } } }), instances);
    expect(assign.map((w) => [w.side, w.audit?.fromState, w.audit?.toState, w.assignedTo?.name])).toEqual([
      ['consumer', 'received', 'work_in_progress', 'Bob'],
      ['provider', 'new', 'work_in_progress', 'Bob'],
    ]);
  });

  it('carries an escalation (with the clocks) to both sides as a noteworthy change', () => {
    const escalation = { id: 'wf/e/1', sla: 'response' as const, level: 1, priority: 2, breachedAt: '2026-03-02T13:00:00.000Z' };
    const writes = sideChanges(change({ from: 'received', transition: { state: 'received' }, escalation, sla }), instances);
    expect(writes.map((w) => [w.side, w.escalation?.id, w.audit?.fromState, w.audit?.toState])).toEqual([
      ['consumer', 'wf/e/1', 'received', 'received'],
      ['provider', 'wf/e/1', 'new', 'new'],
    ]);
    // Without SLA tracking (older requests) no clocks or escalation are written.
    expect(sideChanges(change({ from: 'received', transition: { state: 'received' }, comments: [comment(1, 'public', 'x')] }), instances)[0]).not.toHaveProperty('sla');
  });
});
