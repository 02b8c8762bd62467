import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { migratedImageFile } from '../../db/image-cache';

declare module 'vitest' {
  export interface ProvidedContext {
    conformanceWorkflowBundle: string;
    serviceWorkflowBundle: string;
    /** File of an empty migrated embedded database (db/connect.ts migratedImage), for test stacks to start from. */
    databaseImagePath: string;
  }
}

/** Once per test run: bundles the workflow code and makes the database image every test file's stacks reuse. */
export default async function setup(project: TestProject): Promise<void> {
  const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  const bundle = async (path: string) => (await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL(path, import.meta.url)), logger })).code;
  // The image is the one `npm start` uses too, cached across runs (db/image-cache.ts).
  const [conformance, service, imagePath] = await Promise.all([bundle('../workflows/index.ts'), bundle('../../workflows/index.ts'), migratedImageFile()]);
  project.provide('conformanceWorkflowBundle', conformance);
  project.provide('serviceWorkflowBundle', service);
  project.provide('databaseImagePath', imagePath);
}
