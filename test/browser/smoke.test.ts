import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Response } from 'playwright-core';
import { createBrowserStack, launchBrowser, screenshot, type BrowserStack } from '../harness/browser';

// The browser harness against the API alone (no web app needed): the docs page renders in a real
// Chromium, and a page on another origin cannot make a signed-in browser write anything.

let b: BrowserStack;
let browser: Browser;
let attacker: Server;
let attackerPort: number;

beforeAll(async () => {
  [b, browser] = await Promise.all([createBrowserStack(), launchBrowser()]);
  // Another origin's page: it makes the browser POST a comment to the API, by a form it submits on
  // load and by fetch with credentials (a "simple" request, so no CORS preflight stops it first).
  attacker = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://attacker');
    const target = url.searchParams.get('target') ?? '';
    const body = JSON.stringify({ body: url.searchParams.get('text') ?? '' }).slice(0, -2);
    const page =
      url.pathname === '/form'
        ? // text/plain: the field name and value join with "=" into {"body":"…","pad":"="}.
          `<form method="post" enctype="text/plain" action="${target}"><input type="hidden" name='${body}","pad":"' value='"}'></form>
           <script>document.forms[0].submit()</script>`
        : `<script>fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(JSON.stringify({ body: url.searchParams.get('text') }))} })</script>`;
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>elsewhere</title>${page}`);
  });
  // Reached as 127.0.0.1 (the API's site) and as localhost (another site; Chromium maps it to loopback).
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerPort = (attacker.address() as AddressInfo).port;
});

afterAll(async () => {
  await browser?.close();
  attacker?.close();
  await b?.close();
});

describe('the browser harness', () => {
  it('opens the API docs (Swagger UI) in Chromium', async () => {
    const { page } = await b.newPage(browser);
    const res = await page.goto('/docs');
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.locator('.information-container .title').textContent()).toContain('Service Exchange API');
    await page.getByText('/tasks/{number}/comments').first().waitFor();
    await screenshot(page, 'api-docs');
  });
});

describe('a signed-in browser on another origin', () => {
  const comments = async (number: string) => (await b.stack.call('GET', `/tasks/${number}`, { as: 'ANN_TOKEN' })).body.comments.map((c: { body: string }) => c.body);

  it('writes nothing: a cross-origin POST carrying the cookie is refused (403), a cross-site one carries none (401)', async () => {
    const created = await b.stack.call('POST', '/requests', {
      as: 'ANN_TOKEN',
      body: { catalogItemId: b.stack.demo.items.help_request, shortDescription: 'Monitor flickers', variables: { category: 'hardware' } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const number: string = created.body.number;
    const target = `${b.baseURL}/tasks/${number}/comments`;
    const ann = await b.signedInPage(browser, 'ann');
    expect(ann.user).toMatchObject({ name: 'Ann Lee', instance: 'acme' });
    // Chromium logs each refused request as "Failed to load resource: … status of 401/403".
    ann.allowErrors(/Failed to load resource: the server responded with a status of 40[13]/);

    // Control: from the API's own origin, the same browser writes a comment with its cookie.
    await ann.page.goto('/docs');
    const sameOrigin = await ann.page.evaluate(
      async (url) => (await fetch(url, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 'from this site' }) })).status,
      target,
    );
    expect(sameOrigin).toBe(201);

    // 127.0.0.1:<other port> is another origin but the same site: the Lax cookie goes along, and
    // the API refuses the request by its Origin. localhost is another site: no cookie at all.
    // (The API answers 401 to a POST without credentials, and looks at the Origin only with the cookie.)
    const cases = [
      { host: '127.0.0.1', status: 403, code: 'forbidden' },
      { host: 'localhost', status: 401, code: 'unauthorized' },
    ];
    for (const { host, status, code } of cases) {
      for (const how of ['form', 'fetch']) {
        const text = `forged by a ${how} on ${host}`;
        const attack = `http://${host}:${attackerPort}/${how}?${new URLSearchParams({ target, text })}`;
        const what = `${how} from ${host}`;
        const res = await answerTo(ann.page, target, () => ann.page.goto(attack));
        expect(res.status, what).toBe(status);
        // The form's answer is the page it lands on; a no-cors fetch's body stays hidden even from Playwright.
        if (how === 'form') expect(JSON.parse(res.body).error.code, what).toBe(code);
        expect(await comments(number), what).not.toContain(text);
      }
    }
    expect(await comments(number)).toEqual(['from this site']);
    // Still signed in: a refused request does not end the session.
    expect((await ann.context.request.get('/session')).status()).toBe(200);
  });
});

/** The API's answer to the POST to `url` that `act` makes the page send (its body read at once, while the browser still has it). */
async function answerTo(page: Page, url: string, act: () => Promise<unknown>): Promise<{ status: number; body: string }> {
  let body = '';
  const matches = async (r: Response) => r.url() === url && r.request().method() === 'POST' && ((body = await r.text().catch(() => '')), true);
  const [res] = await Promise.all([page.waitForResponse(matches), act()]);
  return { status: res.status(), body };
}
