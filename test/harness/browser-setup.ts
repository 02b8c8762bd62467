import type { TestProject } from 'vitest/node';
import { resolveChromium, runIncludesBrowserTests } from './chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Chromium binary the browser tests launch (test/harness/chromium.ts); only in runs that include test/browser. */
    chromiumPath?: string;
  }
}

/**
 * Once per test run, and only when the run includes a browser test file: finds Chromium (which may
 * unpack @sparticuz/chromium, 2-8 s the first time) and provides its path to the test files. A run
 * without browser tests (`npx vitest run test/unit`) pays a glob of the file list, nothing more.
 * No Chromium: the run fails here, saying how to get one.
 */
export default async function setup(project: TestProject): Promise<void> {
  if (!(await runIncludesBrowserTests(project))) return;
  project.provide('chromiumPath', (await resolveChromium()).path);
}
