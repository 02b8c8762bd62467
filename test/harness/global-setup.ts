import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migratedImageDirectory, migratedImageFile } from '../../db/image-cache';
import { ensureTemporalUiBuild, ensureWebBuild } from '../../app/web-build';
import { cachedWorkflowBundlePath, testWorkflowBundlePath } from '../../app/workflow-bundle';
import { PROJECT_ROOT } from '../../config/build-cache';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bundles' files, not their code: see test/harness/workflow-bundles.ts. */
    conformanceWorkflowBundlePath: string;
    serviceWorkflowBundlePath: string;
    /** File of an empty migrated embedded database (db/image-cache.ts), for test stacks to start from. */
    databaseImagePath: string;
  }
}

/**
 * Once per test run: makes sure of the conformance suite's and the service's workflow bundles and the
 * database image every test file's stacks start from (and, for the faults, its folder), each made
 * only when its sources changed (app/workflow-bundle.ts, db/image-cache.ts). It also starts the
 * builds of the web app and the Temporal UI (app/web-build.ts) without waiting for them: the stacks
 * that serve pages wait for them (`pages` in test/harness/stack.ts), the other files run meanwhile.
 * After a fresh clone the two builds take about 20 s, most of a run's start.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const say = (msg: string) => console.log(`[global setup] ${msg}`);
  // A failed build fails the files that wait for it, with its output: here it is only awaited.
  const builds = Promise.allSettled([ensureWebBuild({ say }), ensureTemporalUiBuild({ say })]);
  const conformanceWorkflows = join(PROJECT_ROOT, 'test', 'workflows');
  const [conformance, service, imagePath] = await Promise.all([
    cachedWorkflowBundlePath('conformance-workflows', join(conformanceWorkflows, 'index.ts'), [conformanceWorkflows, join(PROJECT_ROOT, 'package-lock.json')]),
    testWorkflowBundlePath(),
    migratedImageFile(),
    // For the tests that run `npm start` (main.ts) on a fresh data directory, all in the faults project.
    project.name === 'faults' && migratedImageDirectory(),
  ]);
  project.provide('conformanceWorkflowBundlePath', conformance);
  project.provide('serviceWorkflowBundlePath', service);
  project.provide('databaseImagePath', imagePath);
  return async () => void (await builds);
}
