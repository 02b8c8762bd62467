import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { migratedImageFile } from '../../db/image-cache';
import { ensureTemporalUiBuild, ensureWebBuild } from '../../app/web-build';
import { workflowBundle } from '../../app/workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    conformanceWorkflowBundle: string;
    serviceWorkflowBundle: string;
    /** File of an empty migrated embedded database (db/image-cache.ts), for test stacks to start from. */
    databaseImagePath: string;
  }
}

/**
 * Once per test run: bundles the conformance suite's workflows, and makes sure of the service's
 * workflow bundle, the database image every test file's stacks start from, the web app's build they
 * serve under /app/ and the Temporal UI's build the dev servers serve on their HTTP port (each made
 * only when its sources changed: app/workflow-bundle.ts, db/image-cache.ts, app/web-build.ts;
 * `npm start` uses the same ones).
 */
export default async function setup(project: TestProject): Promise<void> {
  const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  const bundle = async (path: string) => (await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL(path, import.meta.url)), logger })).code;
  const [conformance, service, imagePath] = await Promise.all([
    bundle('../workflows/index.ts'),
    workflowBundle(),
    migratedImageFile(),
    ensureWebBuild({ say: (msg) => console.log(`[global setup] ${msg}`) }),
    ensureTemporalUiBuild({ say: (msg) => console.log(`[global setup] ${msg}`) }),
  ]);
  project.provide('conformanceWorkflowBundle', conformance);
  project.provide('serviceWorkflowBundle', service);
  project.provide('databaseImagePath', imagePath);
}
