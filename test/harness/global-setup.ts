import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    conformanceWorkflowBundle: string;
    serviceWorkflowBundle: string;
  }
}

/** Bundles workflow code once per test run; every test file's workers reuse it. */
export default async function setup(project: TestProject): Promise<void> {
  const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  const bundle = async (path: string) => (await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL(path, import.meta.url)), logger })).code;
  project.provide('conformanceWorkflowBundle', await bundle('../workflows/index.ts'));
  project.provide('serviceWorkflowBundle', await bundle('../../workflows/index.ts'));
}
