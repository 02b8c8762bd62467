import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createBrowserStack, launchBrowser, screenshot, type BrowserStack, type SignedInPage, type Who } from '../harness/browser';
import { eventually } from '../harness/eventually';

// The seed's whole flow by clicking (issue 12, "Tests"): Ann (Acme) and Bob (Globex) in two browser
// contexts side by side. Neither page is ever reloaded to see the other side's change: both listen to
// the live stream (GET /events), and each assertion waits for the element, never a fixed time.
// Then two agents clicking "Assign to me" on the same case at once.

let b: BrowserStack;
let browser: Browser;

beforeAll(async () => {
  [b, browser] = await Promise.all([createBrowserStack(), launchBrowser()]);
});

const signIn = (who: Who): Promise<SignedInPage> => b.signedInPage(browser, who);

afterAll(async () => {
  await browser?.close();
  await b?.close();
});

const ACME = 'Acme Corp';
const GLOBEX = 'Globex Services';

const state = (page: Page) => page.getByTestId('task-state');

/** expect.poll with the harness's 15 s (vitest's default is 1 s): for what the other side's action changes. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });

/** The Task View's comments with this text. */
const comment = (page: Page, text: string) => page.getByTestId('comment').filter({ hasText: text });

/** Opens an action's form, fills its fields (by label), submits it, and waits for the result line. */
async function act(page: Page, action: string, fields: Record<string, string> = {}) {
  await page.getByTestId(`action-${action}`).click();
  for (const [label, value] of Object.entries(fields)) {
    const field = page.getByLabel(label, { exact: true });
    if (label === 'Resolution code') await field.selectOption(value);
    else await field.fill(value);
  }
  if (Object.keys(fields).length || ['request_info', 'propose_solution', 'reject', 'cancel'].includes(action)) await page.getByTestId(`submit-${action}`).click();
  await poll(() => page.getByTestId('action-result').or(page.getByTestId('action-error')).first().textContent()).toBeTruthy();
  const error = page.getByTestId('action-error');
  if (await error.count()) throw new Error(`${action} was refused: ${await error.textContent()}`);
}

/** The task as `who` reads it through the API with its own session cookie (that side's database). */
async function apiTask(who: SignedInPage, number: string) {
  const res = await who.context.request.get(`/tasks/${number}`);
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as { state: string; allowedActions: string[]; comments: Array<{ body: string; author: string; visibility: string }>; resolution: { code: string; notes: string } | null };
}

describe('the seed flow in two browsers', () => {
  it('Ann orders, Bob assigns, they talk, Bob asks and proposes, Ann rejects then accepts: both Closed, live on both sides', async () => {
    // Two earlier orders, so the queue shows more than one row.
    for (const [item, shortDescription, variables] of [
      ['service_affecting_issue', 'Mail is slow for the Berlin office', { service: 'Mail', users_affected: 40 }],
      ['change_request', 'Open port 8443 on the VPN gateway', { wanted_by: '2030-01-31' }],
    ] as const) {
      const res = await b.stack.call('POST', '/requests', { as: 'ANN_TOKEN', body: { catalogItemId: b.stack.demo.items[item], shortDescription, variables } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const [ann, bob] = await Promise.all([signIn('ann'), signIn('bob')]);

    // Bob watches his queue while Ann orders.
    await bob.page.goto('/app/queue');
    await poll(() => bob.page.getByTestId('task-row').count()).toBe(2);
    // The queue listens to the live stream (GET /events), not the 5 s polling fallback.
    await poll(() => bob.page.getByTestId('live-status').getAttribute('data-mode')).toBe('live');

    // Ann: the catalog, the item's generated form, Submit: the Task View of her new Provider Task.
    await ann.page.goto('/app/');
    await ann.page.waitForURL('**/app/catalog');
    await ann.page.getByRole('link', { name: 'Order IT help request' }).waitFor();
    await screenshot(ann.page, 'catalog');
    await ann.page.getByRole('link', { name: 'Order IT help request' }).click();
    await ann.page.getByLabel('Short description').fill('Laptop screen flickers');
    await ann.page.getByLabel('Description', { exact: true }).fill('Since this morning, mostly when on battery.');
    await ann.page.getByLabel('Category').selectOption('hardware');
    await ann.page.getByLabel('Asset tag').fill('LT-20417');
    await screenshot(ann.page, 'request-form');
    await ann.page.getByRole('button', { name: 'Submit request' }).click();
    await ann.page.waitForURL(/\/app\/tasks\/PTSK\d+$/);
    const ptsk = (await ann.page.getByTestId('task-number').textContent())!;
    expect(ptsk).toMatch(/^PTSK\d{7}$/);
    expect(ann.page.url()).toContain(`/app/tasks/${ptsk}`);
    await poll(() => state(ann.page).textContent()).toMatch(/State: (New|Received)/);
    await poll(() => ann.page.getByTestId('live-status').getAttribute('data-mode')).toBe('live');

    // Bob's queue shows the new case without a reload, unassigned, with Ann's number beside it.
    const row = bob.page.getByTestId('task-row').filter({ hasText: ptsk });
    await row.waitFor();
    const cs = (await row.getAttribute('data-number'))!;
    expect(cs).toMatch(/^CS\d{7}$/);
    await poll(() => row.textContent()).toContain('Unassigned');
    await poll(() => bob.page.getByTestId('task-row').count()).toBe(3);
    await screenshot(bob.page, 'queue');
    // Ann's page learns the provider's number too.
    await poll(() => ann.page.getByTestId('counterpart-number').textContent()).toContain(cs);

    // Bob opens it and clicks "Assign to me"; Ann's view turns to Work in Progress by itself.
    await row.getByRole('link', { name: cs }).click();
    await bob.page.waitForURL(`**/app/tasks/${cs}`);
    await act(bob.page, 'assign');
    await poll(() => state(bob.page).textContent()).toBe('State: Work in Progress');
    await poll(() => bob.page.getByTestId('task-assignee').textContent()).toBe('Bob Stone');
    await poll(() => state(ann.page).textContent()).toBe('State: Work in Progress');
    await poll(() => ann.page.getByTestId('task-assignee').textContent()).toBe('Bob Stone');

    // Comments both ways, attributed "Name (Organization)"; the work note stays at Globex.
    await act(ann.page, 'comment', { Comment: 'It started after the update' });
    const annOnBob = comment(bob.page, 'It started after the update');
    await annOnBob.waitFor();
    expect(await annOnBob.locator('.author').textContent()).toBe(`Ann Lee (${ACME})`);
    expect(await annOnBob.getAttribute('data-visibility')).toBe('public');

    await act(bob.page, 'work_note', { 'Work note (internal)': 'Probably the GPU driver; check build 4711' });
    const note = comment(bob.page, 'Probably the GPU driver');
    await note.waitFor();
    expect(await note.getAttribute('data-visibility')).toBe('internal');
    await poll(() => note.textContent()).toContain('Work note · internal');

    await act(bob.page, 'comment', { Comment: 'Please try safe mode' });
    const bobOnAnn = comment(ann.page, 'Please try safe mode');
    await bobOnAnn.waitFor();
    expect(await bobOnAnn.locator('.author').textContent()).toBe(`Bob Stone (${GLOBEX})`);
    // Comments replicate in order: the work note, written before, would be here by now if it ever came.
    expect(await comment(ann.page, 'GPU driver').count()).toBe(0);
    expect(await ann.page.locator('[data-testid="comment"][data-visibility="internal"]').count()).toBe(0);
    await poll(() => ann.page.content()).not.toContain('GPU driver');
    const annSees = await apiTask(ann, ptsk);
    expect(annSees.comments.map((c) => c.body)).toEqual(['It started after the update', 'Please try safe mode']);
    expect(JSON.stringify(annSees)).not.toContain('GPU driver');
    await screenshot(bob.page, 'task-view-provider');

    // Files: Ann drops a log onto her Task View; it reaches Bob after the comments before it, with the
    // same bytes. Bob attaches an internal file, which never reaches Ann.
    const log = 'GPU: timeout after resume\n'.repeat(2_000);
    // Built in the page (this file's types have no DOM): a DataTransfer holding the file, as a drop carries.
    const dataTransfer = await ann.page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([${JSON.stringify(log)}], 'display.log', { type: 'text/plain' }));
      return dt;
    })()`);
    await ann.page.dispatchEvent('article.task', 'dragover', { dataTransfer });
    await ann.page.dispatchEvent('article.task', 'drop', { dataTransfer });
    await poll(() => ann.page.getByTestId('file-result').textContent()).toBe('Attached display.log.');
    const fileOnBob = bob.page.getByTestId('attachment').filter({ hasText: 'display.log' });
    await fileOnBob.waitFor();
    expect(await fileOnBob.textContent()).toContain(`Ann Lee (${ACME})`);
    const order = await bob.page.getByTestId('conversation').locator('> li').allTextContents();
    expect(order.findIndex((t) => t.includes('display.log'))).toBeGreaterThan(order.findIndex((t) => t.includes('Please try safe mode')));
    const download = await bob.context.request.get((await fileOnBob.getByTestId('attachment-link').getAttribute('href'))!);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-disposition']).toContain('display.log');
    expect(await download.text()).toBe(log);
    await poll(() => ann.page.getByTestId('attachment').filter({ hasText: 'display.log' }).getAttribute('data-replication')).toBe('replicated');

    await bob.page.getByTestId('file-internal').check();
    await bob.page.getByTestId('file-input').setInputFiles({ name: 'driver-dump.txt', mimeType: 'text/plain', buffer: Buffer.from('internal dump') });
    const dump = bob.page.getByTestId('attachment').filter({ hasText: 'driver-dump.txt' });
    await dump.waitFor();
    expect(await dump.getAttribute('data-visibility')).toBe('internal');
    await act(bob.page, 'comment', { Comment: 'Thanks for the log' });
    await comment(ann.page, 'Thanks for the log').waitFor();
    expect(await ann.page.getByTestId('attachment').filter({ hasText: 'driver-dump.txt' }).count()).toBe(0);
    expect(JSON.stringify(await apiTask(ann, ptsk))).not.toContain('driver-dump');
    await screenshot(bob.page, 'task-view-files');

    // Bob asks; Ann answers with a comment, which brings both back to work.
    await act(bob.page, 'request_info', { Question: 'Does it flicker in safe mode too?' });
    await poll(() => state(bob.page).textContent()).toBe('State: Awaiting Info');
    await poll(() => state(ann.page).textContent()).toBe('State: Awaiting Info');
    await comment(ann.page, 'Does it flicker in safe mode too?').waitFor();
    await act(ann.page, 'comment', { Comment: 'No, safe mode is fine' });
    await poll(() => state(ann.page).textContent()).toBe('State: Work in Progress');
    await poll(() => state(bob.page).textContent()).toBe('State: Work in Progress');
    await comment(bob.page, 'No, safe mode is fine').waitFor();

    // Bob proposes a solution; Ann's Actions menu offers exactly what the server allows her.
    await act(bob.page, 'propose_solution', { 'Resolution code': 'workaround', 'Resolution notes': 'Rolled the GPU driver back to 531.2' });
    await poll(() => state(bob.page).textContent()).toBe('State: Resolved');
    await poll(() => state(ann.page).textContent()).toBe('State: Resolved');
    await poll(() => ann.page.getByTestId('task-resolution').textContent()).toContain('Rolled the GPU driver back to 531.2');
    expect(await ann.page.getByTestId('task-resolution').textContent()).toContain('Workaround');
    const allowed = (await apiTask(ann, ptsk)).allowedActions;
    expect(allowed).toEqual(expect.arrayContaining(['accept', 'reject', 'cancel']));
    expect(allowed.filter((a) => !['accept', 'reject', 'cancel', 'comment', 'attach'].includes(a))).toEqual([]);
    const menu = async () =>
      (await ann.page.getByRole('group', { name: 'Actions on this request' }).getByRole('button').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).sort();
    // Attaching files is an upload, not a form: it is not in the menu.
    await poll(menu).toEqual(allowed.filter((a) => a !== 'attach').map((a) => `action-${a}`).sort());
    expect(await ann.page.getByTestId('action-accept').textContent()).toContain('Accept');
    expect(await ann.page.getByTestId('action-reject').textContent()).toContain('Reject');
    expect(await ann.page.getByTestId('action-cancel').textContent()).toContain('Cancel');
    await screenshot(ann.page, 'task-view-consumer');

    // Ann rejects with a reason: both back to work, the reason reaches Bob as a comment.
    await act(ann.page, 'reject', { 'Reason for rejecting': 'Still flickers after the rollback' });
    await poll(() => state(ann.page).textContent()).toBe('State: Work in Progress');
    await poll(() => state(bob.page).textContent()).toBe('State: Work in Progress');
    await comment(bob.page, 'Still flickers after the rollback').waitFor();

    // Bob proposes again; Ann accepts: Closed on both pages and in both databases.
    await act(bob.page, 'propose_solution', { 'Resolution code': 'solved', 'Resolution notes': 'Replaced the display cable' });
    await poll(() => state(ann.page).textContent()).toBe('State: Resolved');
    await poll(() => ann.page.getByTestId('task-resolution').textContent()).toContain('Replaced the display cable');
    await act(ann.page, 'accept');
    await poll(() => state(ann.page).textContent()).toBe('State: Closed');
    await poll(() => state(bob.page).textContent()).toBe('State: Closed');
    await poll(() => ann.page.getByTestId('no-actions').textContent()).toContain('it has ended');
    await poll(() => bob.page.getByTestId('no-actions').textContent()).toContain('it has ended');
    const [annEnd, bobEnd] = await Promise.all([apiTask(ann, ptsk), apiTask(bob, cs)]);
    expect(annEnd).toMatchObject({ state: 'closed', allowedActions: [], resolution: { code: 'solved', notes: 'Replaced the display cable' } });
    expect(bobEnd).toMatchObject({ state: 'closed', allowedActions: [], resolution: { code: 'solved', notes: 'Replaced the display cable' } });
    // Bob's side has the work note; Ann's never did.
    expect(bobEnd.comments.filter((c) => c.visibility === 'internal').map((c) => c.body)).toEqual(['Probably the GPU driver; check build 4711']);
    expect(annEnd.comments.some((c) => c.visibility === 'internal' || c.body.includes('GPU driver;'))).toBe(false);

    // The Task View at 390 px wide: nothing sticks out sideways.
    await ann.page.setViewportSize({ width: 390, height: 844 });
    await poll(() => ann.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(ann.page, 'task-view-390px');
  });
});

describe('two agents click "Assign to me" at once', () => {
  it('one gets the case, the other sees the API message naming the winner', async () => {
    const created = await b.stack.call('POST', '/requests', {
      as: 'ANN_TOKEN',
      body: { catalogItemId: b.stack.demo.items.help_request, shortDescription: 'Printer on floor 3 jams', variables: { category: 'hardware' } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const cs = (
      await eventually(
        () => b.stack.call('GET', `/tasks/${created.body.number}`, { as: 'ANN_TOKEN' }),
        (r) => !!r.body.counterpart?.number,
        { what: 'the case number' },
      )
    ).body.counterpart.number as string;

    const [bob, carol] = await Promise.all([signIn('bob'), signIn('carol')]);
    const agents = [
      { who: bob, name: 'Bob Stone' },
      { who: carol, name: 'Carol Diaz' },
    ];
    for (const { who } of agents) {
      // The loser's POST is answered 409, which Chromium logs as a failed resource.
      who.allowErrors(new RegExp(`Failed to load resource: the server responded with a status of 409 \\(Conflict\\) \\(http://127\\.0\\.0\\.1:\\d+/tasks/${cs}/assign\\)`));
      await who.page.goto(`/app/tasks/${cs}`);
      await who.page.getByTestId('action-assign').waitFor();
    }
    // At the same moment means before either has seen the other's result: each page's POST is held
    // until both have been sent. Otherwise, on a busy machine, the first assignment's live update can
    // take the second page's button away before its click lands (the test then waited on a button gone).
    let sent = 0;
    let bothSent!: () => void;
    const together = new Promise<void>((resolve) => (bothSent = resolve));
    for (const { who } of agents) {
      await who.page.route(`**/tasks/${cs}/assign`, async (route) => {
        if (++sent === agents.length) bothSent();
        await together;
        await route.continue();
      });
    }
    await Promise.all(agents.map(({ who }) => who.page.getByTestId('action-assign').click()));

    const outcome = async (page: Page) => {
      const done = page.getByTestId('action-result').or(page.getByTestId('action-error'));
      await done.first().waitFor();
      return (await page.getByTestId('action-error').count()) ? 'lost' : 'won';
    };
    const results = await Promise.all(agents.map(({ who }) => outcome(who.page)));
    expect([...results].sort()).toEqual(['lost', 'won']);
    const w = agents[results.indexOf('won')]!;
    const l = agents[results.indexOf('lost')]!;

    expect(await w.who.page.getByTestId('action-result').textContent()).toContain('Assigned to you');
    await poll(() => l.who.page.getByTestId('action-error').textContent()).toContain(w.name);
    expect(await l.who.page.getByTestId('action-error-extra').textContent()).toBe(`Assigned to: ${w.name}.`);
    // Both pages show the winner as the assignee; the server agrees.
    for (const { who } of agents) await poll(() => who.page.getByTestId('task-assignee').textContent()).toBe(w.name);
    expect((await b.stack.call('GET', `/tasks/${cs}`, { as: 'GLOBEX_ADMIN_TOKEN' })).body).toMatchObject({ state: 'work_in_progress', assignedTo: w.name });
  });
});
