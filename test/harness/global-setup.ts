import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { migratedImage } from '../../db/connect';
import { ensureWebBuild } from '../../app/web-build';

declare module 'vitest' {
  export interface ProvidedContext {
    conformanceWorkflowBundle: string;
    serviceWorkflowBundle: string;
    /** File of an empty migrated embedded database (db/connect.ts migratedImage), for test stacks to start from. */
    databaseImagePath: string;
  }
}

/**
 * Once per test run: bundles the workflow code, makes the database image every test file's stacks
 * reuse, and builds the web app that test stacks serve under /app/ (only when its sources changed
 * since the last build: app/web-build.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  const bundle = async (path: string) => (await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL(path, import.meta.url)), logger })).code;
  const dir = await mkdtemp(join(tmpdir(), 'sx-test-'));
  const imagePath = join(dir, 'migrated.tar');
  const [conformance, service] = await Promise.all([
    bundle('../workflows/index.ts'),
    bundle('../../workflows/index.ts'),
    migratedImage().then(async (image) => writeFile(imagePath, Buffer.from(await image.arrayBuffer()))),
    ensureWebBuild({ say: (msg) => console.log(`[global setup] ${msg}`) }),
  ]);
  project.provide('conformanceWorkflowBundle', conformance);
  project.provide('serviceWorkflowBundle', service);
  project.provide('databaseImagePath', imagePath);
  return () => rm(dir, { recursive: true, force: true });
}
