import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createBrowserStack, launchBrowser, screenshot, type BrowserStack } from '../harness/browser';
import { OPS_TOKEN } from '../harness/stack';
import { eventually } from '../harness/eventually';
import { exchangeWorkflowId, snapshotQuery } from '../../workflows/definitions';

// The operations page (issue 13, part 3): the operator signs in with the operator token, sees the
// requests by state per pair, a breached request linked to its workflow in the Temporal UI, and runs
// reconcile. The test's dev server serves no UI, so the stack is told where one is (TEMPORAL_UI_URL).

const UI_URL = 'http://127.0.0.1:8233';
let b: BrowserStack;
let browser: Browser;

/** Chromium's line for a refused call to `path` with `status`: what a test expecting that refusal lets through. */
const refused = (status: number, path: string) => new RegExp(`Failed to load resource: the server responded with a status of ${status} \\([^)]*\\) \\(http://127\\.0\\.0\\.1:\\d+${path.replace(/[/.]/g, '\\$&')}\\)`);

async function order(item: string, shortDescription: string, variables: Record<string, unknown>) {
  const res = await b.stack.call('POST', '/requests', { as: 'ANN_TOKEN', body: { catalogItemId: item, shortDescription, description: '', variables } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const number = res.body.number as string;
  const parent = await eventually(
    () => b.stack.instances.db('globex').selectFrom('provider_parent_tasks').select('number').where('consumer_number', '=', number).executeTakeFirst(),
    (p) => !!p,
    { what: `${number} at globex` },
  );
  return { number, parent: parent!.number };
}

let breached: string;

beforeAll(async () => {
  [b, browser] = await Promise.all([createBrowserStack({ temporalUiUrl: UI_URL }), launchBrowser()]);
  const { demo } = b.stack;
  await order(demo.items.help_request, 'Printer jams', { category: 'hardware' });
  const assigned = await order(demo.items.help_request, 'VPN drops', { category: 'software' });
  expect((await b.stack.call('POST', `/tasks/${assigned.parent}/assign`, { as: 'BOB_TOKEN', body: {} })).status).toBeLessThan(300);
  // An incident nobody takes: past its 30-minute response target it is breached, at level 1.
  breached = (await order(demo.items.service_affecting_issue, 'Payroll is down', { service: 'Payroll' })).number;
  const handle = b.stack.temporal.client.workflow.getHandle(exchangeWorkflowId('acme', breached));
  const since = (await handle.query(snapshotQuery)).sla!.clocks.response!.runningSince!;
  await b.stack.temporal.env.sleep(since + 31 * 60_000 - (await b.stack.temporal.env.currentTimeMs()));
  await eventually(() => handle.query(snapshotQuery), (s) => s.sla!.escalationLevel === 1, { what: 'the escalation' });
});

afterAll(async () => {
  await browser?.close();
  await b?.close();
});

describe('the operations page', () => {
  it('signs in with the operator token, shows the counts and a Temporal UI link, runs reconcile, signs out', async () => {
    const { page, allowErrors } = await b.newPage(browser);
    // Not signed in as a user (the layout asks), and one wrong token on purpose.
    allowErrors(refused(401, '/session'));
    allowErrors(refused(401, '/ops/overview'));
    // The page's own clock, flowing as real time until the test runs it ahead to the refreshes.
    await page.clock.install();
    await page.goto('/app/operations');

    const token = page.getByLabel('Operator token');
    await token.fill('not-the-token');
    await token.press('Enter');
    await expect.poll(() => page.getByTestId('ops-sign-in-error').textContent()).toBe('That is not the operator token.');
    await expect.poll(() => token.getAttribute('aria-invalid')).toBe('true');

    await token.fill(OPS_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const states = page.getByTestId('ops-states');
    await expect.poll(() => states.getByRole('row', { name: /Received/ }).innerText()).toMatch(/^Received\s+2\s+2$/);
    expect(await states.getByRole('row', { name: /Work in Progress/ }).innerText()).toMatch(/^Work in Progress\s+1\s+1$/);
    expect(await states.getByRole('columnheader', { name: 'acme → globex' }).count()).toBe(1);
    expect(await page.getByTestId('ops-backlog').getByRole('row', { name: /^All/ }).innerText()).toMatch(/1 breached\s+level 1: 1$/);
    expect(await page.getByTestId('ops-health').innerText()).toMatch(/acme\s+Up[\s\S]*globex\s+Up/);

    // The breached request, linked to its workflow in the Temporal UI, and to nothing else.
    const row = page.getByTestId('ops-request');
    expect(await row.count()).toBe(1);
    expect(await row.innerText()).toContain(breached);
    expect(await row.innerText()).toContain('Breached');
    const workflowId = exchangeWorkflowId('acme', breached);
    const link = row.getByRole('link', { name: `${workflowId} in the Temporal UI (opens in a new tab)` });
    expect(await link.getAttribute('href')).toBe(`${UI_URL}/namespaces/${b.stack.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`);
    const hrefs = (await page.evaluate(`[...document.querySelectorAll('a[href]')].map((a) => a.href)`)) as string[];
    expect(hrefs.filter((h) => !h.startsWith(`${b.baseURL}/app/`))).toEqual([
      `${UI_URL}/namespaces/${b.stack.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`,
    ]);

    await page.getByRole('button', { name: 'Run reconcile' }).click();
    const report = page.getByTestId('reconcile-report');
    await expect.poll(() => report.innerText(), { timeout: 15_000 }).toMatch(/^Checked 3: 3 in sync, 0 with writes still queued, 0 drifted\.\s+No drift$/);
    // Refreshed while open, every 5 s of the page's time (a refresh still loading skips a tick: run on).
    let refreshes = 0;
    page.on('request', (r) => void (new URL(r.url()).pathname === '/ops/overview' && refreshes++));
    await expect
      .poll(async () => {
        await page.clock.runFor(5_000);
        return refreshes;
      }, { interval: 100 })
      .toBeGreaterThanOrEqual(2);
    await screenshot(page, 'operations');

    // The token stays in this tab only; signing out forgets it.
    const stored = () => page.evaluate(`sessionStorage.getItem('sx-operator-token')`);
    expect(await stored()).toBe(OPS_TOKEN);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await token.waitFor();
    expect(await stored()).toBeNull();
  });
});
