import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { temporal } from '@temporalio/proto';
import { createBrowserStack, expectNoNewErrors, launchBrowser, screenshot, type BrowserPage, type BrowserStack } from '../harness/browser';
import { eventually } from '../harness/eventually';
import { exchangeWorkflowId } from '../../workflows/definitions';
import { OPS_TOKEN } from '../harness/stack';

// The Temporal UI (issue 13, part 2): @temporalio/ui's pages, built in temporal-ui/ and served by the
// embedded dev server on its HTTP port (here a free one: uiPort 0), list the exchange's workflows,
// filter them with a visibility query on the exchange's own search attribute, and show one workflow's
// history, summary and current details. Any console error fails the test (the harness).

let b: BrowserStack;
let browser: Browser;
/**
 * One page for the file, each test starting at an address of its own, as an operator keeps one tab: a
 * new page costs Chromium about a CPU-second more than going to another address in the same one.
 */
let opened: BrowserPage;
let page: Page;
/** http://127.0.0.1:<port> of the dev server's HTTP port: the UI at /, its API under /api/v1. */
let ui: string;
const numbers: { wip: string; received: string } = { wip: '', received: '' };

const consumerTask = (number: string) => b.stack.instances.db('acme').selectFrom('consumer_provider_tasks').selectAll().where('number', '=', number).executeTakeFirst();
const providerTask = (consumerNumber: string) =>
  b.stack.instances.db('globex').selectFrom('provider_parent_tasks').selectAll().where('consumer_number', '=', consumerNumber).executeTakeFirst();

async function order(shortDescription: string): Promise<string> {
  const res = await b.stack.call('POST', '/requests', {
    as: 'ANN_TOKEN',
    body: { catalogItemId: b.stack.demo.items.service_affecting_issue, shortDescription, variables: { service: 'Mail', users_affected: 12 } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const number = res.body.number as string;
  await eventually(() => consumerTask(number), (t) => t?.state === 'received', { what: `${number} received` });
  return number;
}

beforeAll(async () => {
  [b, browser] = await Promise.all([createBrowserStack({ temporalUiPort: 0 }), launchBrowser()]);
  ui = b.stack.temporal.devServer!.uiUrl!;
  opened = await b.newPage(browser);
  page = opened.page;
  numbers.received = await order('Printer on floor 2 is jammed');
  numbers.wip = await order('Mail is slow for the Berlin office');
  const provider = await eventually(() => providerTask(numbers.wip), (p) => !!p, { what: 'the provider task' });
  expect((await b.stack.call('POST', `/tasks/${provider!.number}/assign`, { as: 'BOB_TOKEN', body: {} })).status).toBe(200);
  await eventually(() => consumerTask(numbers.wip), (t) => t?.state === 'work_in_progress', { what: 'work in progress' });
  // Visibility follows the workflow: wait until the query the UI will run sees it.
  const query = encodeURIComponent('ExchangeState = "work_in_progress"');
  await eventually(
    async () => (await (await fetch(`${ui}/api/v1/namespaces/default/workflows?query=${query}`)).json()) as { executions?: unknown[] },
    (r) => r.executions?.length === 1,
    { what: 'the visibility query to see the work in progress' },
  );
});

// Errors the page reports fail the test they happened in.
afterEach(() => expectNoNewErrors(opened));

afterAll(async () => {
  await browser?.close();
  await b?.close();
});

describe('the Temporal UI on the dev server', () => {
  it('serves the settings the pages read, and /api/v1 beside the pages', async () => {
    const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as { Version: string; Auth: { Enabled: boolean } };
    expect(settings.Auth.Enabled).toBe(false);
    expect(settings.Version >= '2.23.0').toBe(true);
    // A UI route is the single-page app; an unknown API path stays the API's 404.
    const spa = await fetch(`${ui}/namespaces/default/workflows`);
    expect(spa.status).toBe(200);
    const html = await spa.text();
    expect(html).toContain('<div id="svelte"');
    // The stylesheet is linked from the page itself: styled before its scripts run.
    expect(html).toMatch(/<link href="\/_app\/immutable\/assets\/[^"]+\.css" rel="stylesheet">/);
    const missing = await fetch(`${ui}/api/v1/no-such-thing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ message: 'Not Found' });
  });

  it('lists the exchange workflows, filters them by ExchangeState, opens one: history, summary and details', async () => {
    await page.goto(`${ui}/`);
    await page.waitForURL('**/namespaces/default/workflows');
    const rows = page.getByTestId('workflows-summary-configurable-table-row');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    for (const number of [numbers.wip, numbers.received]) await rows.filter({ hasText: exchangeWorkflowId('acme', number) }).waitFor();
    await screenshot(page, 'temporal-ui-workflows');

    // The query, as the search bar's advanced view writes it into the address.
    await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent('ExchangeState = "work_in_progress"')}`);
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(1);
    await rows.filter({ hasText: exchangeWorkflowId('acme', numbers.wip) }).waitFor();
    await screenshot(page, 'temporal-ui-filtered');

    // Open it: the workflow's page (its latest run's history), with the events of the exchange.
    await rows.getByRole('link', { name: exchangeWorkflowId('acme', numbers.wip) }).click();
    await page.waitForURL(/\/workflows\/exchange%3Aacme%3A[^/]+\/[0-9a-f-]{36}\/history/);
    await page.getByTestId('workflow-id-heading').filter({ hasText: exchangeWorkflowId('acme', numbers.wip) }).waitFor();
    const events = page.getByTestId('event-summary-row');
    await expect.poll(() => events.count(), { timeout: 15_000 }).toBeGreaterThan(3);
    await events.filter({ hasText: /Workflow ?Execution ?Started/ }).first().waitFor();
    // Summary (the static summary set at start) and current details (the workflow keeps them current),
    // each in its accordion.
    await page.getByText('Summary & Details', { exact: true }).click();
    await page.getByText('Current Details', { exact: true }).click();
    // Both render as Markdown in iframes (/render?content=…), as in Temporal's UI: read there only.
    const framesText = async () => (await Promise.all(page.frames().filter((f) => f !== page.mainFrame()).map((f) => f.locator('body').innerText().catch(() => '')))).join('\n');
    await expect.poll(framesText, { timeout: 15_000 }).toContain(`${numbers.wip} Report a service outage: Mail is slow for the Berlin office`);
    await expect.poll(framesText, { timeout: 15_000 }).toMatch(/work in progress[\s\S]*assigned to Bob/);
    await screenshot(page, 'temporal-ui-workflow');
  });

  it("mounts the workflow's other tabs: the latest-run redirect, pending activities, call stack, queries, workers, metadata, relationships, an event, its task queue", async () => {
    const id = encodeURIComponent(exchangeWorkflowId('acme', numbers.wip));
    // A workflow without a run: its latest run's history.
    await page.goto(`${ui}/namespaces/default/workflows/${id}`);
    await page.waitForURL(/\/[0-9a-f-]{36}\/history$/);
    const run = new URL(page.url()).pathname.replace(/\/history$/, '');
    const runId = run.split('/').at(-1)!;
    const tabs: Array<[string, string | RegExp]> = [
      ['pending-activities', /No Pending Activities|Pending Activities/],
      ['call-stack', /Call Stack/],
      ['query', /Query Type/],
      ['workers', /Workers/],
      ['metadata', /Metadata|Events|Summary/],
      ['relationships', /Relationships/],
    ];
    // Each tab as people open one: a click in the page, which loads no page again.
    const openTab = async (tab: string) => {
      await page.locator(`a[href*="/${runId}/${tab}"]`).first().click();
      await page.waitForURL(`**/${runId}/${tab}`);
    };
    for (const [tab, text] of tabs) {
      await openTab(tab);
      await page.getByText(text).first().waitFor();
      await page.getByTestId('workflow-id-heading').waitFor();
    }
    // An event's own address, opened directly (a link someone shared).
    await page.goto(`${ui}${run}/history/events/1`);
    await page.getByText(/Workflow ?Execution ?Started/).first().waitFor();
    await page.getByTestId('workflow-id-heading').waitFor();
    // The query tab runs the workflow's own queries through POST .../query/{type}.
    await openTab('query');
    // The query types come from the workflow's own metadata query (__temporal_workflow_metadata).
    await expect.poll(() => page.getByText('snapshot').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Run Query' }).click();
    await expect.poll(() => page.locator('main').innerText(), { timeout: 15_000 }).toContain('work_in_progress');
    await screenshot(page, 'temporal-ui-query');
    // Its task queue's page: the worker polling it, and no versioning (both asked of the server).
    const { taskQueue } = await b.stack.temporal.client.workflow.getHandle(exchangeWorkflowId('acme', numbers.wip)).describe();
    await page.goto(`${ui}/namespaces/default/task-queues/${encodeURIComponent(taskQueue)}`);
    await page.getByRole('tab', { name: 'Versioning' }).click();
    await page.getByText('No versioning configured for task queue.').waitFor();
  });

  it('resets a request from its page to its first workflow task: a new run that rewrites nothing, with no drift', async () => {
    const workflowId = exchangeWorkflowId('acme', numbers.received);
    const runIds = async () => {
      const ids = [];
      for await (const run of b.stack.temporal.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) ids.push(run.runId);
      return ids;
    };
    const [firstRun] = await runIds();
    const rows = async () => {
      const counts = [];
      for (const instance of ['acme', 'globex']) {
        for (const table of ['audit_log', 'comments'] as const) {
          counts.push(Number((await b.stack.instances.db(instance).selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n));
        }
      }
      return counts;
    };
    const before = await rows();
    await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
    await page.getByTestId('workflow-id-heading').waitFor();
    // The page holds the actions twice (wide and narrow layouts): act on the visible ones.
    await page.locator('#workflow-actions-menu-button').filter({ visible: true }).click();
    await page.getByTestId('reset-button').filter({ visible: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset Workflow' }).filter({ visible: true });
    await dialog.getByTestId('workflow-reset-event-id-select-button').click();
    // The options list the run's completed workflow tasks, the first first.
    await page.getByRole('option').filter({ visible: true }).first().click();
    await dialog.getByTestId('reset-reason').fill('replay from the start');
    await screenshot(page, 'temporal-ui-reset');
    await dialog.getByTestId('confirm-modal-button').click();

    const ids = await eventually(runIds, (r) => r.length === 2, { what: 'the reset run' });
    const reset = ids.find((id) => id !== firstRun)!;
    const first = await b.stack.temporal.client.workflow.getHandle(workflowId, firstRun).describe();
    expect(first.status.name).toBe('TERMINATED');
    // The first run's page, opened afresh, says it was reset and links to the new run.
    await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${firstRun}/history`);
    const alert = page.getByTestId('workflow-reset-alert').filter({ visible: true });
    await alert.locator(`a[href*="${reset}"]`).waitFor();
    // The new run makes the same decisions with the same write keys: both sides stay as they were.
    await eventually(
      () => b.stack.temporal.client.workflow.getHandle(workflowId, reset).fetchHistory(),
      (h) => h.events!.filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED).length >= 3,
      { what: 'the reset run to write again' },
    );
    const report = await b.stack.call<{ drifted: unknown[]; checked: number }>('GET', '/ops/reconcile', { as: OPS_TOKEN });
    expect(report.body).toMatchObject({ drifted: [] });
    expect((await consumerTask(numbers.received))?.state).toBe('received');
    expect(await rows()).toEqual(before);
  });

  it('starts a workflow from its page: the run exists with the type, queue, input and Markdown summary given', async () => {
    await page.goto(`${ui}/namespaces/default/workflows/start-workflow`);
    await page.getByTestId('start-workflow').waitFor();
    await page.locator('#workflowId').fill('started-from-the-ui');
    await page.locator('#taskQueue').fill('nobody-polls-this');
    await page.locator('#workflowType').fill('anyWorkflow');
    await page.getByRole('textbox').filter({ visible: true }).last().fill('{"hello": "world"}');
    // The summary's editor: Monaco with the Markdown language only (temporal-ui/src/lib/monaco-markdown.js).
    await page.getByRole('button', { name: 'More options' }).click();
    await page.locator('.monaco-editor').first().click();
    await page.keyboard.type('Started **by hand**');
    await page.getByTestId('start-workflow-button').click();
    await page.getByText('Workflow started successfully').waitFor();
    const handle = b.stack.temporal.client.workflow.getHandle('started-from-the-ui');
    const described = await handle.describe();
    expect(described).toMatchObject({ status: { name: 'RUNNING' }, type: 'anyWorkflow', taskQueue: 'nobody-polls-this' });
    const first = (await handle.fetchHistory()).events![0];
    const started = first.workflowExecutionStartedEventAttributes!;
    expect(JSON.parse(Buffer.from(started.input!.payloads![0].data!).toString())).toEqual({ hello: 'world' });
    expect(JSON.parse(Buffer.from(first.userMetadata!.summary!.data!).toString())).toBe('Started **by hand**');
    await handle.terminate('test over');
  });

  it('creates a schedule from its form, lists it with the count, opens it and pauses it there', async () => {
    await page.goto(`${ui}/namespaces/default/workflows`);
    await page.getByRole('link', { name: 'Schedules' }).click();
    await page.getByRole('button', { name: 'Create Schedule' }).filter({ visible: true }).first().click();
    await page.getByTestId('schedule-name-input').fill('nightly-report');
    await page.getByTestId('schedule-type-input').fill('report');
    await page.getByTestId('schedule-workflow-id-input').fill('nightly-report-run');
    await page.getByTestId('schedule-task-queue-input').fill('nobody-polls-this');
    await page.getByTestId('string-tab').click();
    await page.locator('#cronString').fill('0 2 * * *');
    await page.getByTestId('create-schedule-button').click();
    const schedule = b.stack.temporal.client.schedule.getHandle('nightly-report');
    const created = await eventually(() => schedule.describe().catch(() => undefined), (d) => !!d, { what: 'the schedule created' });
    expect(created!.spec.calendars).toMatchObject([{ hour: [{ start: 2, end: 2 }], minute: [{ start: 0, end: 0 }] }]);
    expect(created!.action).toMatchObject({ type: 'startWorkflow', workflowType: 'report', taskQueue: 'nobody-polls-this' });

    await page.goto(`${ui}/namespaces/default/schedules`);
    // The count is the real server's: running workflows in the TemporalScheduler division.
    await page.getByText('1 Schedule', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'nightly-report' }).click();
    await page.waitForURL('**/schedules/nightly-report');
    await screenshot(page, 'temporal-ui-schedule');
    await page.getByRole('button', { name: 'Pause' }).filter({ visible: true }).first().click();
    await page.locator('#pause-reason').fill('month end');
    await page.getByTestId('confirm-modal-button').filter({ visible: true }).click();
    await eventually(async () => (await schedule.describe()).state, (state) => state.paused, { what: 'the schedule paused' });
    expect((await schedule.describe()).state.note).toContain('month end');
    // Away from the schedule's page first: it refreshes itself, and a refresh after the delete would be a 404.
    await page.goto(`${ui}/namespaces/default/schedules`);
    await page.getByText('1 Schedule', { exact: true }).waitFor();
    await schedule.delete();
  });
  it('creates a Nexus endpoint from its form, shows it, edits its task queue; an endpoint’s description shows as text', async () => {
    const operator = b.stack.temporal.client.connection.operatorService;
    await page.goto(`${ui}/namespaces/default/workflows`);
    await page.getByRole('link', { name: 'Nexus' }).click();
    await page.waitForURL('**/nexus');
    // The library's buttons with an href are links shown as buttons. Its list goes to its own URL again
    // 350 ms after it appears (writing its search box into ?search=), which cancels a navigation
    // started meanwhile: a click whose page was still loading does nothing, and a person clicks again.
    for (let attempt = 1; !page.url().endsWith('/nexus/create'); attempt++) {
      await page.getByText('Create Nexus Endpoint', { exact: true }).filter({ visible: true }).first().click();
      await page.waitForURL('**/nexus/create', { timeout: 3_000 }).catch((error) => {
        if (attempt === 3) throw error;
      });
    }
    // The form's description editor (Monaco) starts asynchronously; leaving the page before it has
    // (a quick submit) makes the library's editor throw, so the test lets it start, as a person would.
    const editorReady = () => page.locator('.monaco-editor').first().waitFor();
    await editorReady();
    await page.locator('#name').fill('billing-endpoint');
    await page.locator('#target-namespace').fill('default');
    await page.getByRole('option', { name: 'default' }).click();
    await page.locator('#task-queue').fill('billing-handlers');
    await page.getByRole('button', { name: 'Create Nexus Endpoint' }).filter({ visible: true }).click();
    await page.getByText('UUID:').waitFor();
    await screenshot(page, 'temporal-ui-nexus-endpoint');
    const [created] = (await operator.listNexusEndpoints({ name: 'billing-endpoint' })).endpoints ?? [];
    expect(created?.spec?.target?.worker).toMatchObject({ namespace: 'default', taskQueue: 'billing-handlers' });
    expect(page.url()).toContain(`/nexus/${created!.id}`);

    await page.getByText('Edit', { exact: true }).filter({ visible: true }).first().click();
    await editorReady();
    await page.locator('#task-queue').fill('billing-handlers-v2');
    await page.getByRole('button', { name: 'Save' }).filter({ visible: true }).click();
    await page.waitForURL(`**/nexus/${created!.id}`);
    const [edited] = (await operator.listNexusEndpoints({ name: 'billing-endpoint' })).endpoints ?? [];
    expect(edited?.spec?.target?.worker?.taskQueue).toBe('billing-handlers-v2');
    expect(Number(edited?.version)).toBe(2);

    const description = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify('Invoices and refunds')) };
    const { endpoint } = await operator.createNexusEndpoint({ spec: { name: 'described', description, target: { worker: { namespace: 'default', taskQueue: 'q' } } } });
    await page.goto(`${ui}/nexus/${endpoint!.id}`);
    // Markdown, rendered in an iframe (/render) as the UI renders it.
    const framesText = async () => (await Promise.all(page.frames().filter((f) => f !== page.mainFrame()).map((f) => f.locator('body').innerText().catch(() => '')))).join('\n');
    await expect.poll(framesText, { timeout: 15_000 }).toContain('Invoices and refunds');
    await page.goto(`${ui}/nexus`);
    await page.getByText('billing-endpoint').waitFor();
    for (const e of [edited!, endpoint!]) await operator.deleteNexusEndpoint({ id: e.id, version: e.version });
  });
});
