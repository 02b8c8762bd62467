import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migratedImageDirectory, migratedImageFile } from '../../db/image-cache';
import { ensureTemporalUiBuild, ensureWebBuild } from '../../app/web-build';
import { cachedWorkflowBundle, workflowBundle } from '../../app/workflow-bundle';
import { PROJECT_ROOT } from '../../config/build-cache';

declare module 'vitest' {
  export interface ProvidedContext {
    conformanceWorkflowBundle: string;
    serviceWorkflowBundle: string;
    /** File of an empty migrated embedded database (db/image-cache.ts), for test stacks to start from. */
    databaseImagePath: string;
  }
}

/**
 * Once per test run: makes sure of the conformance suite's and the service's workflow bundles, the
 * database image every test file's stacks start from (and its folder, for `npm start` in a test), the
 * web app's build they serve under /app/ and the Temporal UI's build the dev servers serve on their
 * HTTP port (each made only when its sources changed: app/workflow-bundle.ts, db/image-cache.ts,
 * app/web-build.ts; `npm start` uses the same ones).
 */
export default async function setup(project: TestProject): Promise<void> {
  const conformanceWorkflows = join(PROJECT_ROOT, 'test', 'workflows');
  const [conformance, service, imagePath] = await Promise.all([
    cachedWorkflowBundle('conformance-workflows', join(conformanceWorkflows, 'index.ts'), [conformanceWorkflows, join(PROJECT_ROOT, 'package-lock.json')]),
    workflowBundle(),
    migratedImageFile(),
    // For the tests that run `npm start` (main.ts) on a fresh data directory.
    migratedImageDirectory(),
    ensureWebBuild({ say: (msg) => console.log(`[global setup] ${msg}`) }),
    ensureTemporalUiBuild({ say: (msg) => console.log(`[global setup] ${msg}`) }),
  ]);
  project.provide('conformanceWorkflowBundle', conformance);
  project.provide('serviceWorkflowBundle', service);
  project.provide('databaseImagePath', imagePath);
}
