import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { createBrowserStack, launchBrowser, screenshot, type BrowserStack, type SignedInPage, type Who } from '../harness/browser';
import { passwordVariable } from '../../app/seed-demo';

// Sessions and access in the browser (issue 12, "Tests"): a failed sign-in, signing out, a session
// that expires while a page is open, the request form's validation next to each field, and pages a
// role may not open. (A cross-site POST refused: smoke.test.ts.)

let b: BrowserStack;
let browser: Browser;
/** How far the sessions' clock is ahead of the real one: a test moves it to expire a session. */
let clockAheadMs = 0;

beforeAll(async () => {
  [b, browser] = await Promise.all([createBrowserStack({ sessions: { now: () => new Date(Date.now() + clockAheadMs) } }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await b?.close();
});

const ANN_EMAIL = 'ann@acme.example';
const annPassword = () => b.stack.demo.passwords[passwordVariable('ANN_TOKEN')]!;

/** Chromium's line for a refused call to `path` with `status`: what a test expecting that refusal lets through. */
const refused = (status: number, path: string) => new RegExp(`Failed to load resource: the server responded with a status of ${status} \\([^)]*\\) \\(http://127\\.0\\.0\\.1:\\d+${path.replace(/[/.]/g, '\\$&')}\\)`);

const signIn = (who: Who): Promise<SignedInPage> => b.signedInPage(browser, who);

/** Fills the sign-in page and submits it. */
async function signInByHand(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });

/** The error message the page shows for `input`: the element its aria-describedby names, inside the same field. */
async function errorNextTo(input: Locator): Promise<string | null> {
  expect(await input.getAttribute('aria-invalid')).toBe('true');
  const id = await input.getAttribute('aria-describedby');
  expect(id).toBeTruthy();
  const message = input.page().locator(`[id="${id}"]`);
  // Next to its field: in the same .field block as the input.
  expect(await message.evaluate((el, inputId) => !!el.closest('.field')?.querySelector(`[id="${inputId}"]`), await input.getAttribute('id'))).toBe(true);
  return message.textContent();
}

describe('signing in', () => {
  it('a wrong password or an unknown email says only "email or password is incorrect"; the right one opens the page asked for', async () => {
    const visitor = await b.newPage(browser);
    // The two refused sign-ins (POST /session answered 401).
    visitor.allowErrors(refused(401, '/session'));
    const { page } = visitor;
    await page.goto('/app/requests');
    await page.waitForURL('**/app/sign-in?next=%2Fapp%2Frequests');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'sign-in');

    await signInByHand(page, ANN_EMAIL, 'not-her-password');
    await poll(() => page.getByTestId('sign-in-error').textContent()).toBe('email or password is incorrect');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await signInByHand(page, 'nobody@acme.example', annPassword());
    await poll(() => page.getByTestId('sign-in-error').textContent()).toBe('email or password is incorrect');
    expect(page.url()).toContain('/app/sign-in');

    await signInByHand(page, ANN_EMAIL, annPassword());
    await page.waitForURL('**/app/requests');
    await page.getByRole('heading', { name: 'My requests' }).waitFor();
    await poll(() => page.getByTestId('signed-in-user').textContent()).toContain('Ann Lee');
  });

  it('signing out returns to the sign-in page, and the old cookie is refused from then on', async () => {
    const ann = await signIn('ann');
    await ann.page.goto('/app/catalog');
    await ann.page.getByRole('link', { name: 'Order IT help request' }).waitFor();
    const cookie = (await ann.context.cookies()).find((c) => c.name === 'sx_session');
    expect(cookie?.value).toMatch(/^sxs\./);
    const withOldCookie = () => b.stack.call('GET', '/catalog', { headers: { cookie: `sx_session=${cookie!.value}` } });
    expect((await withOldCookie()).status).toBe(200);

    await ann.page.getByRole('button', { name: 'Sign out' }).click();
    await ann.page.waitForURL('**/app/sign-in');
    await poll(() => ann.page.getByTestId('sign-in-notice').textContent()).toBe('You signed out.');
    expect(await ann.page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    const refusedNow = await withOldCookie();
    expect(refusedNow.status).toBe(401);
    expect(refusedNow.body.error.code).toBe('unauthorized');
    // The browser holds no session any more: its own API call is refused too, and a page sends it to sign in.
    expect((await ann.context.request.get('/session')).status()).toBe(401);
    await ann.page.goto('/app/catalog');
    await ann.page.waitForURL('**/app/sign-in?next=%2Fapp%2Fcatalog');
  });

  it('a session that expires while a page is open sends it to sign in ("Your session ended"), and back to that page after', async () => {
    const created = await b.stack.call('POST', '/requests', {
      as: 'ANN_TOKEN',
      body: { catalogItemId: b.stack.demo.items.help_request, shortDescription: 'VPN drops every hour', variables: { category: 'access' } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const number: string = created.body.number;
    const ann = await signIn('ann');
    // Whichever call meets the expired session first (the comment below, a refresh, the live stream) is answered 401.
    ann.allowErrors(refused(401, `/tasks/${number}(/comments)?`));
    ann.allowErrors(refused(401, '/events'));
    await ann.page.goto(`/app/tasks/${number}`);
    await poll(() => ann.page.getByTestId('task-number').textContent()).toBe(number);

    // 31 minutes without use pass (SESSION_IDLE_MINUTES is 30); then Ann writes a comment.
    clockAheadMs += 31 * 60_000;
    await ann.page.getByTestId('action-comment').click();
    await ann.page.getByLabel('Comment', { exact: true }).fill('Is anyone looking at this?');
    await ann.page.getByTestId('submit-comment').click();
    await ann.page.waitForURL(`**/app/sign-in?next=${encodeURIComponent(`/app/tasks/${number}`)}`);
    await poll(() => ann.page.getByTestId('sign-in-notice').textContent()).toContain('Your session ended');
    expect((await b.stack.call('GET', `/tasks/${number}`, { as: 'ANN_TOKEN' })).body.comments).toEqual([]);

    await signInByHand(ann.page, ANN_EMAIL, annPassword());
    await ann.page.waitForURL(`**/app/tasks/${number}`);
    await poll(() => ann.page.getByTestId('task-number').textContent()).toBe(number);
    await ann.page.getByTestId('action-comment').click();
    await ann.page.getByLabel('Comment', { exact: true }).fill('Is anyone looking at this?');
    await ann.page.getByTestId('submit-comment').click();
    await poll(() => ann.page.getByTestId('action-result').textContent()).toBe('Comment posted.');
    expect((await b.stack.call('GET', `/tasks/${number}`, { as: 'ANN_TOKEN' })).body.comments.map((c: { body: string }) => c.body)).toEqual(['Is anyone looking at this?']);
  });
});

describe('the request form', () => {
  it('shows each problem next to its field and orders nothing until they are fixed', async () => {
    const ann = await signIn('ann');
    const count = async () => (await b.stack.call('GET', '/tasks', { as: 'ANN_TOKEN' })).body.items.length as number;
    const before = await count();
    const { page } = ann;
    await page.goto('/app/catalog');
    await page.getByRole('link', { name: 'Order Report a service outage' }).click();
    await page.getByRole('heading', { name: 'Order: Report a service outage' }).waitFor();
    // No short description, the required "Affected service" empty, 2.5 users.
    await page.getByLabel('Users affected').fill('2.5');
    await page.getByRole('button', { name: 'Submit request' }).click();

    const short = page.getByLabel('Short description');
    const service = page.getByLabel('Affected service');
    const users = page.getByLabel('Users affected');
    await poll(() => short.getAttribute('aria-invalid')).toBe('true');
    expect(await errorNextTo(short)).toBe('shortDescription is required');
    expect(await errorNextTo(service)).toBe('variables.service is required');
    expect(await errorNextTo(users)).toBe('variables.users_affected must be a whole number');
    // The first field in error has the focus.
    expect(await short.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await screenshot(page, 'request-form-errors');
    expect(page.url()).toMatch(/\/app\/catalog\/[^/]+$/);
    expect(await count()).toBe(before);

    // Fixed: the errors go, and the order goes through to its Task View.
    await short.fill('Mail is down in Lyon');
    await service.fill('Mail');
    await users.fill('12');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.waitForURL(/\/app\/tasks\/PTSK\d+$/);
    await poll(() => page.getByTestId('task-number').textContent()).toMatch(/^PTSK\d+$/);
    expect(await count()).toBe(before + 1);
  });
});

describe('pages a role may not open', () => {
  it('a requester opening the queue, or an agent opening catalog admin, sees "Not available for your role"; the admin sees catalog admin', async () => {
    const [ann, bob, gina] = await Promise.all([signIn('ann'), signIn('bob'), signIn('gina')]);
    await ann.page.goto('/app/queue');
    await ann.page.getByRole('heading', { name: 'Not available for your role' }).waitFor();
    expect(await ann.page.getByRole('heading', { name: 'Queue' }).count()).toBe(0);
    expect(await ann.page.getByTestId('task-list').count()).toBe(0);
    expect(await ann.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queue' }).count()).toBe(0);

    await bob.page.goto('/app/admin/catalog');
    await bob.page.getByRole('heading', { name: 'Not available for your role' }).waitFor();
    expect(await bob.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Catalog admin' }).count()).toBe(0);

    await gina.page.goto('/app/admin/catalog');
    await gina.page.getByRole('heading', { name: 'Catalog admin' }).waitFor();
    await poll(() => gina.page.getByTestId('own-item').count()).toBe(4);
    // A new item half filled in with the form builder (not created), for the picture.
    const builder = gina.page.getByRole('region', { name: 'New item' });
    await builder.locator('#item-name').fill('Laptop replacement');
    await builder.getByLabel('Kind').selectOption('help_request');
    await builder.getByLabel('Description', { exact: true }).fill('A new laptop when yours is broken or five years old.');
    await builder.getByLabel('Response time').fill('4h');
    await builder.getByLabel('Resolution time').fill('5d');
    await builder.getByRole('button', { name: '+ Add variable' }).click();
    await builder.locator('#item-form-0-name').fill('model');
    await builder.getByLabel('Label').fill('Preferred model');
    await builder.getByLabel('Type').selectOption('choice');
    await builder.getByLabel('Choices (one per line)').fill('14 inch\n16 inch');
    await builder.getByLabel('Required').check();
    await screenshot(gina.page, 'catalog-admin');
  });
});
