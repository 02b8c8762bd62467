import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject, onTestFinished } from 'vitest';
import { resolveChromium } from './chromium';
import { createTestStack, type TestStack } from './stack';
import { passwordVariable } from '../../app/seed-demo';

// Browser tests (issue 12): playwright-core driving a real headless Chromium against a real stack
// (dev server, databases, worker, API) listening on 127.0.0.1. One browser per test file
// (`launchBrowser`, closed in afterAll), one browser context per person (own cookies), and any
// console error or uncaught page error in a context fails the test that opened it.

/** Chromium's flags here: no sandbox (tests run as root in containers), nothing that phones home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Every context's time zone and locale, so dates render the same on any machine (not UTC, to catch a missed conversion). */
export const BROWSER_TIMEZONE = 'America/New_York';
export const BROWSER_LOCALE = 'en-US';
export const BROWSER_VIEWPORT = { width: 1280, height: 800 };

/** Where `screenshot` writes (ignored by git; rewritten on every run). */
export const SCREENSHOTS_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

let fallbackPath: Promise<string> | undefined;

/**
 * Launches headless Chromium: the one global setup found (test/harness/browser-setup.ts), or, when
 * this run's setup did not look (a watch-mode rerun that added a browser file), found now, once per
 * process. One per test file: launch in beforeAll, `browser.close()` in afterAll.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = inject('chromiumPath') ?? (await (fallbackPath ??= resolveChromium().then((c) => c.path)));
  // @sparticuz/chromium's own fonts, on a machine without fontconfig's (text would render as boxes).
  const env = !existsSync('/etc/fonts/fonts.conf') && executablePath === join(tmpdir(), 'chromium') ? { ...process.env, FONTCONFIG_PATH: join(tmpdir(), 'fonts') } : undefined;
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, env });
}

/** A demo person (app/seed-demo.ts), or any user's email and password. */
export type Who = 'ann' | 'alex' | 'bob' | 'carol' | 'gina' | { email: string; password: string };

const DEMO_TOKENS: Record<Exclude<Who, object>, string> = { ann: 'ANN_TOKEN', alex: 'ACME_ADMIN_TOKEN', bob: 'BOB_TOKEN', carol: 'CAROL_TOKEN', gina: 'GLOBEX_ADMIN_TOKEN' };

/** The user POST /session answers. */
export interface SessionUser {
  id: string;
  name: string;
  email: string;
  role: string;
  instance: string;
}

/** A browser context of its own (its own cookies) with one page, opened at nothing yet. */
export interface BrowserPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors so far (each fails the test unless allowed). */
  errors: string[];
  /** Lets errors matching `pattern` through from now on, e.g. /status of 422/ for a form the test expects refused. */
  allowErrors(pattern: RegExp): void;
}

export interface SignedInPage extends BrowserPage {
  user: SessionUser;
}

export interface BrowserStack {
  /** http://127.0.0.1:<port>: the API, and the web app under /app/. Contexts use it as their baseURL. */
  baseURL: string;
  stack: TestStack;
  /** A new context and page, not signed in. */
  newPage(browser: Browser): Promise<BrowserPage>;
  /** A new context and page, signed in as `who` (POST /session through the context, so the cookie lands in it). */
  signedInPage(browser: Browser, who: Who): Promise<SignedInPage>;
  /**
   * Fails on errors seen in contexts opened outside a test (in beforeAll), then closes the stack.
   * Close the browser first: an open page's live stream would hold the API's shutdown up.
   */
  close(): Promise<void>;
}

/** The whole service (createTestStack) with its pages, its API listening on 127.0.0.1, on a free port. */
export async function createBrowserStack(options: Parameters<typeof createTestStack>[0] = {}): Promise<BrowserStack> {
  const stack = await createTestStack({ ...options, pages: true });
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  const baseURL = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
  // Contexts opened outside a test: their errors are checked when the stack closes.
  const longLived: BrowserPage[] = [];

  async function newPage(browser: Browser): Promise<BrowserPage> {
    const context = await browser.newContext({ baseURL, timezoneId: BROWSER_TIMEZONE, locale: BROWSER_LOCALE, viewport: BROWSER_VIEWPORT });
    // Shorter than vitest's test timeout, so a missing element fails with Playwright's own message.
    context.setDefaultTimeout(15_000);
    const errors: string[] = [];
    const allowed: RegExp[] = [];
    const report = (text: string) => allowed.some((pattern) => pattern.test(text)) || errors.push(text);
    context.on('console', (msg) => msg.type() === 'error' && report(`console error: ${msg.text()} (${msg.location().url || msg.page()?.url() || 'no url'})`));
    context.on('weberror', (error) => report(`page error: ${error.error().stack ?? error.error().message} (${error.page()?.url() ?? 'no page'})`));
    const opened: BrowserPage = { page: await context.newPage(), context, errors, allowErrors: (pattern) => void allowed.push(pattern) };
    try {
      onTestFinished(async () => {
        await settle(context);
        await context.close();
        assertNoErrors(opened);
      });
    } catch {
      // Not inside a test (onTestFinished throws): opened in beforeAll, judged in close().
      longLived.push(opened);
    }
    return opened;
  }

  async function signedInPage(browser: Browser, who: Who): Promise<SignedInPage> {
    const credentials = typeof who === 'object' ? who : await demoCredentials(stack, who);
    const opened = await newPage(browser);
    const res = await opened.context.request.post('/session', { data: credentials });
    if (res.status() !== 200) throw new Error(`Signing in as ${credentials.email} answered ${res.status()}: ${await res.text()}`);
    return { ...opened, user: (await res.json()) as SessionUser };
  }

  return {
    baseURL,
    stack,
    newPage,
    signedInPage,
    async close() {
      try {
        for (const opened of longLived) {
          await settle(opened.context);
          assertNoErrors(opened);
        }
      } finally {
        await stack.close();
      }
    },
  };
}

async function demoCredentials(stack: TestStack, who: Exclude<Who, object>): Promise<{ email: string; password: string }> {
  const token = DEMO_TOKENS[who];
  const me = await stack.call<SessionUser>('GET', '/session', { as: token });
  if (me.status !== 200) throw new Error(`GET /session as ${token} answered ${me.status}`);
  return { email: me.body.email, password: stack.demo.passwords[passwordVariable(token)] };
}

/** A round trip to each page: events the browser sent before it (an error just thrown) have been heard. */
async function settle(context: BrowserContext): Promise<void> {
  await Promise.all(context.pages().map((page) => page.evaluate('0').catch(() => undefined)));
}

/**
 * For a page kept from test to test (opened in beforeAll; call in afterEach): fails the test that just
 * ran on the errors the page reported during it, and forgets them.
 */
export async function expectNoNewErrors(opened: BrowserPage): Promise<void> {
  await settle(opened.context);
  assertNoErrors({ ...opened, errors: opened.errors.splice(0) });
}

function assertNoErrors(opened: BrowserPage): void {
  if (opened.errors.length) throw new Error(`The browser reported ${opened.errors.length} error(s):\n${opened.errors.join('\n')}`);
}

/** Writes a full-page PNG of `page` to test-results/screenshots/<name>.png (every run); answers its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
