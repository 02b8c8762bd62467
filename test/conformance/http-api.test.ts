// Temporal's HTTP API on the dev server's HTTP port: every answer is compared with the gRPC call's
// answer (through the SDK's raw services) written in the same JSON mapping, plus the mapping itself
// where it shows (enum names, int64 strings, RFC 3339, durations, payloads, errors).
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { temporalSettingsFromEnv } from '../../config/temporal';
import { reflectionRoot } from '../../devserver/proto';
import { toJson } from '../../devserver/proto-json';
import { payloadFromShorthand, payloadToShorthand } from '../../devserver/payload-json';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import type { sapiEcho, sapiHeld, sapiSteps } from '../workflows/server-api';

// The HTTP API is the embedded dev server's; against a real cluster (TEMPORAL_ADDRESS) this file skips.
const onDevServer = !temporalSettingsFromEnv().address;
const Color = defineSearchAttributeKey('Color', SearchAttributeType.KEYWORD);

let t: TemporalTestEnv;
let base: string;
let taskQueue: string;
let stopWorker: () => void;
let worker: Promise<unknown>;
let red: WorkflowHandle<typeof sapiHeld>;
let blue: WorkflowHandle<typeof sapiHeld>;
let steps: WorkflowHandle<typeof sapiSteps>;

beforeAll(async () => {
  if (!onDevServer) return;
  t = await createTemporalTestEnv({ uiPort: 0, searchAttributes: { Color: 'Keyword' } });
  base = `${t.devServer!.uiUrl}/api/v1`;
  // One worker for the whole file, on its own task queue.
  await new Promise<void>((ready) => {
    worker = t.withWorker({}, (queue) => {
      taskQueue = queue;
      ready();
      return new Promise<void>((resolve) => (stopWorker = resolve));
    });
  });
  const start = (color: string) =>
    t.client.workflow.start<typeof sapiHeld>('sapiHeld', { taskQueue, workflowId: `http-${color}-${taskQueue}`, args: [color], typedSearchAttributes: [{ key: Color, value: color }] });
  [red, blue] = [await start('red'), await start('blue')];
  steps = await t.client.workflow.start<typeof sapiSteps>('sapiSteps', { taskQueue, workflowId: `http-steps-${taskQueue}`, args: [4] });
  await steps.result();
  // Both held workflows have run their first task (they answer queries), so nothing moves under the comparisons.
  await red.query('sapiLabel');
  await blue.query('sapiLabel');
});

afterAll(async () => {
  stopWorker?.();
  await worker;
  await t?.teardown();
});

const grpc = () => t.env.connection.workflowService;
const namespace = () => t.namespace;

async function http(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${base}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A gRPC answer in the JSON mapping, to compare with the HTTP answer. */
const asJson = (typeName: string, message: object) => toJson(reflectionRoot.lookupType(typeName), message as Record<string, unknown>);
const WS = 'temporal.api.workflowservice.v1';

async function same(path: string, typeName: string, viaGrpc: () => Promise<object>) {
  const res = await http('GET', path);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toEqual(asJson(typeName, await viaGrpc()));
  return res.body;
}

const base64 = (text: string) => Buffer.from(text).toString('base64');
const jsonPayload = (value: unknown) => ({ metadata: { encoding: base64('json/plain') }, data: base64(JSON.stringify(value)) });
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$/;

describe.runIf(onDevServer)('HTTP API and gRPC give the same answers', () => {
  it('namespaces (list, describe), system info and cluster info', async () => {
    const list = await same('/namespaces', `${WS}.ListNamespacesResponse`, () => grpc().listNamespaces({}));
    expect(list.namespaces.map((n: { namespaceInfo: { name: string } }) => n.namespaceInfo.name)).toContain('default');
    const ns = await same(`/namespaces/${namespace()}`, `${WS}.DescribeNamespaceResponse`, () => grpc().describeNamespace({ namespace: namespace() }));
    expect(ns.namespaceInfo.state).toBe('NAMESPACE_STATE_REGISTERED');
    expect(ns.config.workflowExecutionRetentionTtl).toMatch(/^\d+s$/);
    await same('/system-info', `${WS}.GetSystemInfoResponse`, () => grpc().getSystemInfo({}));
    await same('/cluster-info', `${WS}.GetClusterInfoResponse`, () => grpc().getClusterInfo({}));
  });

  it('lists and counts workflows with a visibility query', async () => {
    const query = `TaskQueue = '${taskQueue}' AND Color = 'red'`;
    const list = await same(`/namespaces/${namespace()}/workflows?query=${encodeURIComponent(query)}`, `${WS}.ListWorkflowExecutionsResponse`, () =>
      grpc().listWorkflowExecutions({ namespace: namespace(), query }),
    );
    expect(list.executions.map((e: { execution: { workflowId: string } }) => e.execution.workflowId)).toEqual([red.workflowId]);
    const [info] = list.executions;
    expect(info.status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
    expect(info.startTime).toMatch(RFC3339);
    expect(info.historyLength).toMatch(/^\d+$/);
    // A search attribute's payload carries its type besides its encoding: no shorthand for it, even when asked.
    expect(info.searchAttributes.indexedFields.Color).toEqual({ metadata: { encoding: base64('json/plain'), type: base64('Keyword') }, data: base64('"red"') });

    const all = `TaskQueue = '${taskQueue}'`;
    const count = await same(`/namespaces/${namespace()}/workflow-count?query=${encodeURIComponent(all)}`, `${WS}.CountWorkflowExecutionsResponse`, () =>
      grpc().countWorkflowExecutions({ namespace: namespace(), query: all }),
    );
    expect(count.count).toBe('3');
    const grouped = `${all} GROUP BY ExecutionStatus`;
    const groups = await same(`/namespaces/${namespace()}/workflow-count?query=${encodeURIComponent(grouped)}`, `${WS}.CountWorkflowExecutionsResponse`, () =>
      grpc().countWorkflowExecutions({ namespace: namespace(), query: grouped }),
    );
    expect(groups.groups).toHaveLength(2);
    // As the Temporal UI counts: the grouping alone, over the whole namespace.
    await same(`/namespaces/${namespace()}/workflow-count?query=${encodeURIComponent('GROUP BY ExecutionStatus')}`, `${WS}.CountWorkflowExecutionsResponse`, () =>
      grpc().countWorkflowExecutions({ namespace: namespace(), query: 'GROUP BY ExecutionStatus' }),
    );
  });

  it('describes a workflow (by id, and by id and run id from the query string)', async () => {
    const path = `/namespaces/${namespace()}/workflows/${encodeURIComponent(red.workflowId)}`;
    const described = await same(path, `${WS}.DescribeWorkflowExecutionResponse`, () =>
      grpc().describeWorkflowExecution({ namespace: namespace(), execution: { workflowId: red.workflowId } }),
    );
    expect(described.workflowExecutionInfo.type.name).toBe('sapiHeld');
    expect(described.executionConfig.defaultWorkflowTaskTimeout).toBe('10s');
    const runId = described.workflowExecutionInfo.execution.runId;
    expect((await http('GET', `${path}?execution.runId=${runId}`)).body).toEqual(described);
  });

  it('pages through the history, forward and reverse, with next_page_token', async () => {
    const full = asJson('temporal.api.history.v1.History', (await steps.fetchHistory()) as object) as { events: { eventId: string }[] };
    expect(full.events.length).toBeGreaterThan(9);
    for (const direction of ['history', 'history-reverse'] as const) {
      const events: unknown[] = [];
      let token = '';
      do {
        const path = `/namespaces/${namespace()}/workflows/${steps.workflowId}/${direction}?maximumPageSize=4${token ? `&nextPageToken=${encodeURIComponent(token)}` : ''}`;
        const request = { namespace: namespace(), execution: { workflowId: steps.workflowId }, maximumPageSize: 4, nextPageToken: Buffer.from(token, 'base64') };
        const page =
          direction === 'history'
            ? await same(path, `${WS}.GetWorkflowExecutionHistoryResponse`, () => grpc().getWorkflowExecutionHistory(request))
            : await same(path, `${WS}.GetWorkflowExecutionHistoryReverseResponse`, () => grpc().getWorkflowExecutionHistoryReverse(request));
        expect(page.history.events.length).toBeLessThanOrEqual(4);
        events.push(...page.history.events);
        token = page.nextPageToken ?? '';
      } while (token);
      expect(events).toEqual(direction === 'history' ? full.events : [...full.events].reverse());
    }
    const [started] = full.events as { eventId: string; eventType: string; workflowExecutionStartedEventAttributes: { input: unknown } }[];
    expect(started).toMatchObject({ eventId: '1', eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED' });
    expect(started.workflowExecutionStartedEventAttributes.input).toEqual({ payloads: [jsonPayload(4)] });
    // With the frontend's payload shorthand, a json/plain payload is its JSON value.
    const short = await http('GET', `/namespaces/${namespace()}/workflows/${steps.workflowId}/history?payloadShorthand`);
    expect(short.body.history.events[0].workflowExecutionStartedEventAttributes.input).toEqual([4]);
  });

  it("serves a run's whole history as one JSON document at <run>/history.json, the UI's raw history link", async () => {
    const { runId } = await steps.describe();
    const res = await fetch(`${t.devServer!.uiUrl}/namespaces/${namespace()}/workflows/${steps.workflowId}/${runId}/history.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(asJson('temporal.api.history.v1.History', (await steps.fetchHistory()) as object));
    const missing = await fetch(`${t.devServer!.uiUrl}/namespaces/${namespace()}/workflows/no-such-workflow/${runId}/history.json`);
    expect(missing.status).toBe(404);
  });

  it('queries a workflow (the answer in both payload forms)', async () => {
    const path = `/namespaces/${namespace()}/workflows/${red.workflowId}/query/sapiLabel`;
    const res = await http('POST', path, {});
    expect(res.status).toBe(200);
    const viaGrpc = await grpc().queryWorkflow({ namespace: namespace(), execution: { workflowId: red.workflowId }, query: { queryType: 'sapiLabel' } });
    expect(res.body).toEqual(asJson(`${WS}.QueryWorkflowResponse`, viaGrpc));
    expect(res.body.queryResult).toEqual({ payloads: [jsonPayload('red')] });
    expect((await http('POST', `${path}?payloadShorthand`, {})).body).toEqual({ queryResult: ['red'] });
  });

  it('signals a workflow (input as payloads, or as shorthand values)', async () => {
    const path = `/namespaces/${namespace()}/workflows/${blue.workflowId}/signal/sapiBump`;
    expect(await http('POST', path, { input: { payloads: [jsonPayload('plain')] }, identity: 'http-test' })).toEqual({ status: 200, body: {} });
    expect(await http('POST', `${path}?payloadShorthand`, { input: ['short'] })).toEqual({ status: 200, body: {} });
    expect(await blue.query('sapiSeen')).toEqual(['plain', 'short']);
  });

  it('starts a workflow from a JSON body with shorthand input', async () => {
    const workflowId = `http-start-${taskQueue}`;
    const res = await http('POST', `/namespaces/${namespace()}/workflows/${workflowId}?payloadShorthand`, {
      workflowType: { name: 'sapiEcho' },
      taskQueue: { name: taskQueue },
      input: ['echo me'],
      requestId: randomUUID(),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ started: true, runId: expect.any(String) });
    expect(await t.client.workflow.getHandle<typeof sapiEcho>(workflowId).result()).toBe('echo me');
  });

  it('requests cancellation and terminates', async () => {
    const cancel = await http('POST', `/namespaces/${namespace()}/workflows/${red.workflowId}/cancel`, { reason: 'over http', identity: 'http-test' });
    expect(cancel).toEqual({ status: 200, body: {} });
    await expect(red.result()).rejects.toThrow();
    const terminate = await http('POST', `/namespaces/${namespace()}/workflows/${blue.workflowId}/terminate`, { reason: 'over http' });
    expect(terminate).toEqual({ status: 200, body: {} });
    for (const [handle, closed] of [[red, 'WORKFLOW_EXECUTION_STATUS_CANCELED'], [blue, 'WORKFLOW_EXECUTION_STATUS_TERMINATED']] as const) {
      const described = await same(`/namespaces/${namespace()}/workflows/${handle.workflowId}`, `${WS}.DescribeWorkflowExecutionResponse`, () =>
        grpc().describeWorkflowExecution({ namespace: namespace(), execution: { workflowId: handle.workflowId } }),
      );
      expect(described.workflowExecutionInfo.status).toBe(closed);
      expect(described.workflowExecutionInfo.closeTime).toMatch(RFC3339);
    }
  });

  it('resets a workflow with the body the Temporal UI sends', async () => {
    const [history, { runId }] = await Promise.all([steps.fetchHistory(), steps.describe()]);
    const firstTaskCompleted = history.events!.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)!.eventId!.toString();
    const res = await http('POST', `/namespaces/${namespace()}/workflows/${steps.workflowId}/reset`, {
      workflowExecution: { workflowId: steps.workflowId, runId },
      workflowTaskFinishEventId: firstTaskCompleted,
      requestId: randomUUID(),
      reason: 'over http',
      resetReapplyExcludeTypes: ['RESET_REAPPLY_EXCLUDE_TYPE_UNSPECIFIED'],
      resetReapplyType: 'RESET_REAPPLY_TYPE_ALL_ELIGIBLE',
    });
    expect(res).toEqual({ status: 200, body: { runId: expect.any(String) } });
    const again = t.client.workflow.getHandle<typeof sapiSteps>(steps.workflowId);
    expect((await again.describe()).runId).toBe(res.body.runId);
    expect(await again.result()).toEqual(await steps.result());
  });

  it('lists search attributes (operator service)', async () => {
    const res = await same(`/namespaces/${namespace()}/search-attributes`, 'temporal.api.operatorservice.v1.ListSearchAttributesResponse', () =>
      t.env.connection.operatorService.listSearchAttributes({ namespace: namespace() }),
    );
    expect(res.customAttributes.Color).toBe('INDEXED_VALUE_TYPE_KEYWORD');
  });

  it('describes a task queue: the worker polling it (type by number, as the UI asks, or by name)', async () => {
    for (const type of ['1', 'TASK_QUEUE_TYPE_WORKFLOW']) {
      // A poll that starts between the two calls moves lastAccessTime: compare once two gRPC answers around the HTTP one agree.
      for (let attempt = 0; ; attempt++) {
        const describe = () => grpc().describeTaskQueue({ namespace: namespace(), taskQueue: { name: taskQueue }, taskQueueType: 1 });
        const before = asJson(`${WS}.DescribeTaskQueueResponse`, await describe());
        const res = await http('GET', `/namespaces/${namespace()}/task-queues/${taskQueue}?taskQueueType=${type}`);
        const after = asJson(`${WS}.DescribeTaskQueueResponse`, await describe());
        if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 5) continue;
        expect(res.body).toEqual(after);
        expect(res.body.pollers[0]).toMatchObject({ identity: expect.any(String), lastAccessTime: expect.stringMatching(RFC3339) });
        break;
      }
    }
  });
});

describe.runIf(onDevServer)('HTTP API errors', () => {
  it('an unknown workflow: 404 with the gRPC status and message', async () => {
    const res = await http('GET', `/namespaces/${namespace()}/workflows/no-such-workflow`);
    const err = await grpc()
      .describeWorkflowExecution({ namespace: namespace(), execution: { workflowId: 'no-such-workflow' } })
      .catch((e: { code: number; details: string }) => e);
    expect(err).toMatchObject({ code: status.NOT_FOUND });
    expect(res).toEqual({ status: 404, body: { code: status.NOT_FOUND, message: (err as { details: string }).details } });
  });

  it('a bad visibility query: 400 INVALID_ARGUMENT with the gRPC message', async () => {
    const query = 'Color = ';
    const res = await http('GET', `/namespaces/${namespace()}/workflows?query=${encodeURIComponent(query)}`);
    const err = (await grpc()
      .listWorkflowExecutions({ namespace: namespace(), query })
      .catch((e: unknown) => e)) as { code: number; details: string };
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(res).toEqual({ status: 400, body: { code: status.INVALID_ARGUMENT, message: err.details } });
  });

  it('a malformed body, an unknown field or enum name: 400; an unknown path: 404; a method the server lacks: 501', async () => {
    const signal = `/namespaces/${namespace()}/workflows/x/signal/s`;
    expect((await fetch(`${base}${signal}`, { method: 'POST', body: '{' })).status).toBe(400);
    expect(await http('POST', signal, { nope: 1 })).toMatchObject({ status: 400, body: { code: status.INVALID_ARGUMENT, message: expect.stringContaining('nope') } });
    expect((await http('GET', `/namespaces/${namespace()}/task-queues/q?taskQueueType=NOPE`)).status).toBe(400);
    expect(await http('GET', '/no-such-thing')).toEqual({ status: 404, body: { code: status.NOT_FOUND, message: 'Not Found' } });
    expect(await http('GET', `/namespaces/${namespace()}/batch-operations`)).toMatchObject({ status: 501, body: { code: status.UNIMPLEMENTED } });
  });
});

describe('payload JSON (the Go shorthand rules)', () => {
  const payload = (metadata: Record<string, string>, data?: string) => ({
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v)])),
    data: data === undefined ? undefined : Buffer.from(data),
  });
  it('writes json/plain as its value (keys sorted, an empty array as null), binary/null as its own object, others not at all', () => {
    expect(payloadToShorthand(payload({ encoding: 'json/plain' }, '{"b":[],"a":1}'))).toEqual({ value: { a: 1, b: null } });
    expect(payloadToShorthand(payload({ encoding: 'binary/null' }))).toEqual({ value: { metadata: { encoding: base64('binary/null') } } });
    expect(payloadToShorthand(payload({ encoding: 'json/protobuf', messageType: 'a.B' }, '{"x":1}'))).toEqual({ value: { _protoMessageType: 'a.B', x: 1 } });
    expect(payloadToShorthand(payload({ encoding: 'json/plain', type: 'Keyword' }, '"k"'))).toBeUndefined();
    expect(payloadToShorthand(payload({ encoding: 'binary/plain' }, 'raw'))).toBeUndefined();
  });
  it('reads a plain payload object as one, null as binary/null, and any other value as json/plain', () => {
    expect(payloadFromShorthand(jsonPayload('x'))).toEqual(payload({ encoding: 'json/plain' }, '"x"'));
    expect(payloadFromShorthand(null)).toEqual({ metadata: { encoding: Buffer.from('binary/null') } });
    expect(payloadFromShorthand({ b: '<', a: 1 })).toEqual(payload({ encoding: 'json/plain' }, '{"a":1,"b":"\\u003c"}'));
    expect(payloadFromShorthand({ _protoMessageType: 'a.B', x: 1 })).toEqual(payload({ encoding: 'json/protobuf', messageType: 'a.B' }, '{"x":1}'));
  });
});
