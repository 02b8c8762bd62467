import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { SearchAttributeType, defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { temporalSettingsFromEnv } from '../../config/temporal';
import { createTemporalTestEnv, historyEventTypes, type TemporalTestEnv } from '../harness/temporal';
import type { sapiEcho, sapiFail, sapiHeld, sapiUpserter } from '../workflows/server-api';
import { grpcCode } from '../harness/grpc-errors';

// Known at collection time (unlike `t`): true when the suite runs on the embedded dev server.
const onDevServer = !temporalSettingsFromEnv().address;

const Color = defineSearchAttributeKey('Color', SearchAttributeType.KEYWORD);
const Size = defineSearchAttributeKey('Size', SearchAttributeType.INT);
const Flag = defineSearchAttributeKey('Flag', SearchAttributeType.BOOL);
const Due = defineSearchAttributeKey('Due', SearchAttributeType.DATETIME);
const Tags = defineSearchAttributeKey('Tags', SearchAttributeType.KEYWORD_LIST);
const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv({ searchAttributes: { Color: 'Keyword', Size: 'Int', Flag: 'Bool', Due: 'Datetime', Tags: 'KeywordList' } });
});
afterAll(async () => {
  await t?.teardown();
});

/**
 * Visibility is eventually consistent on a real cluster: re-run `read` until `done` holds (at once on
 * the dev server), then return its last value for the caller to assert on. Errors are retried too.
 */
async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await read();
      if (done(value) || Date.now() > until) return value;
    } catch (err) {
      if (Date.now() > until) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of t.client.workflow.list({ query })) ids.push(info.workflowId);
  return ids;
}

/** Ids matching `expr` within this task queue, sorted; waits until they equal `expected` (real cluster). */
async function matching(taskQueue: string, expr: string, expected: string[]): Promise<string[]> {
  const query = `TaskQueue = '${taskQueue}' AND (${expr})`;
  return settled(async () => (await listIds(query)).sort(), (ids) => JSON.stringify(ids) === JSON.stringify([...expected].sort()));
}

async function countOf(taskQueue: string, expr: string, expected: number): Promise<number> {
  const query = `TaskQueue = '${taskQueue}' AND (${expr})`;
  return settled(async () => (await t.client.workflow.count(query)).count, (n) => n === expected);
}

const held = (taskQueue: string, workflowId: string, typedSearchAttributes: SearchAttributePair[] = [], memo?: Record<string, unknown>) =>
  t.client.workflow.start<typeof sapiHeld>('sapiHeld', { taskQueue, workflowId, args: [workflowId], typedSearchAttributes, memo });

async function releaseAll(handles: WorkflowHandle<typeof sapiHeld>[]): Promise<void> {
  for (const h of handles) await h.signal('sapiRelease', 'done');
  // One at a time: a time-skipping client unlocks time while it awaits a result, and unlocks must balance locks.
  for (const h of handles) await h.result();
}

describe('search attribute registration', () => {
  it('lists the registered custom attributes (and the system ones) through the operator service', async () => {
    const res = await t.env.connection.operatorService.listSearchAttributes({ namespace: t.namespace });
    expect(res.customAttributes).toMatchObject({
      Color: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      Size: IndexedValueType.INDEXED_VALUE_TYPE_INT,
      Flag: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
      Due: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
      Tags: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
    });
    expect(res.systemAttributes).toMatchObject({
      WorkflowId: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      WorkflowType: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ExecutionStatus: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      StartTime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    });
    expect(res.systemAttributes).not.toHaveProperty('Color');
  });

  it('adds an attribute with addSearchAttributes, idempotently, and refuses reserved names', async () => {
    const operator = t.env.connection.operatorService;
    const list = async () => (await operator.listSearchAttributes({ namespace: t.namespace })).customAttributes ?? {};
    // A fixed name: on a real cluster, attributes outlive the test run.
    await operator.addSearchAttributes({ namespace: t.namespace, searchAttributes: { SapiLabel: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD } });
    expect(await settled(list, (attrs) => 'SapiLabel' in attrs)).toHaveProperty('SapiLabel', IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);

    // Adding an existing attribute again is a no-op, even with another type: the registered type stays.
    await operator.addSearchAttributes({ namespace: t.namespace, searchAttributes: { SapiLabel: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD } });
    await operator.addSearchAttributes({ namespace: t.namespace, searchAttributes: { SapiLabel: IndexedValueType.INDEXED_VALUE_TYPE_INT } });
    expect(await list()).toHaveProperty('SapiLabel', IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);

    const reserved = await operator
      .addSearchAttributes({ namespace: t.namespace, searchAttributes: { WorkflowId: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD } })
      .catch((e: unknown) => e);
    expect(grpcCode(reserved)).toBe(status.INVALID_ARGUMENT);

    // The new attribute is usable in queries right away (after the namespace cache catches up on a real cluster).
    const count = await settled(() => t.client.workflow.count(`SapiLabel = 'nobody-has-this'`), () => true);
    expect(count.count).toBe(0);
  });
});

describe('search attributes and memo on executions', () => {
  it('starts with typed search attributes and memo; describe() and list() return them', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `typed-${taskQueue}`;
      const due = new Date('2030-01-02T03:04:05.000Z');
      const handle = await held(
        taskQueue,
        workflowId,
        [
          { key: Color, value: 'red' },
          { key: Size, value: 3 },
          { key: Flag, value: true },
          { key: Due, value: due },
          { key: Tags, value: ['a', 'b'] },
        ],
        { owner: 'alice', nested: { n: 1, list: [1, 2] } },
      );

      const desc = await handle.describe();
      expect(desc.typedSearchAttributes.get(Color)).toBe('red');
      expect(desc.typedSearchAttributes.get(Size)).toBe(3);
      expect(desc.typedSearchAttributes.get(Flag)).toBe(true);
      expect(desc.typedSearchAttributes.get(Due)?.toISOString()).toBe(due.toISOString());
      expect(desc.typedSearchAttributes.get(Tags)).toEqual(['a', 'b']);
      expect(desc.memo).toEqual({ owner: 'alice', nested: { n: 1, list: [1, 2] } });

      const query = `WorkflowId = '${workflowId}'`;
      const [info] = await settled(
        async () => {
          const out = [];
          for await (const i of t.client.workflow.list({ query })) out.push(i);
          return out;
        },
        (rows) => rows.length === 1,
      );
      expect(info.workflowId).toBe(workflowId);
      expect(info.runId).toBe(desc.runId);
      expect(info.type).toBe('sapiHeld');
      expect(info.taskQueue).toBe(taskQueue);
      expect(info.status.name).toBe('RUNNING');
      expect(info.typedSearchAttributes.get(Color)).toBe('red');
      expect(info.typedSearchAttributes.get(Tags)).toEqual(['a', 'b']);
      expect(info.typedSearchAttributes.get(Due)?.toISOString()).toBe(due.toISOString());
      expect(info.memo).toEqual({ owner: 'alice', nested: { n: 1, list: [1, 2] } });
      await releaseAll([handle]);
    });
  });

  it('reflects what the workflow upserts: typed and untyped search attributes, and memo', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `upsert-${taskQueue}`;
      const handle = await t.client.workflow.start<typeof sapiUpserter>('sapiUpserter', {
        taskQueue,
        workflowId,
        typedSearchAttributes: [
          { key: Color, value: 'red' },
          { key: Size, value: 1 },
          { key: Flag, value: false },
          { key: Due, value: new Date('2031-01-01T00:00:00.000Z') },
        ],
        memo: { owner: 'bob', removeMe: 'soon' },
      });
      const desc = await settled(
        () => handle.describe(),
        (d) => d.typedSearchAttributes.get(Color) === 'green',
      );
      expect(desc.typedSearchAttributes.get(Color)).toBe('green');
      expect(desc.typedSearchAttributes.get(Size)).toBe(42);
      expect(desc.typedSearchAttributes.get(Flag)).toBe(false); // untouched
      expect(desc.typedSearchAttributes.get(Due)).toBeUndefined(); // removed by the upsert
      expect(desc.typedSearchAttributes.get(Tags)).toEqual(['upserted', 'twice']);
      expect(desc.memo).toEqual({ owner: 'bob', note: 'upserted' });

      expect(await matching(taskQueue, `Color = 'green' AND Size = 42`, [workflowId])).toEqual([workflowId]);
      expect(await matching(taskQueue, `Tags = 'twice'`, [workflowId])).toEqual([workflowId]);
      expect(await matching(taskQueue, `Color = 'red'`, [])).toEqual([]);
      expect(await matching(taskQueue, `Due IS NULL`, [workflowId])).toEqual([workflowId]);

      const types = await historyEventTypes(handle);
      expect(types.filter((x) => x === 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES')).toHaveLength(2);
      expect(types.filter((x) => x === 'EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED')).toHaveLength(1);
      await handle.signal('sapiRelease', 'done');
      expect(await handle.result()).toBe('done');
      // The closed record keeps the upserted values.
      expect((await handle.describe()).typedSearchAttributes.get(Color)).toBe('green');
    });
  });
});

describe('list and count queries', () => {
  it('filters with =, !=, <, >, <=, >=, IN, AND, OR and parentheses; count agrees with list', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const id = (n: number) => `q${n}-${taskQueue}`;
      const handles = [
        await held(taskQueue, id(1), [
          { key: Color, value: 'red' },
          { key: Size, value: 1 },
          { key: Flag, value: true },
          { key: Tags, value: ['a'] },
          { key: Due, value: new Date('2030-01-01T00:00:00Z') },
        ]),
        await held(taskQueue, id(2), [
          { key: Color, value: 'red' },
          { key: Size, value: 5 },
          { key: Flag, value: false },
          { key: Tags, value: ['b'] },
          { key: Due, value: new Date('2031-01-01T00:00:00Z') },
        ]),
        await held(taskQueue, id(3), [
          { key: Color, value: 'blue' },
          { key: Size, value: 10 },
          { key: Flag, value: true },
          { key: Tags, value: ['a', 'b'] },
          { key: Due, value: new Date('2032-01-01T00:00:00Z') },
        ]),
        await held(taskQueue, id(4), [
          { key: Color, value: 'green' },
          { key: Size, value: 20 },
          { key: Flag, value: false },
          { key: Tags, value: ['c'] },
          { key: Due, value: new Date('2033-01-01T00:00:00Z') },
        ]),
      ];
      const cases: Array<[string, number[]]> = [
        [`Color = 'red'`, [1, 2]],
        [`Color != 'red'`, [3, 4]],
        [`Size < 5`, [1]],
        [`Size > 5`, [3, 4]],
        [`Size >= 5 AND Size <= 10`, [2, 3]],
        [`Color = 'red' AND Size > 1`, [2]],
        [`Color = 'blue' OR Size = 1`, [1, 3]],
        [`(Color = 'red' OR Color = 'green') AND Flag = true`, [1]],
        [`Color = 'red' OR (Color = 'green' AND Size > 10)`, [1, 2, 4]],
        [`NOT (Color = 'red')`, [3, 4]],
        [`Color IN ('blue', 'green')`, [3, 4]],
        [`Flag = false`, [2, 4]],
        [`Tags = 'a'`, [1, 3]],
        [`Tags = 'a' AND Tags = 'b'`, [3]],
        [`Due > '2031-06-01T00:00:00Z'`, [3, 4]],
        [`Due < '2031-06-01T00:00:00Z' AND Color = 'red'`, [1, 2]],
        [`Color = 'purple'`, []],
      ];
      for (const [expr, nums] of cases) {
        const expected = nums.map(id);
        expect({ expr, ids: await matching(taskQueue, expr, expected) }).toEqual({ expr, ids: [...expected].sort() });
        expect({ expr, count: await countOf(taskQueue, expr, expected.length) }).toEqual({ expr, count: expected.length });
      }
      await releaseAll(handles);
    });
  });

  it('filters by ExecutionStatus, WorkflowType and WorkflowId, and counts grouped by ExecutionStatus', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const completed = `status-completed-${taskQueue}`;
      const running = `status-running-${taskQueue}`;
      const failed = `status-failed-${taskQueue}`;
      const terminated = `status-terminated-${taskQueue}`;
      await (await t.client.workflow.start<typeof sapiEcho>('sapiEcho', { taskQueue, workflowId: completed, args: ['x'] })).result();
      const runningHandle = await held(taskQueue, running);
      const failing = await t.client.workflow.start<typeof sapiFail>('sapiFail', { taskQueue, workflowId: failed, args: ['boom'] });
      await failing.result().catch(() => undefined);
      const victim = await held(taskQueue, terminated);
      expect(await victim.query<string>('sapiLabel')).toBe(terminated);
      await victim.terminate('for the status filter');

      expect(await matching(taskQueue, `ExecutionStatus = 'Running'`, [running])).toEqual([running]);
      expect(await matching(taskQueue, `ExecutionStatus = 'Completed'`, [completed])).toEqual([completed]);
      expect(await matching(taskQueue, `ExecutionStatus = 'Failed'`, [failed])).toEqual([failed]);
      expect(await matching(taskQueue, `ExecutionStatus = 'Terminated'`, [terminated])).toEqual([terminated]);
      expect(await matching(taskQueue, `ExecutionStatus != 'Running'`, [completed, failed, terminated])).toEqual([completed, failed, terminated].sort());
      expect(await matching(taskQueue, `WorkflowType = 'sapiHeld'`, [running, terminated])).toEqual([running, terminated].sort());
      expect(await matching(taskQueue, `WorkflowId = '${completed}'`, [completed])).toEqual([completed]);
      expect(await matching(taskQueue, `WorkflowId = '${completed}' OR WorkflowType = 'sapiFail'`, [completed, failed])).toEqual([completed, failed].sort());
      expect(await matching(taskQueue, `WorkflowType = 'sapiHeld' AND ExecutionStatus = 'Running'`, [running])).toEqual([running]);
      expect(await countOf(taskQueue, `ExecutionStatus = 'Running'`, 1)).toBe(1);
      expect(await countOf(taskQueue, `WorkflowType != 'sapiHeld'`, 2)).toBe(2);

      // What list() reports about each execution.
      const rows = new Map<string, { status: string; type: string; closed: boolean; historyLength: number }>();
      for await (const info of t.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
        rows.set(info.workflowId, { status: info.status.name, type: info.type, closed: info.closeTime !== undefined, historyLength: info.historyLength });
      }
      expect(rows.get(completed)).toMatchObject({ status: 'COMPLETED', type: 'sapiEcho', closed: true });
      expect(rows.get(failed)).toMatchObject({ status: 'FAILED', type: 'sapiFail', closed: true });
      expect(rows.get(terminated)).toMatchObject({ status: 'TERMINATED', type: 'sapiHeld', closed: true });
      expect(rows.get(running)).toMatchObject({ status: 'RUNNING', type: 'sapiHeld', closed: false });
      expect(rows.get(completed)!.historyLength).toBeGreaterThan(0);

      const grouped = await settled(
        () => t.client.workflow.count(`TaskQueue = '${taskQueue}' GROUP BY ExecutionStatus`),
        (c) => c.count === 4,
      );
      expect(grouped.count).toBe(4);
      const byStatus = Object.fromEntries(grouped.groups.map((g) => [String(g.groupValues[0]), g.count]));
      expect(byStatus).toEqual({ Running: 1, Completed: 1, Failed: 1, Terminated: 1 });

      await releaseAll([runningHandle]);
    });
  });

  it('lists in the default order without ORDER BY: open executions first (newest start first), then closed ones by close time, newest first', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const pause = () => new Promise((resolve) => setTimeout(resolve, 5)); // distinct start and close times
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => `default-order-${x}-${taskQueue}`);
      const handles: Record<string, WorkflowHandle<typeof sapiHeld>> = {};
      for (const id of [a, b, c, d]) {
        handles[id] = await held(taskQueue, id);
        await pause();
      }
      // c closes before b; a and d stay open.
      for (const id of [c, b]) {
        await handles[id].signal('sapiRelease', 'done');
        await handles[id].result();
        await pause();
      }
      const expected = [d, a, b, c];
      const ids = await settled(
        () => listIds(`TaskQueue = '${taskQueue}'`),
        (x) => JSON.stringify(x) === JSON.stringify(expected),
      );
      expect(ids).toEqual(expected);
      await releaseAll([handles[a], handles[d]]);
    });
  });

  // ORDER BY is a feature of Elasticsearch visibility (and of the dev server); Temporal's SQL visibility
  // (e.g. `temporal server start-dev`) rejects it, so this runs on the dev server only.
  it.skipIf(!onDevServer)('orders by StartTime, ascending and descending', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const ids = [1, 2, 3].map((n) => `order${n}-${taskQueue}`);
      const handles = [];
      for (const workflowId of ids) {
        handles.push(await held(taskQueue, workflowId));
        await new Promise((resolve) => setTimeout(resolve, 5)); // distinct start times
      }
      expect(await listIds(`TaskQueue = '${taskQueue}' ORDER BY StartTime`)).toEqual(ids);
      expect(await listIds(`TaskQueue = '${taskQueue}' ORDER BY StartTime ASC`)).toEqual(ids);
      expect(await listIds(`TaskQueue = '${taskQueue}' ORDER BY StartTime DESC`)).toEqual([...ids].reverse());
      expect(await listIds(`TaskQueue = '${taskQueue}' AND WorkflowId != '${ids[1]}' ORDER BY StartTime DESC`)).toEqual([ids[2], ids[0]]);
      await releaseAll(handles);
    });
  });

  it('rejects an invalid query with INVALID_ARGUMENT', async () => {
    const bad = [`NoSuchAttribute = 'x'`, `Color = `, `Color = 'red' AND AND Size = 1`, `(Color = 'red'`];
    for (const query of bad) {
      const listErr = await listIds(query).catch((e: unknown) => e);
      expect({ query, code: grpcCode(listErr) }).toEqual({ query, code: status.INVALID_ARGUMENT });
      const countErr = await t.client.workflow.count(query).catch((e: unknown) => e);
      expect({ query, code: grpcCode(countErr) }).toEqual({ query, code: status.INVALID_ARGUMENT });
    }
  });
});

afterAll(async () => {
  // Every history this file produced must replay without nondeterminism.
  expect(await t.replayAll()).toBeGreaterThan(0);
});
