import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { migratedImage } from '../../db/connect';

declare module 'vitest' {
  export interface ProvidedContext {
    conformanceWorkflowBundle: string;
    serviceWorkflowBundle: string;
    /** File of an empty migrated embedded database (db/connect.ts migratedImage), for test stacks to start from. */
    databaseImagePath: string;
  }
}

/** Once per test run: bundles the workflow code and makes the database image every test file's stacks reuse. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  const bundle = async (path: string) => (await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL(path, import.meta.url)), logger })).code;
  const dir = await mkdtemp(join(tmpdir(), 'sx-test-'));
  const imagePath = join(dir, 'migrated.tar');
  const [conformance, service] = await Promise.all([
    bundle('../workflows/index.ts'),
    bundle('../../workflows/index.ts'),
    migratedImage().then(async (image) => writeFile(imagePath, Buffer.from(await image.arrayBuffer()))),
  ]);
  project.provide('conformanceWorkflowBundle', conformance);
  project.provide('serviceWorkflowBundle', service);
  project.provide('databaseImagePath', imagePath);
  return () => rm(dir, { recursive: true, force: true });
}
